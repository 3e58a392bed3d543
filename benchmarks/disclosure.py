"""The disclosure engine (indicators/protection.py) on the demo data, as the pages run it and with
its LP audit: how many women-vs-men comparisons with both genders >= k end up hidden, in the
indicator table (issue 9's target: under 10 %; version 1 lost 46.7 % at förbund/riket level; the
floor no safe pattern goes under is printed beside it) and in the outcome rates; how many cells
are hidden, and how long each takes.

    python benchmarks/disclosure.py [--no-audit] [--synthetic 80]

Loads the demo data into a throwaway SQLite file; prints its figures.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def lost_share(pooled, published, k):
    """Women-vs-men comparisons with both genders >= k that the published table hides: at
    förbund/riket level (riket, and each förbund's own rows), at riket alone, at all levels
    (insatser too); and the floor no pattern can go under at förbund/riket level."""
    keys = ["forbund", "insats", "year", "respondent_group", "indicator"]
    sizes = pooled[pooled.gender.isin(["kvinna", "man"])].pivot_table(
        index=keys, columns="gender", values="n_responses", observed=True).dropna()
    both = sizes[(sizes.kvinna >= k) & (sizes.man >= k)].reset_index()
    flags = published[published.gender.isin(["kvinna", "man"])].pivot_table(
        index=keys, columns="gender", values="suppressed", observed=True).reset_index()
    merged = both.merge(flags, on=keys, suffixes=("_n", ""))
    lost = (merged["kvinna"].astype(int) == 1) | (merged["man"].astype(int) == 1)
    own = merged["insats"].eq("alla")
    riket = merged["forbund"].eq("riket")
    return {"own": lost[own].mean(), "n_own": int(own.sum()), "riket": lost[riket].mean(),
            "n_riket": int(riket.sum()), "every": lost.mean(), "n_every": len(merged),
            "floor": insider_floor(pooled, k) / max(1, int(own.sum()))}


def insider_floor(pooled, k) -> int:
    """How many förbund/riket comparisons every safe pattern loses, at least: riket's comparison
    or a förbund's must go in each block where, for kvinna or man, one or two förbund rows are
    under k and fewer than three förbund rows of that gender can be hidden without losing a
    comparison (an insider whose own row is one of them reads the other off riket). With the
    demo's six förbund that is most blocks; with eighty, few."""
    own = pooled[pooled.insats.eq("alla") & pooled.gender.isin(["kvinna", "man"])]
    wide = own.pivot_table(index=["year", "respondent_group", "indicator", "forbund"], columns="gender",
                           values="n_responses", observed=True, fill_value=0)
    blocks = ["year", "respondent_group", "indicator"]
    riket = wide.xs("riket", level="forbund")
    members = wide.drop(index="riket", level="forbund")
    compared = riket.index[(riket.kvinna >= k) & (riket.man >= k)]
    forced = pd.Series(False, index=compared)
    for gender, other in (("kvinna", "man"), ("man", "kvinna")):
        few = members[gender].between(1, k - 1)
        free = (members[gender] >= k) & (members[other] < k)  # its comparison is lost anyway
        n_few = few.groupby(level=blocks).sum().reindex(compared, fill_value=0)
        n_free = free.groupby(level=blocks).sum().reindex(compared, fill_value=0)
        forced |= (n_few >= 1) & (n_few + n_free < 3)
    return int(forced.sum())


def outcome_lost_share(raw, published, k):
    """The same for the outcome rates (both sources, every rate): comparisons with both genders'
    n >= k that the published outcome table hides, at förbund and at riket level."""
    keys = ["forbund", "year", "source", "rate"]
    n = raw[raw.gender.isin(["kvinna", "man"])].pivot_table(index=keys, columns="gender", values="n",
                                                             aggfunc="first", observed=True).dropna()
    both = n[(n.kvinna >= k) & (n.man >= k)].reset_index()
    flags = published[published.gender.isin(["kvinna", "man"])].pivot_table(
        index=keys, columns="gender", values="suppressed", aggfunc="first", observed=True).reset_index()
    merged = both.merge(flags, on=keys, suffixes=("_n", ""))
    lost = (merged["kvinna"].astype(int) == 1) | (merged["man"].astype(int) == 1)
    riket = merged["forbund"].eq("riket")
    return {"every": lost.mean(), "n_every": len(merged), "forbund": lost[~riket].mean(),
            "n_forbund": int((~riket).sum()), "riket": lost[riket].mean(), "n_riket": int(riket.sum())}


def synthetic(n_forbund: int, seed: int = 3):
    """Indicator cells of one year's participant questionnaires for n_forbund förbund of varied
    size (lognormal around 60 a group), one to four insatser each, 55 % women, 40 % men, 5 %
    Övriga: the national picture the demo's six förbund cannot give."""
    import numpy as np

    from indicators.compute import _pooled

    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n_forbund):
        size = int(rng.lognormal(np.log(60), 0.8))
        insatser = [f"i{j}" for j in range(rng.integers(1, 5))]
        for group in ("deltagare_pagaende", "deltagare_avslut"):
            people = pd.DataFrame({"insats": rng.choice(insatser, size),
                                   "gender": rng.choice(["kvinna", "man", "annat", "ej_svar"], size, p=[.55, .40, .02, .03])})
            for indicator in range(1, 9):
                positive = rng.random(size) < rng.uniform(0.5, 0.8)
                cells = people.assign(p=positive).groupby(["insats", "gender"]).agg(n=("p", "size"), pos=("p", "sum"))
                rows += [(f"f{f}", insats, 2025, group, indicator, gender, int(r.n), int(r.n), int(r.pos))
                         for (insats, gender), r in cells.iterrows()]
    raw = pd.DataFrame(rows, columns=["forbund", "insats", "year", "respondent_group", "indicator", "gender",
                                      "n_responses", "valid", "positive"])
    return _pooled(raw, by_gender=True, national=True, by_insats=True)


def run_synthetic(n_forbund: int) -> None:
    from indicators import protection
    from indicators.compute import _keys
    from indicators.protection import protect_indicator_cells

    pooled = synthetic(n_forbund)
    protection._MEMO.clear()
    start = time.perf_counter()
    table = protect_indicator_cells(pooled, _keys(True), 5, audit=True)
    seconds = time.perf_counter() - start
    as_text = {c: str for c in ("forbund", "insats", "respondent_group", "gender")}
    lost = lost_share(pooled.astype(as_text), table.astype(as_text), 5)
    print(f"synthetic, {n_forbund} förbund, one year (16 blocks, {len(pooled)} cells): {seconds:6.1f} s; comparisons "
          f"lost: förbund/riket {lost['own']:5.1%} of {lost['n_own']} (riket alone {lost['riket']:5.1%} of "
          f"{lost['n_riket']}; floor {lost['floor']:5.1%}), all levels {lost['every']:5.1%} of {lost['n_every']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-audit", action="store_true", help="the set rules only, without the LP audit")
    parser.add_argument("--synthetic", type=int, metavar="N",
                        help="instead of the demo: one year of N förbund of synthetic indicator cells")
    args = parser.parse_args()
    if args.synthetic:
        run_synthetic(args.synthetic)
        return
    folder = tempfile.mkdtemp()
    os.environ.update(FINSAM_ENV="development", DATABASE_URL=f"sqlite:///{folder}/demo.sqlite")
    from survey import create_app
    from survey.demo import load_demo

    app = create_app()
    with app.app_context():
        from survey.cli import init_db
        from survey.figures import counts

        init_db()
        load_demo()
        raw = counts.indicator_counts(by_insats=True)
        outcome_records = counts.outcome_counts()
    from indicators import protection
    from indicators.compute import _keys, _pooled, indicator_counts, indicator_table
    from indicators.protection import protect_indicator_cells

    k = 5
    pooled = indicator_counts(raw, by_gender=True, by_insats=True)
    runs = []
    for audit in ([False] if args.no_audit else [False, True]):
        protection._MEMO.clear()  # cold: every block solved
        start = time.perf_counter()
        rows = _pooled(raw, by_gender=True, national=True, by_insats=True)
        table = protect_indicator_cells(rows, _keys(True), k, audit=audit)
        seconds = time.perf_counter() - start
        table = table.assign(**{c: table[c].astype(str) for c in ("forbund", "insats", "respondent_group", "gender")})
        runs.append(("as the pages run it" if audit else "set rules only (unsafe)", table, seconds))
    live = indicator_table(raw, k=k, by_gender=True, national=True, by_insats=True)
    assert int(live["suppressed"].sum()) == int(runs[-1][1]["suppressed"].sum()), "indicator_table is the engine"
    print(f"demo indicator table: {len(live)} cells, k = {k}")
    for name, table, seconds in runs:
        lost = lost_share(pooled, table, k)
        print(f"{name:20} {seconds:6.2f} s  hidden {int(table['suppressed'].astype(int).sum()):5}  "
              f"comparisons lost: förbund/riket {lost['own']:5.1%} of {lost['n_own']} (riket alone "
              f"{lost['riket']:5.1%} of {lost['n_riket']}; no safe pattern loses under {lost['floor']:5.1%}), "
              f"all levels {lost['every']:5.1%} of {lost['n_every']}")

    from indicators.outcomes import ALL_RATES, outcome_counts, outcome_table

    protection._MEMO.clear()
    start = time.perf_counter()
    outcomes = outcome_table(outcome_records, k=k, national=True, rates=ALL_RATES)
    seconds = time.perf_counter() - start
    lost = outcome_lost_share(outcome_counts(outcome_records, national=True, rates=ALL_RATES), outcomes, k)
    print(f"demo outcome table:  {seconds:6.2f} s  {len(outcomes)} rows, hidden {int(outcomes['suppressed'].sum())}; "
          f"comparisons lost: förbund {lost['forbund']:5.1%} of {lost['n_forbund']}, riket {lost['riket']:5.1%} of "
          f"{lost['n_riket']}, both {lost['every']:5.1%} of {lost['n_every']}")


if __name__ == "__main__":
    main()
