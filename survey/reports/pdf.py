"""The report as a PDF, laid out by WeasyPrint in two processes at once.

WeasyPrint lays out and draws in pure Python, one page after another: the national report on a
large data set (four tables of 80 förbund) takes some four seconds of one core. The sections
are therefore split in two parts of about equal weight; a forked copy of this process lays out
the second part while this one lays out the first, and pypdf joins the two files and stamps the
page numbers ("3 / 20"), which neither part can know alone. On a machine without fork (or for a
small report) one process does it all, through the same joining and numbering.
"""
from __future__ import annotations

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Callable

# Estimated weight of a section, in table cells (about a millisecond each to lay out and draw):
# a heading counts a hundred, a chart four hundred (converted by vl-convert, then drawn); measured
# on the 1M benchmark data set.
SECTION_WEIGHT, CHART_WEIGHT = 100, 400
# Below this weight (a förbund's own report, the demo data) a second process costs more than it saves.
SPLIT_FROM = 1500
# The page-number box of report.css is stamped on the joined file instead.
NO_PAGE_NUMBERS = "@page { @bottom-right { content: none !important } }"


def _weight(section) -> int:
    cells = sum(len(table.rows) * len(table.columns) for table in section.tables)
    return SECTION_WEIGHT + CHART_WEIGHT * len(section.charts) + cells


def split(report) -> list:
    """The report as one or two reports of consecutive sections, of about equal weight."""
    weights = [_weight(s) for s in report.sections]
    total = sum(weights)
    if total < SPLIT_FROM or len(weights) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [report]
    running, best, best_gap = 0, 1, total
    for i, w in enumerate(weights[:-1], 1):
        running += w
        if abs(total - 2 * running) < best_gap:
            best, best_gap = i, abs(total - 2 * running)
    return [replace(report, sections=report.sections[:best]), replace(report, sections=report.sections[best:])]


def _lay_out(html: str, base_url: str, *, page_numbers: bool = False) -> bytes:
    from weasyprint import CSS, HTML

    stylesheets = [] if page_numbers else [CSS(string=NO_PAGE_NUMBERS)]
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=stylesheets)


def render(parts: list[Callable[[], str]], base_url: str, numbers_html: Callable[[int], str], title: str) -> bytes:
    """Lay out each part (a function giving its HTML): the later ones in forked copies of this
    process, started before the first part's HTML is even built (its charts are converted and
    WeasyPrint is loaded while the copies work), then join them and stamp the page numbers from
    `numbers_html(page_count)`, a document of empty pages with only those."""
    if len(parts) == 1:
        files = [_lay_out(parts[0](), base_url)]
    else:
        later_html = [part() for part in parts[1:]]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(later_html), mp_context=context) as pool:
            later = [pool.submit(_lay_out, html, base_url) for html in later_html]
            files = [_lay_out(parts[0](), base_url)] + [future.result() for future in later]
    return _join(files, lambda n: _lay_out(numbers_html(n), base_url, page_numbers=True), title)


def _join(parts: list[bytes], numbers: Callable[[int], bytes], title: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))  # pages and bookmarks
    stamps = PdfReader(io.BytesIO(numbers(len(writer.pages)))).pages
    for page, stamp in zip(writer.pages, stamps):
        page.merge_page(stamp)
        page.compress_content_streams()
    writer.add_metadata({"/Title": title, "/Producer": "Finsam Indikatorer (WeasyPrint, pypdf)"})
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
