"""The report PDF (reports/pdf.py): tagged for screen readers (PDF/UA-1: structure tree, title,
language, headings), sections flowing on without mostly empty pages, and every page numbered
once ("3 / 10") by the page counters of one layout."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from survey.reports import build


@pytest.fixture
def national_pdf(demo):
    with demo.test_request_context("/?lang=sv"):
        report = build.national_report(2024)
        yield report, PdfReader(io.BytesIO(build.render_pdf(report)))


def _structure_types(node, seen: set[str], depth: int = 0) -> set[str]:
    node = node.get_object()
    if isinstance(node, dict) or hasattr(node, "get"):
        if "/S" in node:
            seen.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None and depth < 60:
            for kid in (kids if isinstance(kids, list) else [kids]):
                if hasattr(kid, "get_object") and not isinstance(kid.get_object(), int):
                    _structure_types(kid, seen, depth + 1)
    return seen


def test_pdf_is_tagged_with_title_language_and_headings(national_pdf):
    report, reader = national_pdf
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert root["/Lang"] == "sv"
    assert reader.metadata.title == report.title
    types = _structure_types(root["/StructTreeRoot"], set())
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/Figure"} <= types, types
    # Bookmarks: the title and every section, in order.
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == [s.title for s in report.sections]


def test_sections_flow_without_mostly_empty_pages_or_repeats(national_pdf):
    report, reader = national_pdf
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    # A page per section left most pages three-quarters empty: now they follow each other.
    assert total < len(report.sections) * 0.8
    for number, text in enumerate(pages, 1):
        assert re.findall(r"\b\d+ / \d+\b", text) == [f"{number} / {total}"]
        if number < total:
            lines = [line for line in text.splitlines() if line.strip()]
            assert len(lines) >= 25, (number, lines)
    # The last page ends the report: it does not repeat the first.
    assert pages[-1] != pages[0]
    assert report.sections[-1].tables[-1].title in pages[-1] or report.sections[-1].title in pages[-1]

    # A section's title, its chart's title (and the chart's own SVG title) and its table's title
    # were one text said three or four times; each is now a heading line once (some sub-goals'
    # tables share a title: once each).
    lines = [line.strip() for text in pages for line in text.splitlines()]
    titles = [t.title for t in report.tables] + [s.title for s in report.sections]
    charted = {t.title for s in report.sections for t in s.tables if any(c.id == t.id for c in s.charts)}
    assert charted
    for title in charted | {s.title for s in report.sections}:
        assert lines.count(title) <= titles.count(title), (title, lines.count(title))
    assert any(titles.count(s.title) > 1 for s in report.sections)  # the case a section and table share
