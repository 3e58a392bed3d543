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
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from flask_babel import gettext as _

from .. import charts
from ..i18n import current_language
from .guide import opening_words

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


def cell_text(cell) -> str:
    """A cell as the PDF prints it (templates/results/_macros.html, compact)."""
    if cell.short:
        return cell.short
    if cell.detail and not cell.hidden:
        return f"{cell.text} ({cell.detail})"
    return cell.text


def _tc(text: str, *, bold: bool = False, right: bool = False) -> str:
    justify = '<w:jc w:val="right"/>' if right else ""
    run_pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p><w:pPr><w:spacing w:before="0" '
            f'w:after="0"/>{justify}</w:pPr><w:r>{run_pr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>')


def _table(doc, table, styles) -> None:
    """A real Word table, written as its XML in one piece: python-docx's cell by cell API takes
    milliseconds a cell, and a national report has thousands. The header row is marked as such
    (w:tblHeader): repeated at the top of each page and read as column headers."""
    if not table.rows:
        _paragraph(doc, _("No figures for this selection."))
        return
    head = "".join(_tc(str(title), bold=True, right=i > 0) for i, title in enumerate(table.columns))
    rows = [f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>']
    for header, cells in table.rows:
        rows.append("<w:tr>" + _tc(str(header)) + "".join(_tc(cell_text(c), right=c.num) for c in cells) + "</w:tr>")
    grid = "<w:gridCol/>" * len(table.columns)
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{styles["Table Grid"]}"/>'
           f'<w:tblW w:w="5000" w:type="pct"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
           f'w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
           f'<w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
    doc.element.body._insert_tbl(parse_xml(xml))
    if table.note:
        _note(doc, table.note)
    if table.hidden_reason:
        _note(doc, _("“–”: a hidden figure (%(reason)s), never zero.", reason=table.hidden_reason))


def _paragraph(doc, text: str, style_id: str | None = None):
    """doc.add_paragraph with the style set by its id: python-docx looks a style name up by
    scanning every style, twice, for each paragraph."""
    paragraph = doc.add_paragraph(text)
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _note(doc, text: str) -> None:
    doc.add_paragraph().add_run(text).font.size = Pt(9)


def chart_png(chart, lang: str) -> bytes:
    """The chart as a PNG at the report's text width, untitled (the caption names it): the SVG
    the PDF draws (charts.svg keeps it), rasterised, which is half the time of drawing a PNG
    from the specification again."""
    import vl_convert

    with charts.layout(charts.REPORT_WIDTH, titled=False):
        svg = charts.svg(chart.build(), lang)[1]
    return vl_convert.svg_to_png(svg, scale=PNG_SCALE)


def _chart(doc, chart, lang: str, width, styles) -> None:
    _paragraph(doc, chart.title, styles["Caption"])
    _paragraph(doc, chart.summary)
    run = doc.add_paragraph().add_run()
    shape = run.add_picture(io.BytesIO(chart_png(chart, lang)), width=width)
    # Alt text: Word reads docPr's descr (and shows title) as the picture's alternative text.
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", f"{chart.title}. {chart.summary}")
    doc_pr.set("title", chart.title)


def _section(doc, section, lang: str, width, first: bool, styles) -> None:
    def heading(text: str, level: int) -> None:
        _paragraph(doc, text, styles[f"Heading {level}"])

    def bullets(items) -> None:
        for text in items:
            _paragraph(doc, text, styles["List Bullet"])

    heading(section.title, 1 if first else 2)
    if first and section.subtitle:
        _paragraph(doc, section.subtitle)
    for kind, text in opening_words(section):
        if kind == "heading":
            heading(text, 3)
        else:
            _paragraph(doc, text, styles["List Bullet"] if kind == "item" else None)
    # The order of templates/results/_macros.html section_body: a chart above the table with its
    # data, the sentences after the first table, the review questions last.
    table_ids = {t.id for t in section.tables}
    for chart in section.charts:
        if chart.id not in table_ids:
            _chart(doc, chart, lang, width, styles)
    for index, table in enumerate(section.tables):
        if table.title != section.title:
            heading(table.title, 3)
        for chart in section.charts:
            if chart.id == table.id:
                _chart(doc, chart, lang, width, styles)
        _table(doc, table, styles)
        if index == 0 and section.sentences:
            heading(_("In plain words"), 3)
            bullets(section.sentences)
    if section.reflection:
        heading(_("Questions for your own review"), 3)
        bullets(section.reflection)


STYLES = ("Heading 1", "Heading 2", "Heading 3", "List Bullet", "Caption", "Table Grid")


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
    styles = {name: doc.styles[name].style_id for name in STYLES}
    width = _text_width(doc)
    for index, section in enumerate(report.sections):
        _section(doc, section, lang, width, index == 0, styles)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
