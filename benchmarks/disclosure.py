"""The disclosure engine (indicators/protection.py) on the demo data, as the pages run it and with
its LP audit: how many women-vs-men comparisons with both genders >= k end up hidden (issue 9's
target: under 10 %; version 1 lost 46.7 % at förbund/riket level), how many cells are hidden, how
many hidden figures the attacker's LP can still pin, and how long each takes.

    python benchmarks/disclosure.py [--no-audit]

Loads the demo data into a throwaway SQLite file; prints its figures.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def lost_share(pooled, published, k):
    keys = ["forbund", "insats", "year", "respondent_group", "indicator"]
    sizes = pooled[pooled.gender.isin(["kvinna", "man"])].pivot_table(
        index=keys, columns="gender", values="n_responses", observed=True).dropna()
    both = sizes[(sizes.kvinna >= k) & (sizes.man >= k)].reset_index()
    flags = published[published.gender.isin(["kvinna", "man"])].pivot_table(
        index=keys, columns="gender", values="suppressed", observed=True).reset_index()
    merged = both.merge(flags, on=keys, suffixes=("_n", ""))
    lost = (merged["kvinna"].astype(int) == 1) | (merged["man"].astype(int) == 1)
    own = merged["insats"].eq("alla")
    return lost[own].mean(), int(own.sum()), lost.mean(), len(merged)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-audit", action="store_true", help="the set rules only, without the LP audit")
    args = parser.parse_args()
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
    from indicators.compute import _keys, _pooled, indicator_counts, indicator_table
    from indicators import protection
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
        runs.append(("as the pages run it" if audit else "set rules only", table, seconds))
    live = indicator_table(raw, k=k, by_gender=True, national=True, by_insats=True)
    assert int(live["suppressed"].sum()) == int(runs[-1][1]["suppressed"].sum()), "indicator_table is the engine"
    print(f"demo indicator table: {len(live)} cells, k = {k}")
    for name, table, seconds in runs:
        own, n_own, every, n_every = lost_share(pooled, table, k)
        print(f"{name:20} {seconds:6.2f} s  hidden {int(table['suppressed'].astype(int).sum()):5}  "
              f"comparisons lost: förbund/riket {own:5.1%} of {n_own}, all levels {every:5.1%} of {n_every}")


if __name__ == "__main__":
    main()
