"""Results pages on small hand-made data: the figures, hidden cells, filters (the insats filter
shows that insats's counts, suppressed among its siblings), the genuskompass sentence and
statistics as the page shows them, bad filter values, and locale formatting."""
from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.genuskompass import compare, newcombe_p_value, sentence
from survey import formatting
from tests.exchange.helpers import avslut, many
from tests.results.conftest import page, read_csv, table_text, text_of
from tests.support.factories import login


@pytest.fixture
def small(app, factory):
    """Norrby 2024, deltagare_avslut, D1 (Bemötande, betyg: steps 1–2 positive):
    women 16 of 20 positive (80,0 %), men 8 of 20 (40,0 %) → alla 24 of 40 (60,0 %).
    Insats A holds everyone but 4 women, who are in insats B (4 < k).
    deltagare_pagaende: 8 women and 3 men: men hidden (3 < k), women too (the only sibling left)."""
    f = factory.forbund("norrby")
    other = factory.forbund("sodervik")
    a, b = factory.insats(f, "insats-a", "Insats A"), factory.insats(f, "insats-b", "Insats B")
    many(12, f, "deltagare_avslut", {"D1": 1}, kon="kvinna", year=2024, insats=a)
    many(4, f, "deltagare_avslut", {"D1": 2}, kon="kvinna", year=2024, insats=b)
    many(4, f, "deltagare_avslut", {"D1": 3}, kon="kvinna", year=2024, insats=a)
    many(8, f, "deltagare_avslut", {"D1": 2}, kon="man", year=2024, insats=a)
    many(12, f, "deltagare_avslut", {"D1": 4}, kon="man", year=2024, insats=a)
    many(8, f, "deltagare_pagaende", {"D1": 1}, kon="kvinna", year=2024, insats=a)
    many(3, f, "deltagare_pagaende", {"D1": 1}, kon="man", year=2024, insats=a)
    many(10, other, "deltagare_avslut", {"D1": 1}, kon="kvinna", year=2024)
    # Outcomes: women 3 of 20 to subsidised work, men 9 of 20.
    avslut(f, year=2024, kon="kvinna", utfall="subventionerat_arbete", n=3)
    avslut(f, year=2024, kon="kvinna", utfall="studier", n=17)
    avslut(f, year=2024, kon="man", utfall="subventionerat_arbete", n=9)
    avslut(f, year=2024, kon="man", utfall="arbetssokande", n=11)
    users = {"user": factory.user("forbund_user", f), "nns": factory.user("nns")}
    return f, users


def test_dashboard_shows_women_and_men_with_n_and_hidden_cells(client, small):
    forbund, users = small
    login(client, users["user"])
    html = page(client, "/results/forbund/norrby/?year=2024&group=deltagare_avslut&lang=en")
    assert table_text(html, "indicators-deltagare_avslut").endswith(
        "Treatment 60.0% 24 of 40 80.0% 16 of 20 40.0% 8 of 20 – fewer than 5 responses")  # no Övriga at all
    sv = page(client, "/results/forbund/norrby/?year=2024&group=deltagare_avslut&lang=sv")
    assert "60,0 % 24 av 40" in table_text(sv, "indicators-deltagare_avslut").replace("of", "av")
    html = page(client, "/results/forbund/norrby/?year=2024&group=deltagare_pagaende&lang=en")
    # Men 3 (fewer than 5): the total is hidden with them, not the women (DISCLOSURE.md rule 3).
    # The women's 8 of 8 rests on fewer than 20 answers: whole, with the caution.
    assert table_text(html, "indicators-deltagare_pagaende").endswith(
        "Treatment – hidden to protect another figure 100% 8 of 8 · uncertain: few answers"
        " – fewer than 5 responses – fewer than 5 responses")


def test_insats_filter_suppresses_the_final_cell_and_its_sibling(client, small):
    forbund, users = small
    login(client, users["user"])
    # Insats B rests on 4 responses: hidden. Insats A (36) would then give B away by subtraction
    # from the förbund's figure, so A is hidden too (insatser are siblings under the förbund);
    # only A's men are shown: they are all the förbund's men, so they tell nothing new.
    hidden, protects = "– fewer than 5 responses", "– hidden to protect another figure"
    expected = {"insats-b": f"Treatment {hidden} {hidden} {hidden} {hidden}",
                "insats-a": f"Treatment {protects} {protects} 40.0% 8 of 20 {hidden}"}
    for code, row in expected.items():
        html = page(client, f"/results/forbund/norrby/?year=2024&group=deltagare_avslut&insats={code}&lang=en")
        assert table_text(html, "indicators-deltagare_avslut").endswith(row), code
        rows = read_csv(client.get(f"/results/dashboard/norrby/export/indicators-deltagare_avslut.csv?year=2024"
                                   f"&group=deltagare_avslut&insats={code}").data)
        assert {r["insats"] for r in rows} == {code}
        shown = {r["gender"]: r["value"] for r in rows if r["suppressed"] == "0"}
        assert shown == ({} if code == "insats-b" else {"man": "40.0"}), code


def _page_family(client, url_base: str, year: int) -> tuple[float, list[dict]]:
    """Every shown comparison of a genuskompass page, from its exports (the year's tables and
    the trends), and the Benjamini–Hochberg level worked out here by hand from their p-values."""
    rows = []
    for number in range(0, 7):  # the six sub-goals and (0) the comparisons outside them
        for kind in ("compare", "gaptrend"):
            response = client.get(f"{url_base}/export/{kind}-{number}.csv?year={year}")
            if response.status_code == 200:
                rows += [r for r in read_csv(response.data) if r["suppressed"] == "0"]
    distinct = {tuple(r[c] for c in ("measure", "year", "positive_women", "n_women", "positive_men", "n_men")): r
                for r in rows}
    ps = sorted(float(r["p_value"]) for r in distinct.values())
    m = len(ps)
    rejected = max([i for i in range(1, m + 1) if ps[i - 1] <= i * 0.05 / m], default=0)
    return max(rejected, 1) * 0.05 / m, list(distinct.values())


def test_genuskompass_page_shows_the_figures_and_the_sentence(client, small):
    from scipy import stats as scipy_stats

    from indicators.genuskompass import newcombe_interval
    from indicators.rounding import round_half_up

    forbund, users = small
    login(client, users["user"])
    alpha, shown = _page_family(client, "/results/genuskompass/norrby", 2024)
    assert len(shown) >= 3 and all(float(r["alpha"]) == pytest.approx(alpha) for r in shown)
    expected = compare(16, 20, 8, 20, alpha=alpha)
    assert expected.clear and expected.difference == Decimal("40.0")
    own = next(r for r in shown if r["measure"] == "i1-deltagare_avslut" and r["year"] == "2024")
    # Its adjusted p-value: min over the p-values at least as large of m p / rank (BH), by hand.
    ps = sorted(float(r["p_value"]) for r in shown)
    rank = max(i for i, p in enumerate(ps, 1) if p == float(own["p_value"]))
    assert float(own["p_adjusted"]) == pytest.approx(min(len(ps) * p / i for i, p in enumerate(ps, 1) if i >= rank))
    # The interval is Newcombe's at the family's level (scipy's quantile, not the module's).
    low, high = newcombe_interval(16, 20, 8, 20, scipy_stats.norm.ppf(1 - alpha / 2))
    assert (expected.ci_low, expected.ci_high) == (round_half_up(low * 100), round_half_up(high * 100))
    for lang in ("sv", "en"):
        text = text_of(page(client, f"/results/forbund/norrby/genuskompass?year=2024&lang={lang}"))
        assert "1. En jämn fördelning av makt och inflytande" in text
        assert "6. Mäns våld mot kvinnor ska upphöra" in text
        want = sentence(expected, "är | nöjda med bemötandet", "are satisfied with how they were treated", lang)
        assert want in text
        low, high = formatting.points(expected.ci_low, lang), formatting.points(expected.ci_high, lang)
        to = {"sv": "till", "en": "to"}[lang]
        assert f"{formatting.points(expected.difference, lang)}" in text and f"{low} {to} {high}" in text
        assert formatting.p_value(float(own["p_adjusted"]), lang) in text
        assert formatting.confidence(100 * (1 - alpha), lang).replace("\xa0", " ") in text
    en = text_of(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=en"))
    assert "We have taken into account that many comparisons are made at the same time" in en
    assert f"here {len(shown)} comparisons are tested together" in en
    assert "Kvinnor är i högre grad än män nöjda med bemötandet (80,0 % mot 40,0 %)." in text_of(
        page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    # Outcomes: men 9 of 20 to (subsidised) work, women 3 of 20. The women's share of work that
    # is subsidised rests on 3 in work: hidden, and their subsidised-work row with it (3 of 3
    # would follow from it); the work rate compares them.
    rates = compare(3, 20, 9, 20, alpha=alpha)
    text = text_of(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    assert sentence(rates, "går | till arbete", "go to work", "sv") in text
    assert sentence(rates, "går | till arbete med stöd", "go to subsidised work", "sv") not in text
    assert "Vem får arbete med stöd, och vem får studier?" in text  # a reflection question
    # The comparison table's export carries the same figures.
    rows = read_csv(client.get("/results/genuskompass/norrby/export/compare-1.csv?year=2024").data)
    bemotande = [r for r in rows if r["measure"] == "i1-deltagare_avslut"][0]
    assert (bemotande["women"], bemotande["men"], bemotande["difference"]) == ("80.0", "40.0", "40.0")
    assert (bemotande["ci_low"], bemotande["ci_high"]) == (str(expected.ci_low), str(expected.ci_high))
    assert (bemotande["clear"], bemotande["verdict"], bemotande["caution"]) == ("1", "clear", "0")


def test_a_small_base_on_the_genuskompass_page_is_whole_and_cautioned(client, factory):
    """12 women, 14 men: both shares rest on fewer than 20 answers."""
    f = factory.forbund("litenby")
    many(9, f, "deltagare_avslut", {"D1": 1}, kon="kvinna", year=2024)
    many(3, f, "deltagare_avslut", {"D1": 4}, kon="kvinna", year=2024)
    many(7, f, "deltagare_avslut", {"D1": 1}, kon="man", year=2024)
    many(7, f, "deltagare_avslut", {"D1": 4}, kon="man", year=2024)
    login(client, factory.user("forbund_user", f))
    for lang, caution, women, men in (("sv", "osäker: få svar", "75 %", "50 %"),
                                      ("en", "uncertain: few answers", "75%", "50%")):
        html = page(client, f"/results/forbund/litenby/genuskompass?year=2024&lang={lang}")
        row = table_text(html, "compare-1")
        if lang == "en":
            assert f"{women} 9 of 12 · {caution} {men} 7 of 14 · {caution}" in row
            assert "Too few answers to tell" in row  # a 12-against-14 interval holds a 10-point gap
        text = text_of(html)
        assert f"{women}, " in text and f"{men}; {caution})" in text  # the sentence, whole and cautioned
        assert "75,0" not in text and "75.0" not in text
    rows = read_csv(client.get("/results/genuskompass/litenby/export/compare-1.csv?year=2024").data)
    bemotande = [r for r in rows if r["measure"] == "i1-deltagare_avslut"][0]
    assert (bemotande["caution"], bemotande["verdict"], bemotande["women"]) == ("1", "too_few", "75.0")


def test_bad_filter_values_give_a_notice_never_an_error(client, small):
    forbund, users = small
    login(client, users["nns"])
    for query in ("year=abc", "year=1800", "insats=nope", "group=%3Cscript%3E", "indicator=99", "indicator=x",
                  "year=2024&insats=insats-a&group=styrelse", "year=99999999999999999999"):
        for path in ("/results/forbund/norrby/", "/results/forbund/norrby/genuskompass", "/results/riket/",
                     "/results/riket/genuskompass"):
            response = client.get(f"{path}?{query}&lang=en")
            assert response.status_code == 200, (path, query)
            assert "<script>" not in response.get_data(as_text=True)
    text = text_of(page(client, "/results/forbund/norrby/?year=abc&insats=nope&lang=en"))
    assert "is not a year" in text and "not one of this förbund's" in text
    assert client.get("/results/dashboard/norrby/export/nope.csv").status_code == 404
    assert client.get("/results/dashboard/norrby/export/campaigns.pdf").status_code == 404
    assert client.get("/results/elsewhere/norrby/export/campaigns.csv").status_code == 404
    assert client.get("/results/dashboard/NOT%20A%20CODE/chart/x.svg").status_code == 404


def test_formatting_follows_the_locale_and_the_configured_k(app):
    import flask_babel

    flask_babel.refresh()
    with app.test_request_context("/?lang=sv"):
        assert formatting.percent(Decimal("88.0")) == "88,0\xa0%"
        assert formatting.percent(None) == "–"
        assert formatting.points(Decimal("-3.2")) == "\u22123,2" and formatting.points(Decimal("4")) == "+4,0"
        assert formatting.number(12345) == "12\xa0345"
    flask_babel.refresh()
    with app.test_request_context("/?lang=en"):
        assert formatting.percent(Decimal("88.0")) == "88.0%"
        assert formatting.number(12345) == "12,345"
        assert formatting.hidden_reason() == "fewer than 5 responses"
        app.config["DISCLOSURE_K"] = 7
        assert formatting.hidden_reason() == "fewer than 7 responses"


def test_the_national_gap_names_no_förbund_without_the_many_comparisons_control(client, factory):
    """Eleven förbund, one with women 14 of 20 and men 7 of 20 satisfied (p = 0.025: clear if it
    stood alone), ten without a gap. Among the twelve comparisons of the chart (riket too) BH
    asks the smallest p to be at most 0.05 / 12: the chart names no förbund and the table does
    not call it clear; its 20 answers per group are also too few to tell."""
    assert compare(14, 20, 7, 20).clear
    odd = factory.forbund("udda")
    many(14, odd, "deltagare_avslut", {"D1": 1}, kon="kvinna", year=2024)
    many(6, odd, "deltagare_avslut", {"D1": 4}, kon="kvinna", year=2024)
    many(7, odd, "deltagare_avslut", {"D1": 1}, kon="man", year=2024)
    many(13, odd, "deltagare_avslut", {"D1": 4}, kon="man", year=2024)
    for i in range(10):
        f = factory.forbund(f"jamn-{i}")
        for kon in ("kvinna", "man"):
            many(10, f, "deltagare_avslut", {"D1": 1}, kon=kon, year=2024)
            many(10, f, "deltagare_avslut", {"D1": 4}, kon=kon, year=2024)
    login(client, factory.user("nns"))
    html = page(client, "/results/riket/?year=2024&group=deltagare_avslut&indicator=1&lang=en")
    text = text_of(html)
    assert "taking into account that 12 comparisons are made at once: none." in text
    row = table_text(html, "gap")
    name = odd.name
    after = row[row.index(name) + len(name):]
    assert " to " in after.split("Too few answers to tell")[0]  # its interval, then its verdict …
    assert after.index("Too few answers to tell") < after.index("adjusted p = ")  # … on the adjusted p
    assert "Yes adjusted" not in row
    rows = read_csv(client.get("/results/national/riket/export/gap.csv?year=2024&group=deltagare_avslut"
                               "&indicator=1").data)
    udda = [r for r in rows if r["forbund"] == "udda"][0]
    assert (udda["clear"], udda["verdict"]) == ("0", "too_few")
    assert float(udda["p_adjusted"]) == pytest.approx(min(1.0, newcombe_p_value(14, 20, 7, 20) * 12))
    assert float(udda["alpha"]) == pytest.approx(0.05 / 12)


def test_every_participant_indicator_and_outcome_rate_is_compared():
    """GENUSKOMPASS.md: every indicator participants answer and every outcome rate, each once;
    the six sub-goals keep its mapping and the rest come after them."""
    from indicators.genuskompass import GENUSKOMPASS_GROUPS, SUBGOALS
    from indicators.instrument import PARTICIPANT_GROUPS, get_instrument, latest_version
    from indicators.outcomes import ALL_RATES

    instrument = get_instrument(latest_version())
    asked = {n for g in PARTICIPANT_GROUPS for n in instrument.indicator_questions(g)}
    compared = [n for goal in GENUSKOMPASS_GROUPS for n in goal.indicators if n in asked]
    assert sorted(compared) == sorted(asked)
    assert sorted(r for goal in GENUSKOMPASS_GROUPS for r in goal.outcome_rates) == sorted(ALL_RATES)
    assert [goal.indicators for goal in SUBGOALS] == [(3, 1), (), (), (), (6,), (16,)]


def test_genuskompass_page_has_the_comparisons_outside_the_sub_goals(client, small):
    forbund, users = small
    login(client, users["user"])
    html = page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=en")
    # Work or studies: women 20 of 20 (3 subsidised work + 17 studies), men 9 of 20.
    assert "Fler jämförelser, inte knutna till ett delmål (More comparisons, not tied to a sub-goal)" in text_of(html)
    row = table_text(html, "compare-0")
    assert "Work or studies (avslut records registered by staff) 100.0% 20 of 20 45.0% 9 of 20 +55.0 points" in row, row
    rows = read_csv(client.get("/results/genuskompass/norrby/export/compare-0.csv?year=2024").data)
    assert {r["measure"] for r in rows} >= {"work_or_studies-avslut"}
    sv = text_of(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    assert "Fler jämförelser, inte knutna till ett delmål" in sv and "0. Fler" not in sv
