"""Breakdowns of the avslut records (indicators/breakdowns.py, issue 11 point 2), checked against
the attacker's linear program written apart from the engine (tests/support/attacker.py), over
the UNION of the published outcome table and the breakdown: insatser add up to the förbund's
row of the outcome table, and so do its age bands; genders to alla, förbund to riket (the
totals and the age bands), rates share their records. (The attacker needs no insats × age
cells: any insatser and age bands with the same total have a table of their own.)"""
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.breakdowns import month_band, months_table, outcome_breakdown_table, transition_table
from indicators.outcomes import ALL_RATES, income_after_table, outcome_table
from tests.support.attacker import Attack, _add_rows, _add_sums, _national_of_too_few, pinned_small_groups

K = 5
ATOMS = ("arbete", "subventionerat_arbete", "studier", "sjukskriven", "arbetssokande")
KINDS = {
    "work": {"n": ATOMS, "numerator": ("arbete", "subventionerat_arbete")},
    "subsidised_work": {"n": ATOMS, "numerator": ("subventionerat_arbete",)},
    "studies": {"n": ATOMS, "numerator": ("studier",)},
    "work_or_studies": {"n": ATOMS, "numerator": ("arbete", "subventionerat_arbete", "studier")},
    "subsidised_share_of_work": {"n": ("arbete", "subventionerat_arbete"), "numerator": ("subventionerat_arbete",)},
    "sick_leave": {"n": ATOMS, "numerator": ("sjukskriven",)},
}
KEYS = ["forbund", "insats", "alder", "gender"]


def publish(records: pd.DataFrame, age_rows: str = "all"):
    """The outcome table and its breakdown by insats and age band (the förbund's and riket's),
    as the app makes them."""
    totals = records.groupby(["forbund", "year", "source", "gender", "utfall"], as_index=False)["n"].sum()
    table = outcome_table(totals, k=K, national=True, rates=ALL_RATES)
    return table, outcome_breakdown_table(records, table, k=K, rates=ALL_RATES, age_rows=age_rows)


def union(table: pd.DataFrame, breakdown: pd.DataFrame) -> pd.DataFrame:
    rows = pd.concat([table.assign(insats="alla", alder="alla"), breakdown], ignore_index=True)
    return rows[rows["year"].eq(2025)]


def solved(rows: pd.DataFrame) -> set:
    """Hidden figures the attacker pins to one whole number (zeros left aside: the engine, like
    the outcome table's, lets a zero of a row of k or more, or of a published zero total, be
    worked out), as (forbund, insats, alder, gender, rate, figure)."""
    attack = Attack(K)
    _add_rows(attack, rows, KEYS, "rate", KINDS, floor=0)
    cells = list(dict.fromkeys(tuple(r) for r in rows[KEYS].itertuples(index=False)))

    def restrict(dim, cell):  # riket sums the förbund's totals and age bands; insatser only under a förbund
        forbund, insats, alder, _gender = cell
        return {"forbund": insats == "alla", "insats": alder == "alla" and forbund != "riket",
                "alder": insats == "alla"}.get(dim, True)
    _add_sums(attack, cells, KEYS, {"gender": "alla", "forbund": "riket", "insats": "alla", "alder": "alla"}, ATOMS,
              restrict)
    out = set()
    for s in attack.solved():
        if s.high < 1 - 1e-6:
            continue
        same = rows[rows["rate"].eq(s.row["rate"]) & rows["insats"].eq("alla") & rows["alder"].eq(s.row["alder"])]
        if _national_of_too_few(same, s.row, ["forbund", "gender"]):
            continue
        cell = rows[(rows.forbund == s.row["forbund"]) & (rows.insats == s.row["insats"])
                    & (rows.alder == s.row["alder"]) & (rows.gender == s.row["gender"]) & (rows.suppressed == 0)]
        wanted = set(KINDS[s.row["rate"]][s.figure])
        if any(set(KINDS[r][f]) == wanted for r in cell["rate"] for f in ("n", "numerator")):
            continue  # published in another row of the same cell
        out.add((s.row["forbund"], s.row["insats"], s.row["alder"], s.row["gender"], s.row["rate"], s.figure))
    return out


def all_hidden(breakdown: pd.DataFrame) -> pd.DataFrame:
    """The breakdown with every row hidden (its reasons as the engine gives them): what the
    outcome table and the mere rows give away whatever the breakdown shows."""
    out = breakdown.copy()
    shown = out["suppressed"].eq(0)
    out.loc[shown, "hidden_reason"] = np.where(out.loc[shown, "n"].astype(float) < K, "few", "protects")
    out["suppressed"] = 1
    return out


def records_from(sizes) -> pd.DataFrame:
    rows = []
    for key, n in sizes.items():
        forbund, insats, gender, utfall, alder = (*key, None)[:5]
        if n:
            rows.append({"forbund": forbund, "insats": insats, "alder": alder, "year": 2025, "source": "avslut",
                         "gender": gender, "utfall": utfall, "n": n})
    return pd.DataFrame(rows)


cell_sizes = st.dictionaries(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["x", "y", None]),
              st.sampled_from(["kvinna", "man", "annat"]), st.sampled_from(ATOMS),
              st.sampled_from(["16-19", "25-29", "40-49", None])),
    st.integers(0, 6), min_size=4, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell_sizes)
def test_the_breakdown_gives_the_attacker_nothing_the_outcome_table_did_not(sizes):
    """(a) Over the union of the outcome table and the breakdown by insats and by age band, every
    hidden figure the attacker pins was pinned already with the whole breakdown hidden (what the
    published outcome table gives away on its own), and no shown total has hidden insatser or
    age bands adding up to 1..k-1."""
    records = records_from(sizes)
    if records.empty:
        return
    table, breakdown = publish(records)
    # The totals keep the outcome table's pattern: the breakdown never changes a published row.
    assert not (breakdown["insats"].eq("alla") & breakdown["alder"].eq("alla")).any()
    assert set(breakdown["insats"]) <= {"x", "y", "", "alla"}
    assert set(breakdown["alder"]) <= {"16-29", "30-49", "ej_svar", "alla"}
    assert set(breakdown.loc[breakdown.forbund.eq("riket"), "insats"]) <= {"alla"}
    if {"a", "b", "c"} <= set(records["forbund"]):
        assert breakdown.forbund.eq("riket").any()  # riket's age bands are published (or hidden with a reason)
    found = solved(union(table, breakdown))
    inherent = solved(union(table, all_hidden(breakdown)))
    assert found <= inherent, sorted(found - inherent)[:5]
    rows = union(table, breakdown)
    assert pinned_small_groups(rows[rows.alder.eq("alla")].drop(columns="alder"), K, {"insats": "alla"}, "n") == []
    assert pinned_small_groups(rows[rows.insats.eq("alla")].drop(columns="insats"), K, {"alder": "alla"}, "n") == []


def test_an_insats_with_women_only_does_not_expose_the_men_of_its_sibling():
    """(b) Insats x has only women: its men's row is missing (a known zero). The men of insats
    y, fewer than k, must not be the förbund's men minus nothing."""
    sizes = {("a", "x", "kvinna", "arbete"): 6, ("a", "x", "kvinna", "studier"): 3,
             ("a", "y", "kvinna", "arbete"): 4, ("a", "y", "kvinna", "sjukskriven"): 3,
             ("a", "y", "man", "arbete"): 2, ("a", "y", "man", "studier"): 1,
             ("a", "z", "man", "arbete"): 4, ("a", "z", "man", "arbetssokande"): 3}
    for f in ("b", "c"):
        sizes |= {(f, "x", "kvinna", "arbete"): 7, (f, "x", "man", "studier"): 6}
    table, breakdown = publish(records_from(sizes))
    men_y = breakdown[(breakdown.forbund == "a") & (breakdown.insats == "y") & (breakdown.gender == "man")]
    assert men_y["suppressed"].eq(1).all() and men_y["hidden_reason"].eq("few").all()
    men_a = table[(table.forbund == "a") & (table.gender == "man") & (table.rate == "work")]
    assert int(men_a["suppressed"].iloc[0]) == 0  # the total of men (10) is published
    found = solved(union(table, breakdown))
    assert not [f for f in found if f[:3] == ("a", "y", "man")]
    # The women of x and z's men (7 each) stay shown: one insats's small men hide a sibling, not all.
    women_x = breakdown[(breakdown.forbund == "a") & (breakdown.insats == "x") & (breakdown.gender == "kvinna")]
    assert women_x["suppressed"].eq(0).any()


def test_the_totals_must_be_the_published_tables_own():
    records = records_from({("a", "x", "kvinna", "arbete"): 6, ("a", "x", "man", "arbete"): 6})
    table, _ = publish(records)
    other = records.assign(n=records["n"] + 1)
    try:
        outcome_breakdown_table(other, table, k=K)
    except ValueError as error:
        assert "add up" in str(error)
    else:
        raise AssertionError("a breakdown of other counts than its totals' was published")


def test_transitions_are_protected_with_the_income_after_table_they_add_up_to():
    rows = []
    for f in ("a", "b", "c"):
        for fore, efter, g, n in (("forsorjningsstod", "lon", "kvinna", 6), ("forsorjningsstod", "studiemedel", "man", 5),
                                  ("a_kassa_aktivitetsstod", "lon", "man", 7), ("lon", "lon", "kvinna", 2)):
            rows.append({"forbund": f, "year": 2025, "gender": g, "forsorjning_fore": fore, "forsorjning_efter": efter, "n": n})
    records = pd.DataFrame(rows)
    totals = records.groupby(["forbund", "year", "gender", "forsorjning_efter"], as_index=False)["n"].sum()
    after = income_after_table(totals, k=K)
    moves = transition_table(records, after, k=K)
    small = moves[(moves.income_before == "lon") & (moves.gender == "kvinna") & (moves.forbund == "a")]
    assert small["suppressed"].eq(1).all() and small["hidden_reason"].eq("few").all()
    big = moves[(moves.income_before == "forsorjningsstod") & (moves.gender == "kvinna") & (moves.forbund == "a")
                & (moves.income_source == "lon")]
    # 6 women on försörjningsstöd before: shown unless hiding it protects the 2 women on lön before.
    assert len(big) == 1
    assert set(moves["hidden_reason"]) <= {"", "few", "protects"}


def test_riket_rows_that_the_forbund_rows_add_up_to_are_shown_and_hide_nothing():
    """Where every förbund row rests on k or more records, riket's rows are their sums: public
    once the förbund's rows are shown. So nothing is hidden, neither a förbund row to protect a
    riket row nor riket's own (protecting riket's sums as secrets hid a förbund under every
    riket row, and then riket's rows too: at 1M records every riket transition row)."""
    rows = [{"forbund": f, "year": 2025, "gender": g, "forsorjning_fore": fore, "forsorjning_efter": efter,
             "n": n + (f == "b")}
            for f in ("a", "b", "c") for fore in ("lon", "forsorjningsstod") for g in ("kvinna", "man")
            for efter, n in (("lon", 6), ("studiemedel", 7))]
    records = pd.DataFrame(rows)
    totals = records.groupby(["forbund", "year", "gender", "forsorjning_efter"], as_index=False)["n"].sum()
    after = income_after_table(totals, k=K)
    moves = transition_table(records, after, k=K)
    assert moves.forbund.eq("riket").any() and moves["suppressed"].eq(0).all()
    ages = records_from({(f, None, g, utfall, alder): n for f in ("a", "b", "c") for alder in ("16-19", "40-49")
                         for g in ("kvinna", "man") for utfall, n in (("arbete", 6), ("studier", 7), ("sjukskriven", 5))})
    table, breakdown = publish(ages)
    riket = breakdown[breakdown.forbund.eq("riket") & breakdown.gender.isin(["kvinna", "man"])]
    assert len(riket) and breakdown.loc[breakdown.gender.isin(["kvinna", "man"]), "suppressed"].eq(0).all()
    assert solved(union(table, breakdown)) <= solved(union(table, all_hidden(breakdown)))


def test_months_come_in_bands_never_as_a_mean():
    assert [month_band(m) for m in (0, 3, 4, 6, 7, 12, 13, 24, 25, 120, None)] == [
        "0-3", "0-3", "4-6", "4-6", "7-12", "7-12", "13-24", "13-24", "25+", "25+", None]
    records = pd.DataFrame([{"forbund": f, "year": 2025, "gender": g, "manader": m, "n": n}
                            for f in ("a", "b", "c") for g, m, n in (("kvinna", 2, 6), ("man", 10, 6), ("man", 30, 2))])
    out = months_table(records, k=K)
    assert set(out["months"]) == {"0-3", "4-6", "7-12", "13-24", "25+"}
    assert not {"mean", "median"} & set(out.columns)
    shown = out[(out.forbund == "a") & (out.gender == "kvinna") & (out.months == "0-3")]
    assert int(shown["suppressed"].iloc[0]) == 0 and float(shown["value"].iloc[0]) == 100.0


INCOME = ("lon", "a_kassa_aktivitetsstod", "sjukpenning_ersattning", "forsorjningsstod", "studiemedel", "ingen", "annan")
INCOME_KINDS = {code: {"n": INCOME, "numerator": (code,)} for code in INCOME}
MOVE_KEYS = ["forbund", "income_before", "gender"]


def solved_moves(rows: pd.DataFrame) -> set:
    """As solved(), over the income-after table (income_before `alla`) and the transitions: the
    sources before add up to the förbund's row, genders to alla, förbund to riket (per source
    before too)."""
    attack = Attack(K)
    _add_rows(attack, rows, MOVE_KEYS, "income_source", INCOME_KINDS, floor=0)
    cells = list(dict.fromkeys(tuple(r) for r in rows[MOVE_KEYS].itertuples(index=False)))
    _add_sums(attack, cells, MOVE_KEYS, {"gender": "alla", "forbund": "riket", "income_before": "alla"}, INCOME)
    out = set()
    for s in attack.solved():
        if s.high < 1 - 1e-6:
            continue
        same = rows[rows["income_source"].eq(s.row["income_source"]) & rows["income_before"].eq(s.row["income_before"])]
        if _national_of_too_few(same, s.row, ["forbund", "gender"]):
            continue
        cell = rows[(rows.forbund == s.row["forbund"]) & (rows.income_before == s.row["income_before"])
                    & (rows.gender == s.row["gender"]) & (rows.suppressed == 0)]
        if s.figure == "n" and len(cell):
            continue  # every row of a cell publishes the same n
        out.add((s.row["forbund"], s.row["income_before"], s.row["gender"], s.row["income_source"], s.figure))
    return out


move_sizes = st.dictionaries(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["lon", "forsorjningsstod", "ingen"]),
              st.sampled_from(["kvinna", "man", "annat"]), st.sampled_from(["lon", "studiemedel", "forsorjningsstod", "ingen"])),
    st.integers(0, 6), min_size=4, max_size=30)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(move_sizes)
def test_transitions_give_the_attacker_nothing_the_income_after_table_did_not(sizes):
    """Over the union of the income-after table and the transitions, every hidden figure the
    attacker pins was pinned already with every transition row hidden: the engine's rules for
    locked totals (figures the totals and the structure give away are not chased) only skip what
    the published income-after table gives away on its own."""
    records = pd.DataFrame([{"forbund": f, "year": 2025, "gender": g, "forsorjning_fore": fore, "forsorjning_efter": efter,
                             "n": n} for (f, fore, g, efter), n in sizes.items() if n])
    if records.empty:
        return
    totals = records.groupby(["forbund", "year", "gender", "forsorjning_efter"], as_index=False)["n"].sum()
    after = income_after_table(totals, k=K)
    moves = transition_table(records, after, k=K)
    assert set(moves["forbund"]) <= {"a", "b", "c", "d", "riket"}
    if {"a", "b", "c"} <= set(records["forbund"]):
        assert moves.forbund.eq("riket").any()  # riket's rows per source before are published (or hidden with a reason)

    def union(moves):
        return pd.concat([after.assign(income_before="alla"), moves], ignore_index=True)
    hidden = moves.copy()
    shown = hidden["suppressed"].eq(0)
    hidden.loc[shown, "hidden_reason"] = np.where(hidden.loc[shown, "n"].astype(float) < K, "few", "protects")
    hidden["suppressed"] = 1
    found, inherent = solved_moves(union(moves)), solved_moves(union(hidden))
    assert found <= inherent, sorted(found - inherent)[:5]
