"""The report as a tagged PDF (PDF/UA-1), laid out by WeasyPrint in one process.

A screen reader needs the structure tree (headings, tables, figures with their text) that
WeasyPrint writes with `pdf_variant="pdf/ua-1"`. It did lay the report out in two forked
processes joined by pypdf, which stamped the page numbers afterwards; a join keeps the pages and
bookmarks but loses the structure tree, so the report is one layout again and the page numbers
("3 / 20") come from report.css's `counter(page)` / `counter(pages)`. The language and title of
the document come from the HTML's `lang` and `<title>`.
"""
from __future__ import annotations

VARIANT = "pdf/ua-1"


def render(html: str, base_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant=VARIANT)
