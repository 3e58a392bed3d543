"""The HTML report and the results pages on a 390 px phone, in real headless Chromium (issue 11
point 5: chart text shrank to ~5 px, wide tables scrolled with no cue): every chart's smallest
text is drawn at 10 px or more, and every region wider than the screen (chart or table) is a
labelled, keyboard-scrollable region whose written "scroll sideways" cue is visible; regions
that fit show no cue; axe-core finds nothing on the report page. Screenshots as artefacts."""
from __future__ import annotations

from survey.demo import PASSWORD
from tests.results.conftest import DEMO_EMAILS, OWN
from tests.support.browser import axe_violations

PHONE_390 = {"width": 390, "height": 844}
PAGES = {
    "report-national": "/reports/national.html?year=2024",
    "report-forbund": f"/reports/forbund/{OWN}.html?year=2024",
    "dashboard": f"/results/forbund/{OWN}/?year=2024",
    "genuskompass": f"/results/forbund/{OWN}/genuskompass?year=2024",
    "national": "/results/riket/?year=2024",
}

# Per chart image: its drawn width against the SVG's own, and the SVG's smallest font size.
CHART_TEXT = """async () => {
  const out = [];
  for (const img of document.querySelectorAll("img.chart-img")) {
    const src = img.currentSrc || img.src, inline = "data:image/svg+xml;base64,";
    // The strict CSP does not let a page fetch data: URIs: the report's charts are read inline.
    const svg = src.startsWith(inline) ? atob(src.slice(inline.length)) : await (await fetch(src)).text();
    const sizes = [...svg.matchAll(/font-size="([\\d.]+)/g)].map(m => parseFloat(m[1]));
    out.push({src: img.src.slice(0, 80), shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
              smallest: Math.min(...sizes)});
  }
  return out;
}"""

REGIONS = """() => [...document.querySelectorAll(".chart-scroll, .table-scroll")].map(r => {
  const cue = r.dataset.scrollCue ? document.getElementById(r.dataset.scrollCue) : null;
  return {overflows: r.scrollWidth > r.clientWidth + 1, kind: r.className, tabindex: r.getAttribute("tabindex"),
          role: r.getAttribute("role"), label: r.getAttribute("aria-label") || r.getAttribute("aria-labelledby"),
          describedby: r.getAttribute("aria-describedby"),
          cue: cue ? {visible: !cue.hidden && cue.getBoundingClientRect().height > 0, text: cue.textContent} : null};
})"""


def _log_in(context, base: str):
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", DEMO_EMAILS["nns"])
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_charts_and_tables_stay_readable_on_a_390_px_phone(demo, browser, live_server, artifacts_dir, request):
    from survey.figures import tables

    tables.build_all()
    import flask_babel

    flask_babel.refresh()
    with demo.test_request_context("/?lang=sv"):
        cues = {flask_babel.gettext("Scroll sideways to see the whole table."),
                flask_babel.gettext("Scroll sideways to see the whole chart.")}
    db_kind = request.node.callspec.params.get("database_url", "db")
    context = browser.new_context(viewport=PHONE_390, locale="sv-SE")
    try:
        page = _log_in(context, live_server.url)
        overflowing_tables = overflowing_charts = 0
        for name, path in PAGES.items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            charts = page.evaluate(CHART_TEXT)
            assert charts, path
            for chart in charts:
                assert chart["natural"] > 0, (path, chart)
                drawn = chart["smallest"] * chart["shown"] / chart["natural"]
                assert drawn >= 10, (path, chart, drawn)
            regions = page.evaluate(REGIONS)
            for region in regions:
                assert region["tabindex"] == "0" and region["role"] == "region" and region["label"], (path, region)
                if region["overflows"]:
                    assert region["cue"] and region["cue"]["visible"], (path, region)
                    assert region["cue"]["text"] in cues, region
                elif region["cue"]:
                    assert not region["cue"]["visible"], (path, region)
            overflowing_tables += sum(r["overflows"] for r in regions if "table" in r["kind"])
            overflowing_charts += sum(r["overflows"] for r in regions if "chart" in r["kind"])
            # The page itself never scrolls sideways: only the regions do.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"], path
            # What a reader sees at the first chart, cue and all.
            page.locator("figure.chart").first.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts_dir / f"phone390-{name}-{db_kind}.png"))
        assert overflowing_tables and overflowing_charts  # the cases the checks are about occurred

        # A region scrolls from the keyboard once focused.
        page.goto(live_server.url + PAGES["report-national"])
        page.wait_for_load_state("networkidle")
        region = page.locator(".chart-scroll").first
        region.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        assert region.evaluate("r => r.scrollLeft") > 0
        # The report page with its regions and cues has no WCAG 2.1 A/AA violation axe-core finds.
        assert axe_violations(page) == []
    finally:
        context.close()
