"""The national view (issue 11 point 4): it opens on the latest ended year with figures, marks the
running year preliminary on pages, charts and exports, leaves that year out of trend lines, and
answers every page, chart and export of any year and respondent group with figures or a sentence
saying there are none, never an error. Riket is named for the förbund it really pools."""
from __future__ import annotations

import re
from html import unescape

from indicators.instrument import GROUP_ORDER, PARTICIPANT_GROUPS
from survey.demo import FORBUND, YEARS
from tests.results.conftest import chart_links, export_links, page, read_csv, text_of

LAST_DEMO_YEAR = YEARS.stop - 1
PRELIMINARY = "preliminary: the year is ongoing"
CHART_IDS = ("riket", "gap", "trend")


def _selected_year(html: str) -> str:
    select = html[html.index('id="year"'):]
    return re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', select).group(1)


def test_opens_on_the_latest_ended_year_and_marks_the_running_one(current_year_data, login_demo):
    client = login_demo("nns")
    html = page(client, "/results/riket/?lang=en")
    assert re.search(rf'<option[^>]*selected[^>]*value="{LAST_DEMO_YEAR}"|value="{LAST_DEMO_YEAR}"[^>]*selected',
                     html), "the view must open on the last whole year with figures"
    assert f"{current_year_data} ({PRELIMINARY})" in unescape(html)  # the year choice says so
    assert PRELIMINARY not in text_of(html).split("Show", 1)[1]  # nothing else on a whole year's page

    html = text_of(page(client, f"/results/riket/?year={current_year_data}&group=deltagare_pagaende&lang=en"))
    assert f"{current_year_data} is preliminary: the year is ongoing" in html
    assert f"Riket: Participants, ongoing intervention, {current_year_data} ({PRELIMINARY})" in html


def test_every_page_chart_and_export_answers_for_every_year_and_group(current_year_data, login_demo):
    client = login_demo("nns")
    years = (current_year_data, LAST_DEMO_YEAR, YEARS.start - 3)  # running, with data, without any
    seen_charts = 0
    for year in years:
        for group in GROUP_ORDER:
            url = f"/results/riket/?year={year}&group={group}&lang=en"
            html = page(client, url)
            text = text_of(html)
            assert "National view" in text and "Riket (participating förbund)" in text, url
            assert "-1 förbund" not in text and "−1 förbund" not in text, url
            assert ("%" in text) or "No figures for this selection." in text, url
            for link in chart_links(html):
                response = client.get(link)
                assert response.status_code == 200, link
                svg = response.get_data(as_text=True)
                assert "<svg" in svg and "-1 förbund" not in svg, link
                seen_charts += 1
            # A chart the page does not draw (nothing to draw) still answers with an image.
            for chart_id in CHART_IDS:
                response = client.get(f"/results/national/riket/chart/{chart_id}.svg?year={year}&group={group}")
                assert response.status_code == 200, (chart_id, year, group)
                assert "<svg" in response.get_data(as_text=True)
            for link in export_links(html):
                response = client.get(link)
                assert response.status_code == 200, link
        genuskompass = page(client, f"/results/riket/genuskompass?year={year}&lang=en")
        assert "Genuskompass" in text_of(genuskompass)
        for link in chart_links(genuskompass):
            assert client.get(link).status_code == 200, link
    assert seen_charts > 10


def test_an_empty_group_of_the_running_year_says_so(current_year_data, login_demo):
    client = login_demo("nns")
    text = text_of(page(client, f"/results/riket/?year={current_year_data}&group=deltagare_avslut&lang=en"))
    assert "No responses from Participants, completed intervention in" in text
    assert "no förbund has responses from Participants, completed intervention" in text
    svg = client.get(f"/results/national/riket/chart/gap.svg?year={current_year_data}&group=deltagare_avslut"
                     "&lang=en").get_data(as_text=True)
    assert "No figures for this selection." in svg


def test_exports_mark_the_running_year(current_year_data, login_demo):
    client = login_demo("nns")
    for year, flag in ((current_year_data, "1"), (LAST_DEMO_YEAR, "0")):
        rows = read_csv(client.get(f"/results/national/riket/export/forbund.csv?year={year}"
                                   "&group=deltagare_pagaende").data)
        assert rows and {r["preliminary"] for r in rows} == {flag}, year


def test_trend_lines_leave_out_the_running_year(current_year_data, login_demo):
    client = login_demo("nns")
    url = f"/results/riket/?year={current_year_data}&group=deltagare_pagaende&indicator=1&lang=en"
    html = page(client, url)
    text = text_of(html)
    assert f"{current_year_data} is left out of the line: preliminary" in text
    # The table keeps the year, marked; the chart's x axis ends at the last whole year.
    assert f"{current_year_data} ({PRELIMINARY})" in text.split("Trend over the years", 1)[1]
    svg = client.get(f"/results/national/riket/chart/trend.svg?year={current_year_data}"
                     "&group=deltagare_pagaende&indicator=1").get_data(as_text=True)
    assert f">{LAST_DEMO_YEAR}<" in svg and f">{current_year_data}<" not in svg


def test_riket_names_its_participating_forbund(current_year_data, login_demo):
    client = login_demo("nns")
    text = text_of(page(client, f"/results/riket/?year={LAST_DEMO_YEAR}&group=deltagare_avslut&lang=en"))
    names = sorted(name for _code, name, _size in FORBUND)
    assert (f"Riket (participating förbund): {len(FORBUND)} förbund with responses from Participants, "
            f"completed intervention in {LAST_DEMO_YEAR}: {', '.join(names)}.") in text
    assert "all förbund)" not in text
    # In the running year only the three förbund that have answered are pooled.
    text = text_of(page(client, f"/results/riket/?year={current_year_data}&group=deltagare_pagaende&lang=en"))
    assert f"Riket (participating förbund): 3 förbund with responses from" in text
    assert "Samordningsförbundet Skärgården" not in text.split("Riket (participating förbund): 3", 1)[1][:300]
    gap = text_of(page(client, f"/results/riket/?year={LAST_DEMO_YEAR}&group={PARTICIPANT_GROUPS[0]}&lang=en"))
    assert f"confidence interval for {len(FORBUND)} förbund and riket" in gap


def test_hidden_bars_and_points_give_their_own_reason(demo, login_demo):
    """A riket cell hidden to protect another figure rests on far more than k responses: its bar,
    the chart summary and the trend summary say "hidden to protect", not "fewer than k"."""
    from survey.figures import tables

    client = login_demo("nns")
    riket = tables.indicators()
    riket = riket[riket["forbund"].eq("riket") & riket["insats"].eq("alla") & riket["year"].eq(LAST_DEMO_YEAR)
                  & riket["respondent_group"].eq("deltagare_avslut") & riket["gender"].isin(["kvinna", "man"])]
    protects = int(riket["hidden_reason"].eq("protects").sum())
    assert protects > 0  # the demo has such cells
    text = text_of(page(client, f"/results/riket/?year={LAST_DEMO_YEAR}&group=deltagare_avslut&lang=en"))
    assert f"{protects} bars are not drawn: hidden to protect another figure" in text
    svg = client.get(f"/results/national/riket/chart/riket.svg?year={LAST_DEMO_YEAR}&group=deltagare_avslut"
                     "&lang=en").get_data(as_text=True)
    assert svg.count("hidden to protect another figure</text>") == protects
