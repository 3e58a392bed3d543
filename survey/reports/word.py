"""The report as an editable Word document (python-docx), from the same built sections as the PDF.

NNS rewrites the text around the figures before publishing, which a PDF does not allow. So the
document is built for editing and for screen readers alike: headings are Word's own heading
styles (the navigation pane and a screen reader's heading list follow them), tables are real
tables whose header row repeats on every page, charts are PNG images (vl-convert draws them from
the same specifications as the SVGs) with the chart's summary as their alt text, and the
document's language and title are set. The cells are the PDF's compact cells: a hidden figure is
a bare "–", its reason once under the table.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from flask_babel import gettext as _

from .. import charts
from ..i18n import current_language

LANGUAGE_TAGS = {"sv": "sv-SE", "en": "en-GB"}
PAGE_MARGIN = Mm(14)
# vl-convert's scale: a 1000 px chart becomes 2000 px, sharp at the text width when printed.
PNG_SCALE = 2


def _set_language(doc, tag: str) -> None:
    """Spelling, hyphenation and screen readers go by the run language: set it on the default
    run properties (every style inherits them) and as the theme's language."""
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults"))
    rpr = rpr_default.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), tag)
    settings = doc.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        settings.append(theme)
    theme.set(qn("w:val"), tag)


def _page(doc) -> None:
    """A4 landscape like the PDF: the wide national tables need the width."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, PAGE_MARGIN)


def _text_width(doc):
    section = doc.sections[0]
    return section.page_width - section.left_margin - section.right_margin


def _repeat_header(row) -> None:
    """Mark a table row as its header row, repeated at the top of each page (and read as the
    column headers by screen readers)."""
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def cell_text(cell) -> str:
    """A cell as the PDF prints it (templates/results/_macros.html, compact)."""
    if cell.short:
        return cell.short
    if cell.detail and not cell.hidden:
        return f"{cell.text} ({cell.detail})"
    return cell.text


def _table(doc, table) -> None:
    if not table.rows:
        doc.add_paragraph(_("No figures for this selection."))
        return
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    head = grid.rows[0]
    _repeat_header(head)
    for i, title in enumerate(table.columns):
        paragraph = head.cells[i].paragraphs[0]
        paragraph.add_run(str(title)).bold = True
        if i:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for header, cells in table.rows:
        row = grid.add_row().cells
        row[0].text = str(header)
        for i, cell in enumerate(cells, 1):
            row[i].text = cell_text(cell)
            if cell.num:
                row[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.note:
        _note(doc, table.note)
    if table.hidden_reason:
        _note(doc, _("“–”: a hidden figure (%(reason)s), never zero.", reason=table.hidden_reason))


def _note(doc, text: str) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.font.size = Pt(9)


def chart_png(chart, lang: str) -> bytes:
    """The chart as a PNG at the report's text width, untitled (the caption names it)."""
    import vl_convert

    with charts.layout(charts.REPORT_WIDTH, titled=False):
        spec = chart.build().to_dict()
    return vl_convert.vegalite_to_png(spec, scale=PNG_SCALE, format_locale=charts.LOCALES.get(lang, "sv-SE"))


def _chart(doc, chart, lang: str, width) -> None:
    doc.add_paragraph(chart.title, style="Caption")
    doc.add_paragraph(chart.summary)
    run = doc.add_paragraph().add_run()
    shape = run.add_picture(io.BytesIO(chart_png(chart, lang)), width=width)
    # Alt text: Word reads docPr's descr (and shows title) as the picture's alternative text.
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", f"{chart.title}. {chart.summary}")
    doc_pr.set("title", chart.title)


def _section(doc, section, lang: str, width, first: bool) -> None:
    if first:
        doc.add_heading(section.title, level=1)
        if section.subtitle:
            doc.add_paragraph(section.subtitle)
    else:
        doc.add_heading(section.title, level=2)
    for block in getattr(section, "blocks", None) or []:
        if block.heading:
            doc.add_heading(block.heading, level=3)
        for text in block.paragraphs:
            doc.add_paragraph(text)
        for item in block.items:
            doc.add_paragraph(item, style="List Bullet")
    if section.intro:
        doc.add_paragraph(section.intro)
    # The order of templates/results/_macros.html section_body: a chart above the table with its
    # data, the sentences after the first table, the review questions last.
    table_ids = {t.id for t in section.tables}
    for chart in section.charts:
        if chart.id not in table_ids:
            _chart(doc, chart, lang, width)
    for index, table in enumerate(section.tables):
        heading = table.title != section.title
        if heading:
            doc.add_heading(table.title, level=3)
        for chart in section.charts:
            if chart.id == table.id:
                _chart(doc, chart, lang, width)
        _table(doc, table)
        if index == 0 and section.sentences:
            doc.add_heading(_("In plain words"), level=3)
            for text in section.sentences:
                doc.add_paragraph(text, style="List Bullet")
    if section.reflection:
        doc.add_heading(_("Questions for your own review"), level=3)
        for text in section.reflection:
            doc.add_paragraph(text, style="List Bullet")


def render(report) -> bytes:
    lang = current_language()
    doc = Document()
    _page(doc)
    _set_language(doc, LANGUAGE_TAGS.get(lang, "sv-SE"))
    doc.core_properties.title = report.title
    doc.core_properties.language = LANGUAGE_TAGS.get(lang, "sv-SE")
    doc.core_properties.subject = report.scope_name
    doc.core_properties.author = "Finsam Indikatorer"
    doc.styles["Normal"].font.size = Pt(10)
    width = _text_width(doc)
    for index, section in enumerate(report.sections):
        _section(doc, section, lang, width, first=index == 0)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

