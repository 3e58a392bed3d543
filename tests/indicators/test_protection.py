"""The version-2 disclosure engine (indicators/protection.py) and its audit (indicators/audit.py),
checked against an attacker's linear program written apart from them (tests/support/attacker.py).
"""
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.audit import LinearTable, exposed
from indicators.disclosure import SiblingSet
from indicators.protection import FEW, PROTECTS, Kind, gender_priority, protect
from tests.support.attacker import (
    attack_indicators,
    attack_outcomes,
    pinned_small_groups,
)

GENDER = SiblingSet(("forbund", "year", "respondent_group", "indicator"), "gender", "alla")
FORBUND = SiblingSet(("year", "respondent_group", "indicator", "gender"), "forbund", "riket")
COUNTS = Kind((("n_responses", ("n_responses",)), ("valid", ("valid",)), ("positive", ("positive",))), floor=1)


def indicator_cells(per_forbund: dict[str, dict[str, tuple[int, int]]]) -> pd.DataFrame:
    """{förbund: {gender: (n, positive)}} -> cells with alla and riket pooled (valid = n)."""
    rows = []
    for forbund, genders in per_forbund.items():
        for gender, (n, pos) in genders.items():
            if n:
                rows.append((forbund, gender, n, n, pos))
    df = pd.DataFrame(rows, columns=["forbund", "gender", "n_responses", "valid", "positive"])
    alla = df.groupby("forbund", as_index=False)[["n_responses", "valid", "positive"]].sum().assign(gender="alla")
    df = pd.concat([df, alla], ignore_index=True)
    riket = df.groupby("gender", as_index=False)[["n_responses", "valid", "positive"]].sum().assign(forbund="riket")
    df = pd.concat([df, riket], ignore_index=True).assign(year=2025, respondent_group="deltagare_pagaende", indicator=1)
    return df[["forbund", "year", "respondent_group", "indicator", "gender", "n_responses", "valid", "positive"]]


def run(cells: pd.DataFrame, **kw) -> pd.DataFrame:
    level = np.where(cells["forbund"].eq("riket"), 1, 0)
    return protect(cells, atoms=["n_responses", "valid", "positive"], kinds=[COUNTS], sibling_sets=[GENDER, FORBUND],
                   national=FORBUND, block=["year", "respondent_group", "indicator"],
                   order=[("positive", "valid"), ("n_responses", "valid")],
                   priority=gender_priority(cells["gender"], level), **kw)


def published(out: pd.DataFrame) -> pd.DataFrame:
    pub = out.copy()
    for col in ("n_responses", "valid", "positive"):
        pub[col] = pub[col].astype(object).where(~pub["suppressed"], None)
    pub["suppressed"] = pub["suppressed"].astype(int)
    return pub


def state(out, forbund, gender):
    row = out[(out.forbund == forbund) & (out.gender == gender)].iloc[0]
    return row["hidden_reason"] if row["suppressed"] else "shown"


def test_a_small_ovriga_hides_the_total_not_women_or_men():
    cells = indicator_cells({
        "a": {"kvinna": (16, 9), "man": (10, 4), "ovriga": (3, 1)},
        "b": {"kvinna": (20, 11), "man": (14, 6), "ovriga": (2, 2)},
        "c": {"kvinna": (30, 20), "man": (25, 13), "ovriga": (9, 5)},
    })
    out = run(cells)
    for forbund in "abc":
        assert state(out, forbund, "kvinna") == "shown" and state(out, forbund, "man") == "shown"
    assert state(out, "a", "ovriga") == FEW and state(out, "a", "alla") == PROTECTS
    assert attack_indicators(published(out), 5) == []


def test_riket_needs_three_contributing_förbund():
    cells = indicator_cells({"a": {"kvinna": (16, 9), "man": (10, 4)}, "b": {"kvinna": (20, 11), "man": (1, 1)}})
    out = run(cells)
    assert state(out, "riket", "man") == PROTECTS  # only a and b: b = riket - a for a's staff
    assert state(out, "riket", "kvinna") == PROTECTS
    assert attack_indicators(published(out), 5) == []


def test_hidden_members_under_a_shown_total_never_add_up_to_fewer_than_k():
    # kvinna 5 + man 1 + ovriga 3 = 9: man and ovriga hidden would be pinned to 4 together.
    cells = indicator_cells({
        "a": {"kvinna": (5, 5), "man": (1, 1), "ovriga": (3, 1)},
        "b": {"kvinna": (20, 11), "man": (14, 6), "ovriga": (6, 2)},
        "c": {"kvinna": (30, 20), "man": (25, 13), "ovriga": (9, 5)},
    })
    out = run(cells)
    assert pinned_small_groups(published(out), 5, {"gender": "alla", "forbund": "riket"}, "n_responses") == []
    assert attack_indicators(published(out), 5) == []


def test_a_hidden_share_of_work_is_not_left_to_be_worked_out_from_the_shown_rates():
    atoms = ["arbete", "subventionerat_arbete", "studier", "sjukskriven", "ovrigt"]
    known = tuple(atoms)
    kinds = [Kind((("n", known), ("numerator", ("arbete", "subventionerat_arbete"))), name="work", priority=5),
             Kind((("n", known), ("numerator", ("subventionerat_arbete",))), name="subsidised_work", priority=1),
             Kind((("n", known), ("numerator", ("studier",))), name="studies", priority=3),
             Kind((("n", known), ("numerator", ("arbete", "subventionerat_arbete", "studier"))),
                  name="work_or_studies", priority=4),
             Kind((("n", ("arbete", "subventionerat_arbete")), ("numerator", ("subventionerat_arbete",))),
                  name="subsidised_share_of_work", priority=0),
             Kind((("n", known), ("numerator", ("sjukskriven",))), name="sick_leave", priority=2)]
    rows = []
    for forbund, per in {"a": [(2, 1, 3, 2, 12), (3, 2, 2, 1, 14)], "b": [(6, 3, 4, 2, 10), (5, 4, 1, 3, 9)],
                         "c": [(9, 5, 2, 2, 11), (8, 6, 3, 1, 12)]}.items():
        for gender, values in zip(("kvinna", "man"), per):
            rows.append((forbund, gender, *values))
    cells = pd.DataFrame(rows, columns=["forbund", "gender", *atoms])
    cells = pd.concat([cells, cells.groupby("forbund", as_index=False)[atoms].sum().assign(gender="alla")])
    cells = pd.concat([cells, cells.groupby("gender", as_index=False)[atoms].sum().assign(forbund="riket")])
    cells = cells.assign(year=2025, source="avslut").reset_index(drop=True)
    g = SiblingSet(("forbund", "year", "source"), "gender", "alla")
    f = SiblingSet(("year", "source", "gender"), "forbund", "riket")
    out = protect(cells[["forbund", "year", "source", "gender", *atoms]], atoms=atoms, kinds=kinds, kind_col="rate",
                  sibling_sets=[g, f], national=f, block=["year", "source"],
                  priority=gender_priority(cells["gender"], np.where(cells["forbund"].eq("riket"), 1, 0)))
    share = out[(out.forbund == "a") & (out.gender == "kvinna") & (out.rate == "subsidised_share_of_work")]
    assert share.suppressed.all() and (share.hidden_reason == FEW).all()  # 3 in work
    subsidised = out[(out.forbund == "a") & (out.gender == "kvinna") & (out.rate == "subsidised_work")]
    assert subsidised.suppressed.all()  # or the share would be 1 of (2 + 1)
    pub = out.copy()
    for col in ("n", "numerator"):
        pub[col] = pub[col].astype(object).where(~pub["suppressed"], None)
    pub["suppressed"] = pub["suppressed"].astype(int)
    assert attack_outcomes(pub, 5) == []


def test_the_audit_finds_what_the_set_rule_misses():
    # Four förbund with one Övriga each, riket Övriga 4: every row is hidden (fewer than 5), so
    # version 1's set rule is content. But each row exists (at least 1) and riket's reason says
    # "fewer than 5": 4 rows of at least 1 under a total of at most 4 pins every one of them.
    atoms = np.array([[1, 1, 0], [1, 1, 1], [1, 1, 1], [1, 1, 0], [4, 4, 2]])
    hidden = np.ones((1, 5), bool)
    table = LinearTable(atoms=atoms, figures=[np.eye(3, dtype=np.int64)], floors=[1], hidden=hidden,
                        few=hidden.copy(), k=5, order=((2, 1), (0, 1)),
                        sets=[(np.zeros(5, np.int64), np.array([0, 0, 0, 0, 1], bool))])
    found = {(e.cell, e.vector) for e in exposed(table)}
    assert found == {(cell, (1, 0, 0)) for cell in range(5)}
    published_rows = pd.DataFrame({
        "forbund": ["a", "b", "c", "d", "riket"], "gender": "ovriga", "year": 2025,
        "respondent_group": "deltagare_pagaende", "indicator": 1, "n_responses": None, "valid": None,
        "positive": None, "suppressed": 1, "hidden_reason": "few"})
    solved = attack_indicators(published_rows, 5, floor=1)
    assert {(s.row["forbund"], s.figure) for s in solved} == {(f, "n_responses") for f in ["a", "b", "c", "d", "riket"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 6)), min_size=2, max_size=5),
       st.randoms(use_true_random=False))
def test_what_the_attacker_solves_lies_only_where_nothing_more_can_be_hidden(sizes, rnd):
    per = {}
    for i, (kvinna, man, ovriga) in enumerate(sizes):
        genders = {g: (n, rnd.randint(0, n)) for g, n in (("kvinna", kvinna), ("man", man), ("ovriga", ovriga))}
        if any(n for n, _p in genders.values()):
            per[f"f{i}"] = genders
    if not per:
        return
    out = run(indicator_cells(per))
    for solved in attack_indicators(published(out), 5):
        # Only figures pinned by what every published table must say (a row exists, its reason)
        # may stay solvable, and only when every row they are tied to is hidden already; and a
        # zero in a row of k or more ("0 of n" is what that row could show itself).
        assert out["suppressed"].all() or solved.row["hidden_reason"] == FEW or zero_of_k(solved), solved
    for insider in per:
        for solved in attack_indicators(as_insider(out, insider), 5):
            assert solved.row["forbund"] in (insider, "riket") or out["suppressed"].all() \
                or solved.row["hidden_reason"] == FEW or zero_of_k(solved), (insider, solved)


def zero_of_k(solved) -> bool:
    return solved.high < 1 and solved.row["hidden_reason"] == PROTECTS


def as_insider(out: pd.DataFrame, forbund: str) -> pd.DataFrame:
    """The published table as a förbund's administrator sees it: its own rows known (DISCLOSURE.md:
    an insider knows its own raw data)."""
    view = published(out)
    mine = view["forbund"].eq(forbund)
    for col in ("n_responses", "valid", "positive"):
        view.loc[mine, col] = out.loc[mine, col].astype(object)
    view.loc[mine, "suppressed"] = 0
    view.loc[mine, "hidden_reason"] = ""
    return view


def test_a_forbund_cannot_subtract_its_own_rows_from_riket_to_find_another():
    """a's 3 men are hidden, and b's men with them for riket's sake: without the insider audit,
    b (which knows its own men) would read a's off riket, and a would read b's."""
    for ovriga in (None, (6, 2), (7, 3), (8, 2)):
        cells = indicator_cells({
            "a": {"kvinna": (20, 9), "man": (3, 1), **({"ovriga": ovriga} if ovriga else {})},
            "b": {"kvinna": (25, 11), "man": (14, 6), **({"ovriga": ovriga} if ovriga else {})},
            "c": {"kvinna": (30, 20), "man": (25, 13), **({"ovriga": ovriga} if ovriga else {})},
        })
        out = run(cells)
        assert state(out, "a", "man") == FEW
        for insider in "abc":
            solved = [s for s in attack_indicators(as_insider(out, insider), 5)
                      if s.row["forbund"] not in (insider, "riket")]
            assert solved == [], (ovriga, insider, solved)
        assert [state(out, f, "kvinna") for f in "abc"] == ["shown"] * 3  # women stay comparable


def test_blocks_are_remembered_and_solved_again_only_when_their_counts_move(monkeypatch):
    """protect() keeps each block's pattern (no set spans two blocks): a table built again after
    a release solves only the blocks whose counts moved, and gets what a cold run gets."""
    from indicators import protection

    one = indicator_cells({"a": {"kvinna": (16, 9), "man": (10, 4), "ovriga": (3, 1)},
                           "b": {"kvinna": (20, 11), "man": (14, 6)}, "c": {"kvinna": (30, 20), "man": (4, 3)}})
    cells = pd.concat([one, one.assign(indicator=2)], ignore_index=True)
    protection._MEMO.clear()
    solved = []
    real = protection._Engine.__init__

    def counting(self, cells, *args, **kw):
        solved.append(len(cells))
        real(self, cells, *args, **kw)
    monkeypatch.setattr(protection._Engine, "__init__", counting)
    first = run(cells)
    assert solved == [len(cells)]
    assert run(cells).equals(first) and solved == [len(cells)]  # nothing moved: nothing solved
    moved = cells.copy()
    at = moved.index[(moved.forbund == "c") & (moved.gender == "man") & (moved.indicator == 2)]
    moved.loc[at, ["n_responses", "valid"]] += 5
    warm = run(moved)
    assert solved[-1] == len(one)  # only indicator 2's block
    protection._MEMO.clear()
    assert warm.equals(run(moved))


def test_an_insider_cannot_pin_another_through_zeros_in_a_large_riket_set():
    """Found by the property test: four förbund hidden under riket's rows, and f1 (which knows its
    one positive answer) could read f2's positives off riket's Övriga when the rest had none."""
    cells = indicator_cells({
        "f0": {"ovriga": (1, 0)}, "f1": {"ovriga": (1, 1)},
        "f2": {"man": (5, 1), "ovriga": (1, 0)}, "f3": {"ovriga": (2, 0)},
    })
    out = run(cells)
    for insider in ("f0", "f1", "f2", "f3"):
        for solved in attack_indicators(as_insider(out, insider), 5):
            assert solved.row["forbund"] in (insider, "riket") or solved.row["hidden_reason"] == FEW \
                or zero_of_k(solved), (insider, solved)


def test_every_block_gets_its_insider_audit_whatever_the_other_blocks_need():
    """The insider audit used to run only for blocks changed in the last round: a block clean
    from the outsider's view in the first round, while other blocks were being repaired, never
    had it. On the demo's indicator cells (all blocks, as the pages publish them) förbund as
    insiders then pinned 69 hidden figures of these three blocks; now none."""
    from pathlib import Path

    from indicators import protection
    from indicators.compute import _keys
    from indicators.protection import protect_indicator_cells

    rows = pd.read_csv(Path(__file__).parent / "data" / "demo_indicator_cells.csv.gz", keep_default_na=False)
    protection._MEMO.clear()
    out = protect_indicator_cells(rows, _keys(True), 5, audit=True)
    exposures = []
    for group, indicator in (("deltagare_avslut", 1), ("deltagare_pagaende", 1), ("deltagare_avslut", 4)):
        block = out[out["year"].eq(2020) & out["respondent_group"].eq(group) & out["indicator"].eq(indicator)]
        for insider in sorted(set(block["forbund"].astype(str)) - {"riket"}):
            exposures += [(group, indicator, insider, s.row["forbund"], s.figure)
                          for s in attack_indicators(as_insider(block, insider), 5)
                          if not zero_of_k(s) and s.row["forbund"] != "riket"]
    # (Riket it may pin: riket minus its own rows is then the sum of rows shown to all.)
    assert exposures == []


def test_an_insider_cannot_pin_the_other_small_rows_under_riket_to_fewer_than_k_together():
    """Three förbund with few men (1, 1 and 2) under a shown riket: each could read the sum of
    the other two off riket minus the shown rows and its own (2 or 3 men together: a small
    group pinned, rule 2), though no single row is pinned."""
    cells = indicator_cells({
        "a": {"kvinna": (20, 9), "man": (1, 1)}, "b": {"kvinna": (25, 11), "man": (1, 0)},
        "c": {"kvinna": (30, 20), "man": (2, 1)}, "d": {"kvinna": (22, 10), "man": (18, 7)},
        "e": {"kvinna": (24, 12), "man": (16, 8)},
    })
    out = run(cells)
    for insider in "abcde":
        assert pinned_small_groups(as_insider(out, insider), 5, {"forbund": "riket"}, "n_responses") == [], insider
    assert [state(out, f, "kvinna") for f in "abcde"] == ["shown"] * 5


def test_the_demo_outcome_rates_hold_against_outsiders_and_every_förbund_as_insider():
    """Two years of the demo's outcome rates (all six rates of a cell share its records; the
    comparisons the repair hid are tried again): the independent attacker, as the public and as
    each förbund knowing its own rows, pins no hidden figure of another förbund. A zero in a row
    of k or more, or a row resting on nobody ("0 of 0"), tells about no one."""
    from pathlib import Path

    from indicators import protection
    from indicators.outcomes import ALL_RATES, outcome_counts, outcome_table

    records = pd.read_csv(Path(__file__).parent / "data" / "demo_outcome_records.csv.gz")
    records = records[records["year"].isin([2023, 2024])]
    protection._MEMO.clear()
    out = outcome_table(records, k=5, national=True, rates=ALL_RATES)
    truth = outcome_counts(records, national=True, rates=ALL_RATES)
    keys = ["forbund", "year", "source", "gender", "rate"]
    true_n = truth.set_index(keys)["n"]
    pub = out.copy()
    for col in ("n", "numerator"):
        pub[col] = pub[col].astype(object).where(~pub["suppressed"].astype(bool), None)
    pub["suppressed"] = pub["suppressed"].astype(int)

    def real(solved):
        return not zero_of_k(solved) and true_n[tuple(solved.row[c] for c in keys)] > 0

    exposures = [("public", s.row["forbund"], s.row["gender"], s.row["rate"]) for s in attack_outcomes(pub, 5) if real(s)]
    for insider in sorted(set(pub["forbund"]) - {"riket"}):
        view = pub.copy()
        mine = view["forbund"].eq(insider)
        own = view[mine].drop(columns=["n", "numerator"]).merge(truth, on=keys, how="left")
        view.loc[mine, "n"] = own["n"].astype(object).to_numpy()
        view.loc[mine, "numerator"] = own["numerator"].astype(object).to_numpy()
        view.loc[mine, "suppressed"] = 0
        exposures += [(insider, s.row["forbund"], s.row["gender"], s.row["rate"]) for s in attack_outcomes(view, 5)
                      if s.row["forbund"] not in ("riket", insider) and real(s)]
    assert exposures == []
    # And the women-vs-men comparisons survive: of the förbund's rates with both genders at
    # least k, fewer than a fifth are hidden (10.5 % over the demo's years; without the
    # comparison pass and with riket dearer than a förbund, 91 %).
    both = truth[truth["gender"].isin(["kvinna", "man"]) & truth["forbund"].ne("riket")].pivot_table(
        index=["forbund", "year", "source", "rate"], columns="gender", values="n").dropna()
    both = both[(both["kvinna"] >= 5) & (both["man"] >= 5)].index
    flags = out[out["gender"].isin(["kvinna", "man"])].pivot_table(
        index=["forbund", "year", "source", "rate"], columns="gender", values="suppressed").loc[both]
    assert ((flags["kvinna"] == 1) | (flags["man"] == 1)).mean() < 0.2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 4)), min_size=6, max_size=9),
       st.randoms(use_true_random=False))
def test_insider_coalitions_clear_only_what_no_member_can_pin(sizes, rnd):
    """From six insiders on, the audit first asks coalitions of förbund pooling their rows
    (audit._cleared_by_coalitions): a figure free to them is free to each. Sound only if the
    repair then sees exactly the exposures one-by-one insiders see: the same pattern with and
    without coalitions, and no insider's attack on it pins another förbund's figure."""
    from indicators import audit, protection

    per = {}
    for i, (kvinna, man, ovriga) in enumerate(sizes):
        genders = {g: (n, rnd.randint(0, n)) for g, n in (("kvinna", kvinna), ("man", man), ("ovriga", ovriga))}
        if any(n for n, _p in genders.values()):
            per[f"f{i}"] = genders
    if len(per) < audit.COALITIONS_FROM:
        return
    cells = indicator_cells(per)
    protection._MEMO.clear()
    pooled = run(cells)
    protection._MEMO.clear()
    at = audit.COALITIONS_FROM
    audit.COALITIONS_FROM = 10**6
    try:
        alone = run(cells)
    finally:
        audit.COALITIONS_FROM = at
        protection._MEMO.clear()
    assert pooled.equals(alone)
    for insider in per:
        for solved in attack_indicators(as_insider(pooled, insider), 5):
            assert solved.row["forbund"] in (insider, "riket") or pooled["suppressed"].all() \
                or solved.row["hidden_reason"] == FEW or zero_of_k(solved), (insider, solved)


def test_insider_coalitions_are_used_and_save_programs(monkeypatch):
    """The coalitions do run on a table of many insiders (sixteen förbund with few men under a
    shown riket row), and solve fewer insider programs than one per insider."""
    from indicators import audit, protection

    rng = np.random.default_rng(3)
    per = {f"f{i}": {"kvinna": (int(rng.integers(5, 30)), 2), "man": (int(rng.integers(1, 5)), 1),
                     "ovriga": (int(rng.integers(1, 4)), 0)} for i in range(16)}
    cells = indicator_cells(per)
    calls = {"pooled": 0, "alone": 0}
    real = audit._Program.pinned

    def counting(self, mask, fixed, directions, seed):
        if fixed is not None and len(fixed):
            calls[key] += 1
        return real(self, mask, fixed, directions, seed)
    monkeypatch.setattr(audit._Program, "pinned", counting)
    key = "pooled"
    protection._MEMO.clear()
    pooled = run(cells)
    key = "alone"
    monkeypatch.setattr(audit, "COALITIONS_FROM", 10**6)
    protection._MEMO.clear()
    alone = run(cells)
    protection._MEMO.clear()
    assert pooled.equals(alone)
    assert 0 < calls["pooled"] < calls["alone"], calls


def test_the_solver_prints_nothing_to_standard_output():
    """`flask export indicators` writes its CSV to standard output; the first HiGHS solver of
    a process printed its banner there, so the file began with "Running HiGHS …". In a fresh
    process (the banner comes once per process), the audit's solver leaves stdout to the caller."""
    import subprocess
    import sys

    code = ("import highspy\nfrom indicators import audit\n"
            "audit._new_solver(highspy)\naudit._new_solver(highspy)\nprint('forbund,year')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "forbund,year\n"
    plain = subprocess.run([sys.executable, "-c", "import highspy\nhighspy.Highs()\nprint('x')"],
                           capture_output=True, text=True, timeout=120)
    assert "HiGHS" in plain.stdout  # what the audit keeps out of the output
