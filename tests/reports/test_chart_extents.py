"""Chart labels fit: every text of a chart's SVG lies inside its viewBox even when drawn in the
widest font a reader may get instead of Arial (DejaVu Sans), and the end labels of a line chart
do not overlap (issue 11 point 5: "amordningsförbundet Norra Kusten" was cut at the edge)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from survey import charts

SVG = "{http://www.w3.org/2000/svg}"
LONG = ["Samordningsförbundet Norra Kusten", "Samordningsförbundet Sjöbygden", "Finsam Mittland",
        "Samordningsförbundet Dalälven med Skärgården och Fjällbygden"]
WIDE_FONT = next((p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                              "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf") if Path(p).exists()), None)


def _text_width(text: str, size: float, bold: bool) -> float:
    """The drawn width in DejaVu Sans, wider than Arial, Liberation and Noto Sans; without the
    font file a generous 0.65 em a character."""
    if WIDE_FONT is None:
        return len(text) * size * 0.65
    from PIL import ImageFont

    font = ImageFont.truetype(WIDE_FONT.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf") if bold else WIDE_FONT,
                              size=int(round(size * 10)))
    return font.getlength(text) / 10


def text_boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every text element, in the SVG's own coordinates."""
    root = ET.fromstring(svg)
    boxes = []

    def walk(node, dx: float, dy: float, rotated: bool):
        transform = node.get("transform", "")
        move = re.search(r"translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)", transform)
        if move:
            dx, dy = dx + float(move.group(1)), dy + float(move.group(2))
        rotated = rotated or "rotate(" in transform and not re.search(r"rotate\(0\)", transform)
        if node.tag == SVG + "text" and "".join(node.itertext()).strip():
            text = "".join(node.itertext())
            size = float(re.match(r"[\d.]+", node.get("font-size", "11")).group())
            width = _text_width(text, size, node.get("font-weight") in ("bold", "700"))
            x, y = dx + float(node.get("x", 0)), dy + float(node.get("y", 0))
            anchor = node.get("text-anchor", "start")
            start = {"start": 0, "middle": -width / 2, "end": -width}[anchor]
            if rotated:  # axis titles turned -90°: the text runs upwards from its anchor
                boxes.append((text, x - size, y - start - width, x + size * 0.25, y - start))
            else:
                boxes.append((text, x + start, y - size, x + start + width, y + size * 0.25))
        for child in node:
            walk(child, dx, dy, rotated)

    walk(root, 0.0, 0.0, False)
    return boxes


def _view_box(svg: str) -> tuple[float, float]:
    _x, _y, width, height = map(float, ET.fromstring(svg).get("viewBox").split())
    return width, height


def _gap_rows():
    return [{"category": name, "value": gap, "low": gap - 25, "high": gap + 25, "label": f"{gap:+.1f} pe",
             "clear": i % 2 == 0} for i, (name, gap) in enumerate(zip(LONG, [-42.5, 12.0, 38.0, -5.0]))]


def _bar_rows():
    return [{"category": name, "series": s, "value": v, "label": f"{v:.1f} %"}
            for name in LONG for s, v in (("kvinna", 99.5), ("man", 100.0))]


def _line_rows():
    # Three series ending within a point of each other: their end labels must be moved apart.
    return [{"year": y, "series": s, "value": v + (y - 2020), "label": f"{v + y - 2020:.1f} %"}
            for y in range(2020, 2025) for s, v in (("kvinna", 60.0), ("man", 60.5), ("alla", 61.0))]


CHARTS = {
    "gap_dots": lambda: charts.gap_dots(_gap_rows(), title="Skillnaden per förbund", x_title="Skillnad (pe)",
                                        hidden_text="dold", clear_labels=("Tydlig skillnad", "Ingen tydlig skillnad")),
    "gender_bars": lambda: charts.gender_bars(_bar_rows(), title="Andel positiva", axis_title="Andel (%)",
                                              hidden_text="dold", series=[("kvinna", "Kvinnor"), ("man", "Män")]),
    "lines": lambda: charts.lines(_line_rows(), title="Över åren", y_title="Andel (%)", hidden_text="dold",
                                  series=[("kvinna", "Kvinnor"), ("man", "Män"), ("alla", "Alla")]),
}


@pytest.mark.parametrize("width,titled", [(charts.WIDTH, True), (charts.REPORT_WIDTH, False)])
@pytest.mark.parametrize("kind", sorted(CHARTS))
def test_every_label_lies_inside_the_chart(kind, width, titled):
    with charts.layout(width, titled=titled):
        svg = charts.svg(CHARTS[kind](), "sv")[1]
    view_width, view_height = _view_box(svg)
    boxes = text_boxes(svg)
    assert any(name in text for name in LONG for text, *_b in boxes) or kind == "lines"
    for text, left, top, right, bottom in boxes:
        assert left >= 0 and right <= view_width, (kind, width, text, left, right, view_width)
        assert top >= -1 and bottom <= view_height + 1, (kind, width, text, top, bottom, view_height)
    if width == charts.REPORT_WIDTH:
        assert view_width <= charts.REPORT_WIDTH * 1.06  # drawn at about the text width, hardly scaled down


@pytest.mark.parametrize("width", [charts.WIDTH, charts.REPORT_WIDTH])
def test_end_labels_of_close_lines_do_not_overlap(width):
    with charts.layout(width):
        svg = charts.svg(CHARTS["lines"](), "sv")[1]
    ends = [b for b in text_boxes(svg) if re.match(r"(Kvinnor|Män|Alla) \d", b[0])]
    assert len(ends) == 3
    for i, (a, *box_a) in enumerate(ends):
        for b, *box_b in ends[i + 1:]:
            overlap_x = min(box_a[2], box_b[2]) - max(box_a[0], box_b[0])
            overlap_y = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
            assert overlap_x <= 0 or overlap_y <= 0, (a, b)


def test_measure_sees_a_cut_label():
    """The measure itself catches what the issue saw: a long name right-aligned at x = 30."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 40"><g transform="translate(30,0)">'
           '<text text-anchor="end" transform="translate(0,20)" font-size="12px">Samordningsförbundet Norra Kusten'
           '</text></g></svg>')
    (_text, left, *_rest), = text_boxes(svg)
    assert left < 0
