"""The PDF laid out in two processes (reports/pdf.py): the same pages, text, page numbers and
bookmarks as when one process lays out everything."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from survey.reports import build, pdf
from survey.results.views import Cell, Section, Table


def _section(name: str, rows: int, columns: int, charts: int = 0) -> Section:
    table = Table(name, name, [f"c{i}" for i in range(columns)],
                  [(f"r{i}", [Cell("1")] * (columns - 1)) for i in range(rows)], frame=None)
    return Section(name, name, tables=[table], charts=[object()] * charts)


def test_split_cuts_between_sections_at_about_half_the_weight(monkeypatch):
    report = build.Report("t", "riket", "Riket", 2025, None, [
        _section("small-1", 5, 4, charts=1), _section("small-2", 5, 4), _section("big-1", 81, 9),
        _section("big-2", 81, 8), _section("big-3", 81, 7)])
    first, second = pdf.split(report)
    assert [s.id for s in first.sections] == ["small-1", "small-2", "big-1"]
    assert [s.id for s in second.sections] == ["big-2", "big-3"]
    assert first.title == second.title == "t"
    small = build.Report("t", "riket", "Riket", 2025, None, [_section("a", 5, 4), _section("b", 5, 4)])
    assert pdf.split(small) == [small]  # a second process would cost more than it saves


def _pages_and_outline(content: bytes) -> tuple[list[str], list[tuple[str, int]]]:
    reader = PdfReader(io.BytesIO(content))
    pages = [page.extract_text() for page in reader.pages]
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline
               if not isinstance(item, list)]
    return pages, outline


@pytest.fixture
def national_report(demo):
    with demo.test_request_context("/?lang=sv"):
        yield build.national_report(2024)


def test_two_processes_give_the_same_pdf_as_one(demo, national_report, monkeypatch):
    with demo.test_request_context("/?lang=sv"):
        one = build.render_pdf(national_report)
        monkeypatch.setattr(pdf, "SPLIT_FROM", 0)
        assert len(pdf.split(national_report)) == 2
        two = build.render_pdf(national_report)
    one_pages, one_outline = _pages_and_outline(one)
    two_pages, two_outline = _pages_and_outline(two)
    assert len(two_pages) == len(one_pages) == len(national_report.sections)
    total = len(two_pages)
    for number, (a, b) in enumerate(zip(one_pages, two_pages), 1):
        assert a == b
        # Stamped once, with the joined file's count: "3 / 16", never a part's own "1 / 8".
        assert re.findall(r"\b\d+ / \d+\b", b) == [f"{number} / {total}"]
    # Every section a first-level bookmark on its own page, the title first.
    assert two_outline == one_outline
    assert [title for title, _page in two_outline] == [s.title for s in national_report.sections]
    assert [page for _title, page in two_outline] == list(range(total))
    assert PdfReader(io.BytesIO(two)).metadata.title == national_report.title
