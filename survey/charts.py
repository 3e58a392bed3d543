"""Charts: Altair specifications rendered on the server to SVG with vl-convert.

Pages show a chart as <img src> of an SVG route (no script, nothing from another host, the strict
CSP holds) with a text alternative and its data table right below it; reports embed the same SVG.

Design rules (issue 4, DISCLOSURE.md rule 4):
- colours from the Okabe–Ito palette, only those with at least 3:1 contrast against white, and
  never the only carrier of meaning: every mark also has a shape or a direct text label;
- a hidden cell is never drawn (not coloured, not zero): bars and points are left out, lines break
  around it, and a grey text says why where the bar or point would have been.

Builders take plain rows (dicts) whose labels are already formatted in the page language, and
return an Altair chart; `svg()` renders it, cached by its specification. They import Altair
themselves: it takes half a second to load, which every start-up (and every report command)
would pay before its first chart.
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

# Okabe–Ito colours with >= 3:1 contrast on white (WCAG 1.4.11): blue, vermillion, bluish green,
# reddish purple, black.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000"]
GENDER_COLOURS = {"kvinna": "#D55E00", "man": "#0072B2", "alla": "#000000", "ovriga": "#009E73"}
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge", "stroke"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4]]
HIDDEN_GREY = "#505a5f"
# Arial metrics: vl-convert measures the labels with them, and browsers and WeasyPrint draw
# them with Arial or its metric twin Liberation Sans, so labels fit wherever the SVG is shown.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
WIDTH = 640
# The report's text width on A4 landscape (269 mm at 96 px per inch): a report chart drawn at this
# width is shown at its own size, its text as large as the page's.
REPORT_WIDTH = 1000
# Room on either side for text drawn wider than vl-convert measured it: it measures with Liberation
# Sans, but the reader's font (Noto Sans or DejaVu Sans where Arial is missing) runs up to a fifth
# wider, and a long förbund name right-aligned at the axis would be cut at the edge.
PADDING = {"left": 48, "right": 48, "top": 4, "bottom": 4}
PLOT_HEIGHT, LABEL_HEIGHT = 240, 16  # px: a line chart's plot; an 11 px label with room for a rounder domain
LOCALES = {"sv": "sv-SE", "en": "en-GB"}
_CACHE_SIZE = 512


@dataclass(frozen=True)
class ChartRef:
    """What a template needs to show a chart: its title, a text alternative and the SVG's URL."""
    id: str
    title: str
    summary: str
    url: str


_layout: contextvars.ContextVar[tuple[int, bool]] = contextvars.ContextVar("chart_layout", default=(WIDTH, True))


@contextmanager
def layout(width: int, *, titled: bool = True):
    """Charts built inside are `width` px wide; without their own title when the page around
    them names them already (a report's figure caption), so a title is not read out twice."""
    token = _layout.set((width, titled))
    try:
        yield
    finally:
        _layout.reset(token)


def _plot_width(labels: int) -> int:
    """The plot's width: the chart's less `labels` px for the axis and end labels and the padding."""
    return _layout.get()[0] - labels - PADDING["left"] - PADDING["right"]


def _base(chart: alt.Chart | alt.LayerChart, title: str) -> alt.Chart | alt.LayerChart:
    import altair as alt
    if _layout.get()[1]:
        chart = chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=15, font=FONT))
    else:
        chart = chart.properties(description=title)
    return chart.configure(
        font=FONT, background="white", padding=PADDING,
    ).configure_axis(labelFontSize=12, titleFontSize=12, labelColor="#1b1b1b", titleColor="#1b1b1b",
                     domainColor="#505a5f", tickColor="#505a5f", gridColor="#d7d7d7",
                     labelLimit=260).configure_view(stroke=None).configure_legend(
        labelFontSize=12, titleFontSize=12, orient="bottom", labelColor="#1b1b1b", titleColor="#1b1b1b",
        labelLimit=400)  # a measure named whole, not "1. Bemötande (Deltagare, a…"


# --------------------------------------------------------------------------- builders
def gender_bars(rows: list[dict], *, title: str, axis_title: str, hidden_text: str,
                series: list[tuple[str, str]]) -> alt.LayerChart:
    """Horizontal bars per category (e.g. indicator), one bar per series (e.g. women, men).

    rows: {"category", "series" (code), "value" (float 0–100 or None when hidden), "label"
    (the formatted value, e.g. '88,0 %')}. series: (code, label) in drawing order.
    """
    import altair as alt
    codes = [c for c, _label in series]
    names = dict(series)
    df = pd.DataFrame(rows)
    df["series_name"] = df["series"].map(names)
    # A row may say why it is hidden ("hidden_text"); hidden_text is the reason otherwise.
    reasons = df["hidden_text"] if "hidden_text" in df else [None] * len(df)
    df["text"] = [f"{names[s]}: {why or hidden_text}" if pd.isna(v) else f"{names[s]} {lab}"
                  for s, v, lab, why in zip(df["series"], df["value"], df["label"], reasons)]
    order = list(dict.fromkeys(df["category"]))
    colour = alt.Color("series_name:N", title=None, sort=[names[c] for c in codes],
                       scale=alt.Scale(domain=[names[c] for c in codes],
                                       range=[GENDER_COLOURS.get(c, PALETTE[i % len(PALETTE)])
                                              for i, c in enumerate(codes)]))
    y = alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    y_offset = alt.YOffset("series_name:N", sort=[names[c] for c in codes])
    shown = df[df["value"].notna()]
    hidden = df[df["value"].isna()].assign(value=0.0)
    base = alt.Chart(shown).encode(y=y, yOffset=y_offset)
    bars = base.mark_bar(height={"band": 0.9}).encode(
        x=alt.X("value:Q", title=axis_title, scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=[0, 20, 40, 60, 80, 100])),
        color=colour)
    labels = base.mark_text(align="left", dx=3, fontSize=11, color="#1b1b1b").encode(
        x="value:Q", text="text:N")
    layers = [bars, labels]
    if len(hidden):
        # Where a hidden bar would be: no bar, only the reason in grey text (never a zero bar).
        layers.append(alt.Chart(hidden).mark_text(align="left", dx=3, fontSize=11, fontStyle="italic",
                                                  color=HIDDEN_GREY).encode(
            y=y, yOffset=y_offset, x="value:Q", text="text:N", description="text:N"))
    height = max(60, 16 * len(codes) * len(order))
    chart = alt.layer(*layers).properties(width=_plot_width(300), height=height)
    return _base(chart, title)


def _segments(df: pd.DataFrame, key: str) -> pd.Series:
    """A segment id per row that changes after every hidden value, so lines break at a gap
    instead of bridging it (a bridged line would suggest a value that is not published)."""
    out, counter = [], 0
    last = {}
    for series, value in zip(df[key], df["value"]):
        if value is None or pd.isna(value):
            counter += 1
            last[series] = counter
            out.append(None)
            continue
        out.append(f"{series}#{last.setdefault(series, 0)}")
    return pd.Series(out, index=df.index)


def lines(rows: list[dict], *, title: str, y_title: str, hidden_text: str,
          series: list[tuple[str, str]], y_domain: tuple[float, float] | None = (0, 100),
          intervals: bool = False, zero_rule: bool = False) -> alt.LayerChart:
    """Values over the years, one line per series with its own shape, dash and a direct label.

    rows: {"year", "series" (code), "value" (float or None when hidden), "label" (formatted value)};
    with intervals also "low" and "high" (drawn as error bars). Rows must be sorted by year.
    """
    import altair as alt
    codes = [c for c, _label in series]
    names = dict(series)
    df = pd.DataFrame(rows)
    df["series_name"] = df["series"].map(names)
    df["segment"] = _segments(df.sort_values("year", kind="stable"), "series")
    years = sorted(df["year"].unique())
    colours = [GENDER_COLOURS.get(c, PALETTE[i % len(PALETTE)]) if set(codes) <= set(GENDER_COLOURS)
               else PALETTE[i % len(PALETTE)] for i, c in enumerate(codes)]
    legend_names = [names[c] for c in codes]
    colour = alt.Color("series_name:N", title=None, sort=legend_names,
                       scale=alt.Scale(domain=legend_names, range=colours))
    shape = alt.Shape("series_name:N", title=None, sort=legend_names,
                      scale=alt.Scale(domain=legend_names, range=SHAPES[:len(codes)]))
    dash = alt.StrokeDash("series_name:N", title=None, sort=legend_names,
                          scale=alt.Scale(domain=legend_names, range=DASHES[:len(codes)] +
                                          [[1, 0]] * max(0, len(codes) - len(DASHES))))
    x = alt.X("year:O", title=None, sort=years, axis=alt.Axis(labelAngle=0))
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Scale(zero=False, nice=True)
    shown = df[df["value"].notna()].copy()
    shown["value"] = shown["value"].astype(float)
    base = alt.Chart(shown).encode(x=x)
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    layers = []
    if zero_rule:
        layers.append(alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#505a5f", strokeWidth=1.5)
                      .encode(y="zero:Q"))
    if intervals:
        bounds = shown.dropna(subset=["low", "high"]).astype({"low": float, "high": float})
        layers.append(alt.Chart(bounds).mark_rule(strokeWidth=1.5, opacity=0.7).encode(
            x=x, y=alt.Y("low:Q", title=y_title, scale=y_scale), y2="high:Q", color=colour,
            xOffset=alt.XOffset("series_name:N", sort=legend_names)))
    line_x_offset = {"xOffset": alt.XOffset("series_name:N", sort=legend_names)} if intervals else {}
    layers += [
        base.mark_line(strokeWidth=2).encode(y=y, color=colour, strokeDash=dash, detail="segment:N",
                                             **line_x_offset),
        base.mark_point(size=70, filled=True, opacity=1).encode(y=y, color=colour, shape=shape,
                                                                **line_x_offset),
    ]
    # Direct label at each series' last shown point: colour is never needed to tell lines apart.
    last = shown.sort_values("year").groupby("series", as_index=False).tail(1)
    last = last.assign(text=[f"{names[s]} {lab}" for s, lab in zip(last["series"], last["label"])])
    if y_domain:
        low, high = y_domain
    else:  # about the niced domain Vega will draw: the values, their intervals, the zero line
        reach = [shown["value"]] + ([bounds["low"], bounds["high"]] if intervals else [])
        ends = [v for r in reach if len(r) for v in (float(r.min()), float(r.max()))] + ([0.0] if zero_rule else [])
        low, high = (min(ends), max(ends)) if ends else (0.0, 1.0)
    last["label_y"] = _spread(last["value"].tolist(), max(high - low, 1.0) * LABEL_HEIGHT / PLOT_HEIGHT)
    layers.append(alt.Chart(last).mark_text(align="left", dx=8, fontSize=11, color="#1b1b1b").encode(
        x=x, y=alt.Y("label_y:Q", title=y_title, scale=y_scale), text="text:N", **line_x_offset))
    hidden = df[df["value"].isna()]
    if len(hidden):
        # One grey note per year with a hidden value, at the foot of the plot (never at a value).
        note = pd.DataFrame({"year": sorted(hidden["year"].unique()), "text": "–"})
        layers.append(alt.Chart(note).mark_text(fontSize=14, color=HIDDEN_GREY, baseline="bottom").encode(
            x=x, y=alt.value(236), text="text:N"))
    chart = alt.layer(*layers).properties(width=_plot_width(220), height=PLOT_HEIGHT)
    return _base(chart, title)


def _spread(values: list[float], gap: float) -> list[float]:
    """Heights for labels at `values`, at least `gap` apart: labels that would overlap are
    gathered in clusters, each centred on the mean of its values (the points stay where they are)."""
    clusters: list[list[int]] = []
    for i in sorted(range(len(values)), key=lambda i: values[i]):
        clusters.append([i])
        while len(clusters) > 1:
            below, above = clusters[-2], clusters[-1]
            top_of_below = _centre(values, below) + (len(below) - 1) * gap / 2
            foot_of_above = _centre(values, above) - (len(above) - 1) * gap / 2
            if foot_of_above - top_of_below >= gap:
                break
            clusters[-2:] = [below + above]
    heights = [0.0] * len(values)
    for cluster in clusters:
        centre = _centre(values, cluster)
        for k, i in enumerate(cluster):
            heights[i] = centre + (k - (len(cluster) - 1) / 2) * gap
    return heights


def _centre(values: list[float], cluster: list[int]) -> float:
    return sum(values[i] for i in cluster) / len(cluster)


def gap_dots(rows: list[dict], *, title: str, x_title: str, hidden_text: str,
             clear_labels: tuple[str, str]) -> alt.LayerChart:
    """The gap (women minus men, in points) per category (e.g. förbund) with its interval (95 % alone, wider in a family of comparisons).

    rows: {"category", "value" (float or None when hidden), "low", "high", "label", "clear" (bool)}.
    A clear difference is a filled diamond, an unclear one an open circle (shape, not colour);
    clear_labels names the two in the legend.
    """
    import altair as alt
    df = pd.DataFrame(rows)
    df["clear_label"] = [clear_labels[0] if c else clear_labels[1] for c in df["clear"]]
    order = list(dict.fromkeys(df["category"]))
    y = alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    shown = df[df["value"].notna()].astype({"value": float, "low": float, "high": float})
    hidden = df[df["value"].isna()].assign(value=0.0)
    extent = max([5.0, *shown["low"].abs().tolist(), *shown["high"].abs().tolist()]) if len(shown) else 10.0
    x_scale = alt.Scale(domain=[-extent - 2, extent + 2])
    layers = [alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#505a5f").encode(x="zero:Q")]
    if len(shown):
        base = alt.Chart(shown).encode(y=y)
        layers += [
            base.mark_rule(color=PALETTE[0], strokeWidth=2).encode(
                x=alt.X("low:Q", title=x_title, scale=x_scale), x2="high:Q"),
            base.mark_point(size=90, color=PALETTE[0], opacity=1).encode(
                x=alt.X("value:Q", scale=x_scale),
                shape=alt.Shape("clear_label:N", title=None,
                                scale=alt.Scale(domain=list(clear_labels), range=["diamond", "circle"])),
                fill=alt.Fill("clear_label:N", legend=None,
                              scale=alt.Scale(domain=list(clear_labels), range=[PALETTE[0], "white"]))),
            base.mark_text(align="left", dx=6, dy=-9, fontSize=11, color="#1b1b1b").encode(
                x="high:Q", text="label:N"),
        ]
    if len(hidden):
        layers.append(alt.Chart(hidden).mark_text(align="center", fontSize=11, fontStyle="italic",
                                                  color=HIDDEN_GREY).encode(
            y=y, x=alt.X("value:Q", scale=x_scale), text=alt.value(hidden_text)))
    chart = alt.layer(*layers).properties(width=_plot_width(200), height=max(60, 26 * len(order)))
    return _base(chart, title)


def message(title: str, text: str) -> alt.Chart:
    """A chart with nothing to draw (no responses in the chosen year or group): its title and one
    line saying so, so that a chart address always answers with an image, never an error."""
    import altair as alt
    chart = alt.Chart(pd.DataFrame({"text": [text]})).mark_text(
        align="left", fontSize=13, color=HIDDEN_GREY).encode(text="text:N", x=alt.value(0), y=alt.value(20))
    return _base(chart.properties(width=_plot_width(40), height=40), title)


# --------------------------------------------------------------------------- rendering
_svg_cache: OrderedDict[str, str] = OrderedDict()
_svg_lock = threading.Lock()


def spec_key(chart, lang: str) -> tuple[str, dict]:
    spec = chart.to_dict()
    key = hashlib.sha256((lang + json.dumps(spec, sort_keys=True, default=str)).encode()).hexdigest()[:32]
    return key, spec


def warm_up() -> threading.Thread:
    """Start vl-convert's JavaScript engine in the background: its first chart takes half a
    second more than the next ones, and vl-convert lets go of the GIL while it works, so a
    report command computes its tables meanwhile on the second core."""
    def start():
        import vl_convert

        vl_convert.vegalite_to_svg({"mark": "point"})
    thread = threading.Thread(target=start, name="vl-convert-warm-up", daemon=True)
    thread.start()
    return thread


def svg(chart, lang: str) -> tuple[str, str]:
    """(etag, SVG text) of a chart; rendering takes a few hundred ms, so results are kept."""
    import vl_convert

    key, spec = spec_key(chart, lang)
    with _svg_lock:
        if key in _svg_cache:
            _svg_cache.move_to_end(key)
            return key, _svg_cache[key]
    text = vl_convert.vegalite_to_svg(spec, format_locale=LOCALES.get(lang, "sv-SE"))
    text = _accessible(text, spec)
    with _svg_lock:
        _svg_cache[key] = text
        while len(_svg_cache) > _CACHE_SIZE:
            _svg_cache.popitem(last=False)
    return key, text


def _accessible(text: str, spec: dict) -> str:
    """Give the SVG document a role and a <title>, so that it names itself when opened alone."""
    title = spec.get("title", spec.get("description", ""))
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    from markupsafe import escape

    head, sep, rest = text.partition(">")
    if not sep:
        return text
    return f'{head} role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{rest}'


def data_uri(svg_text: str) -> str:
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode("utf-8")).decode("ascii")
