"""The outcomes page (issue 11 point 2): outcomes per insats and age band, income before → after and months,
by gender, from the published tables, on the demo data; never a 500 for a year or choice without
data; every table downloadable; (c) kvinna-vs-man comparisons survive on the demo data."""
from __future__ import annotations

from flask_babel import force_locale

from indicators.outcomes import INCOME_CODES
from survey.figures import tables
from survey.formatting import INCOME_LABELS
from tests.results.conftest import OWN, OTHER, page, read_csv, table_text


def _comparisons(table, keys) -> tuple[int, int]:
    """(shown, possible): kvinna-man pairs with both rows shown, and pairs with both at least k."""
    pairs = table[table["gender"].isin(["kvinna", "man"])]
    wide = pairs.pivot_table(index=keys, columns="gender", values="suppressed", aggfunc="first")
    counts = pairs.assign(n=pairs["n"].astype(float)).pivot_table(index=keys, columns="gender", values="n",
                                                                   aggfunc="first")
    shown = int(((wide["kvinna"] == 0) & (wide["man"] == 0)).sum())
    return shown, len(wide)


def test_the_demo_breakdowns_keep_comparisons_of_women_and_men(demo, login_demo):
    """(c) On the demo data (about 30 avslut records per förbund and year) most single-insats
    rows are small, but the insats comparisons that the data allow stay; printed for the record."""
    breakdown = tables.outcome_breakdowns()
    per_insats, per_age = breakdown[breakdown["alder"].eq("alla")], breakdown[breakdown["insats"].eq("alla")]
    assert len(per_insats) and len(per_age) and len(per_insats) + len(per_age) == len(breakdown)
    assert set(per_age["alder"]) <= {"16-29", "30-49", "50+", "ej_svar", "~"}
    # Riket's age bands are published too (a call of their own, the förbund's locked), for the
    # outcome rates riket publishes; with six förbund almost all are hidden, each with its reason.
    riket_ages = per_age[per_age["forbund"].eq("riket")]
    assert len(riket_ages) and set(riket_ages["hidden_reason"]) <= {"", "few", "protects"}
    shown, pairs = _comparisons(per_insats, ["forbund", "year", "source", "insats", "rate"])
    shown_age, pairs_age = _comparisons(per_age, ["forbund", "year", "source", "alder", "rate"])
    moves = tables.income_transitions()
    shown_moves, pairs_moves = _comparisons(moves, ["forbund", "year", "income_before", "income_source"])
    months = tables.months()
    shown_months, pairs_months = _comparisons(months, ["forbund", "year", "months"])
    print(f"kvinna-vs-man comparisons shown: per insats {shown} of {pairs}, per age band {shown_age} of {pairs_age}, "
          f"income before→after "
          f"{shown_moves} of {pairs_moves}, months {shown_months} of {pairs_months}")
    assert shown > 0 and shown_months > 0 and shown_age > 0
    # One demo load and one build of the tables (minutes on a busy machine) for the page checks too.
    _page_shows_the_published_rows_and_downloads_them(login_demo)
    _bad_choices_get_a_notice_not_a_500(login_demo, per_age[per_age["forbund"].eq("riket")])
    assert set(breakdown["hidden_reason"]) <= {"", "few", "protects"}
    assert (breakdown.loc[breakdown["suppressed"].eq(1), "n"].isna()).all()


def _page_shows_the_published_rows_and_downloads_them(login_demo):
    client = login_demo("forbund_user")
    html = page(client, f"/results/forbund/{OWN}/outcomes?year=2024&source=avslut&rate=work&lang=en")
    assert "Outcomes per intervention" in html and "Months in the intervention" in html
    assert "Outcomes per age band" in html and "16–29, 30–49, 50 and older" in html
    assert 'class="table-scroll" tabindex="0" role="region"' in html
    text = table_text(html, "insats")
    assert "Women" in text and "Men" in text
    response = client.get(f"/results/outcomes/{OWN}/export/insats.csv?year=2024&source=avslut&rate=work")
    assert response.status_code == 200
    rows = read_csv(response.data)
    published = tables.outcome_breakdowns()
    mine = published[published["forbund"].eq(OWN) & published["year"].eq(2024) & published["source"].eq("avslut")]
    assert len(rows) == len(mine[mine["alder"].eq("alla")]) and {r["hidden_reason"] for r in rows} <= {"", "few", "protects"}
    ages = read_csv(client.get(f"/results/outcomes/{OWN}/export/age.csv?year=2024&source=avslut&rate=work").data)
    assert len(ages) == len(mine[mine["insats"].eq("alla")]) and {r["alder"] for r in ages} <= {"16-29", "30-49", "50+",
                                                                                              "ej_svar", "~"}
    shown_age = [r for r in ages if r["suppressed"] in ("0", "False", "false") and r["n"]]
    for row in shown_age:  # a shown figure is the published one, hidden ones are blank
        match = mine[(mine["alder"] == row["alder"]) & (mine["gender"] == row["gender"]) & (mine["rate"] == row["rate"])]
        assert str(int(match["n"].iloc[0])) == row["n"]
    # Another förbund's page is a 404 for förbund staff.
    assert client.get(f"/results/forbund/{OTHER}/outcomes").status_code == 404


def _bad_choices_get_a_notice_not_a_500(login_demo, riket_ages):
    client = login_demo("nns")
    for query in ("year=1900", "year=abc", "source=x&rate=y&after=z", "year=2025&source=enkat&rate=sick_leave"):
        html = page(client, f"/results/forbund/{OWN}/outcomes?{query}&lang=en")
        assert "Outcomes" in html
    html = page(client, "/results/riket/outcomes?lang=en")
    assert "Months in the intervention" in html and "Outcomes per intervention" not in html
    last = riket_ages.sort_values(["year", "source"]).iloc[-1]
    html = page(client, f"/results/riket/outcomes?year={int(last['year'])}&source={last['source']}&lang=en")
    assert "Outcomes per age band" in html and "age bands pool the förbund" in html  # riket's own
    # Riket's rows per income source before (a call of their own, the förbund's locked): on the
    # page, every one with its reason, and in the download.
    moves = tables.income_transitions()
    riket_moves = moves[moves["forbund"].eq("riket") & moves["year"].eq(last["year"])]
    assert len(riket_moves) and set(riket_moves["hidden_reason"]) <= {"", "few", "protects"}
    text = table_text(html, "income-before")
    salary = riket_moves[riket_moves["income_source"].eq("lon")]
    assert salary["income_before"].nunique() == len(set(salary["income_before"]) & set(INCOME_CODES))
    with force_locale("en"):
        for code in salary["income_before"].unique():
            assert str(INCOME_LABELS[code]) in text, code
    rows = read_csv(client.get(f"/results/outcomes/riket/export/income-before.csv?year={int(last['year'])}").data)
    assert len(rows) == len(riket_moves) and {r["forbund"] for r in rows} == {"riket"}
