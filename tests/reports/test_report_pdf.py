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


def _overflowing_text(document) -> list[tuple[int, str]]:
    """Text boxes of the laid-out report that run past their page's content box (cut off on
    paper), as (page number, text)."""
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(document.pages, 1):
        root = page._page_box
        right = root.margin_left + root.width + 0.5  # CSS px; half a pixel for rounding
        stack = [root]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.TextBox) and box.text.strip() and box.position_x + box.width > right:
                found.append((number, box.text))
            stack.extend(getattr(box, "children", ()))
    return found


def test_forbund_report_has_its_breakdowns_and_no_text_runs_past_the_page_edge(demo):
    """A förbund's report carries the outcomes page's sections (per insats, per age band, income
    before → after, months), each table the published rows of its table, every rate in its
    Excel sheet; the national report has none (the outcomes page has riket's).

    Tables on paper have fixed columns: a verdict ("För få svar för att avgöra (justerat p =
    …)") that could not wrap ran off the page of a förbund's report. Words wrap now; figures keep
    their counts on one line and still fit."""
    from weasyprint import HTML

    from survey.figures import tables
    from survey.models import Forbund
    from tests.results.conftest import OWN

    forbund = Forbund.query.filter_by(code=OWN).one()
    with demo.test_request_context("/?lang=sv"):
        report = build.forbund_report(forbund, 2024)
        national = build.national_report(2024)
        verdicts = [cell for t in report.tables for _h, cells in t.rows for cell in cells if not cell.num]
        assert verdicts  # the genuskompass tables' verdicts, the cells that wrap
        for shown in (report, national):
            document = HTML(string=build.render_html(shown, mode="pdf"), base_url=str(build.STATIC) + "/").render(
                pdf_variant="pdf/ua-1")
            assert _overflowing_text(document) == [], shown.title

    ids = [s.id for s in report.sections]
    assert ids.index("outcomes") + 1 == ids.index("breakdown-insats")
    assert [i for i in ids if i.startswith("breakdown-")] == ["breakdown-insats", "breakdown-age", "breakdown-income",
                                                             "breakdown-months"]
    assert not [s.id for s in national.sections if s.id.startswith("breakdown-")]  # the page has riket's
    by_id = {t.id: t for t in report.tables}
    published = tables.outcome_breakdowns()
    mine = published[published["forbund"].eq(OWN) & published["year"].eq(2024) & published["source"].eq("avslut")]
    insats = by_id["insats"].frame
    assert len(insats) == len(mine[mine["alder"].eq("alla")]) and set(insats["rate"]) == set(mine["rate"])
    assert len(by_id["insats"].rows) == len(set(insats["insats"]))
    months = tables.months()
    assert len(by_id["months"].frame) == len(months[months["forbund"].eq(OWN) & months["year"].eq(2024)])
    # What is hidden in the table is hidden on paper: no count of a hidden row is printed.
    for table in (by_id["insats"], by_id["age"], by_id["income-before"], by_id["months"]):
        hidden = [c for _h, cells in table.rows for c in cells if c.hidden]
        shown = table.frame[table.frame["suppressed"].eq(0)]
        assert all(c.text == "–" for c in hidden) and (shown["n"] >= 5).all()
