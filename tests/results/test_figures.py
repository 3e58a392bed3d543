"""Results pages on small hand-made data: the figures, hidden cells, filters (the insats filter
shows that insats's counts, suppressed among its siblings), the genuskompass sentence and
statistics as the page shows them, bad filter values, and locale formatting."""
from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.genuskompass import compare, sentence
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
    assert table_text(html, "indicators-deltagare_pagaende").endswith(
        "Treatment – hidden to protect another figure 100.0% 8 of 8 – fewer than 5 responses"
        " – fewer than 5 responses")


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


def test_genuskompass_page_shows_the_figures_and_the_sentence(client, small):
    forbund, users = small
    login(client, users["user"])
    expected = compare(16, 20, 8, 20)
    assert expected.clear and expected.difference == Decimal("40.0")
    for lang in ("sv", "en"):
        text = text_of(page(client, f"/results/forbund/norrby/genuskompass?year=2024&lang={lang}"))
        assert "1. En jämn fördelning av makt och inflytande" in text
        assert "6. Mäns våld mot kvinnor ska upphöra" in text
        want = sentence(expected, "är | nöjda med bemötandet", "are satisfied with how they were treated", lang)
        assert want in text
        low, high = formatting.points(expected.ci_low, lang), formatting.points(expected.ci_high, lang)
        to = {"sv": "till", "en": "to"}[lang]
        assert f"{formatting.points(expected.difference, lang)}" in text and f"{low} {to} {high}" in text
        assert formatting.p_value(expected.p_value, lang) in text and "p = 0" in formatting.p_value(0.01, lang)
    assert "Kvinnor är i högre grad än män nöjda med bemötandet (80,0 % mot 40,0 %)." in text_of(
        page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    # Outcomes: men 9 of 20 to (subsidised) work, women 3 of 20. The women's share of work that
    # is subsidised rests on 3 in work: hidden, and their subsidised-work row with it (3 of 3
    # would follow from it); the work rate compares them.
    rates = compare(3, 20, 9, 20)
    text = text_of(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    assert sentence(rates, "går | till arbete", "go to work", "sv") in text
    assert sentence(rates, "går | till arbete med stöd", "go to subsidised work", "sv") not in text
    assert "Vem får arbete med stöd, och vem får studier?" in text  # a reflection question
    # The comparison table's export carries the same figures.
    rows = read_csv(client.get("/results/genuskompass/norrby/export/compare-1.csv?year=2024").data)
    bemotande = [r for r in rows if r["measure"] == "i1-deltagare_avslut"][0]
    assert (bemotande["women"], bemotande["men"], bemotande["difference"]) == ("80.0", "40.0", "40.0")
    assert (bemotande["ci_low"], bemotande["ci_high"]) == (str(expected.ci_low), str(expected.ci_high))
    assert bemotande["clear"] == "1"


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
