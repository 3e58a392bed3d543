"""Direct labels at the ends of trend lines never overlap: close ones are spread apart, centred
on their values; the points themselves stay where they are."""
import re

import pytest

from survey import charts


def test_labels_that_would_overlap_are_spread_around_their_mean():
    heights = charts._spread([1.4, 1.1, 0.1, -0.6, -0.8], gap=0.5)
    assert heights == pytest.approx([1.5, 1.0, 0.1, -0.45, -0.95])
    assert charts._spread([10, 50, 90], gap=5) == [10, 50, 90]  # far enough apart: untouched
    assert charts._spread([5, 5, 5], gap=2) == pytest.approx([3, 5, 7])


def test_the_gap_trend_labels_are_drawn_apart():
    rows = [{"year": y, "series": s, "value": v, "low": v - 1, "high": v + 1, "label": f"{v:+.1f}"}
            for s, v in (("a", 0.1), ("b", 0.2), ("c", 0.15)) for y in (2024, 2025)]
    chart = charts.lines(rows, title="t", y_title="points", hidden_text="–", series=[("a", "A"), ("b", "B"), ("c", "C")],
                         y_domain=None, intervals=True, zero_rule=True)
    _key, svg = charts.svg(chart, "sv")
    ys = sorted(float(m) for m in re.findall(r'<text[^>]*transform="translate\([^,]+,([^)]+)\)"[^>]*>[ABC] ', svg))
    assert len(ys) == 3
    assert min(b - a for a, b in zip(ys, ys[1:])) >= 11  # px: one 11 px line each, none on another


def test_warming_up_the_chart_engine_in_the_background_leaves_charts_as_they_were():
    """The report command starts vl-convert on a second thread while it computes its tables;
    a chart drawn after (or while) it warms up is the same chart."""
    chart = charts.message("Warm", "nothing to draw")
    charts._svg_cache.clear()
    _key, before = charts.svg(chart, "sv")
    thread = charts.warm_up()
    charts._svg_cache.clear()
    _key, during = charts.svg(chart, "sv")
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert during == before and "nothing to draw" in during
