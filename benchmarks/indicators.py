"""Benchmark: `export indicators --by gender` over all years on a large data set.

Creates N responses (default 1,000,000: 80 förbund × 10 years × all six respondent groups) in a
SQLite file and in a throwaway PostgreSQL cluster, fills the count cells with `recount` (the same
rebuild restore and `flask --app survey recount` use; timed), then prints, for each database, the
time and peak memory of the export (which reads the cells) next to the time of one bare SQL GROUP
BY over the raw answers that counts the same cells, one bare GROUP BY over the cell table, and
the ratios. The first export solves every block's disclosure, LP audit included (its share is
printed); the second remembers the blocks, as a rebuild after a release does. The export computes the whole national table the dashboards pick from (by gender and
insats, disclosure over all förbund) and is timed with that table's cache emptied; then the same
export from the kept table (one data-version read and the pick). Targets: under 3 s, within 2× of the bare query, under 1 GB.

    python benchmarks/indicators.py [--responses 1000000] [--skip-postgres] [--keep DIR]

Each measurement runs in a fresh child process so its peak memory (ru_maxrss) is its own, not
the data generator's. Each query is run twice and the faster run is reported (warm cache).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FINSAM_ENV", "development")

GROUP_SHARE = {"deltagare_pagaende": 0.30, "deltagare_avslut": 0.25, "insatspersonal": 0.15,
               "styrelse": 0.05, "chefer": 0.10, "remittenter": 0.15}
KON = np.array(["kvinna", "man", "annat", "ej_svar"], dtype=object)
BARE_SQL = """
SELECT r.forbund_id, r.year, r.respondent_group, r.kon, a.question_id,
       COUNT(*), SUM(CASE WHEN a.value <= 2 THEN 1 ELSE 0 END)
FROM answer a JOIN response r ON r.id = a.response_id
WHERE a.value BETWEEN 1 AND 4
GROUP BY r.forbund_id, r.year, r.respondent_group, r.kon, a.question_id
"""
BARE_CELLS_SQL = """
SELECT forbund_id, year, respondent_group, kon, indicator, SUM(n_responses), SUM(valid), SUM(positive)
FROM indicator_cell
GROUP BY forbund_id, year, respondent_group, kon, indicator
"""


# --------------------------------------------------------------------------- data
def chunks(n_responses: int, n_forbund: int, years: list[int], seed: int = 7, per_chunk: int = 100_000):
    """Yield (responses DataFrame, answers DataFrame) in chunks; ids run from 1."""
    from indicators.instrument import get_instrument

    rng = np.random.default_rng(seed)
    cells = [(f, y, g) for f in range(1, n_forbund + 1) for y in years for g in GROUP_SHARE]
    weights = np.array([GROUP_SHARE[g] for _f, _y, g in cells])
    cell_of = rng.choice(len(cells), size=n_responses, p=weights / weights.sum())
    cell_of.sort()  # responses of one cell together, as campaigns deliver them
    next_id = 1
    for start in range(0, n_responses, per_chunk):
        part = cell_of[start:start + per_chunk]
        ids = np.arange(next_id, next_id + len(part))
        next_id += len(part)
        f = np.array([cells[c][0] for c in part])
        y = np.array([cells[c][1] for c in part])
        g = np.array([cells[c][2] for c in part], dtype=object)
        version = np.where(y < 2021, "2017-A", "2021-A").astype(object)
        participant = np.isin(g, ["deltagare_pagaende", "deltagare_avslut"])
        kon = np.where(participant, KON[rng.choice(4, size=len(part), p=[0.55, 0.40, 0.02, 0.03])], None)
        responses = pd.DataFrame({
            "id": ids, "response_key": [f"b{i}" for i in ids], "forbund_id": f, "insats_id": f,
            "year": y, "respondent_group": g, "instrument_version": version, "kon": kon,
        })
        answer_parts = []
        for (grp, ver), rows in responses.groupby(["respondent_group", "instrument_version"]).groups.items():
            inst = get_instrument(ver)
            questions = [q.id for q in inst.questionnaire(grp, optional={"omsorg", "vald_rutin"}) if q.scale]
            rid = responses.loc[rows, "id"].to_numpy()
            values = rng.choice([1, 2, 3, 4, 9, 0], size=(len(rid), len(questions)),
                                p=[0.35, 0.35, 0.12, 0.06, 0.07, 0.05])
            janej = [i for i, q in enumerate(questions) if inst.questions[q].scale.code == "janej"]
            values[:, janej] = np.where(np.isin(values[:, janej], (3, 4)), 2, values[:, janej])  # Ja/Nej
            keep = values != 0
            answer_parts.append(pd.DataFrame({
                "response_id": np.repeat(rid, len(questions))[keep.ravel()],
                "question_id": np.tile(np.array(questions, dtype=object), len(rid))[keep.ravel()],
                "value": values.ravel()[keep.ravel()],
            }))
        yield responses, pd.concat(answer_parts, ignore_index=True)


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def base_rows(n_forbund: int):
    forbund = [(i, f"f{i:03d}", f"Förbund {i}", 24) for i in range(1, n_forbund + 1)]
    insats = [(i, i, "insats", "Insats") for i in range(1, n_forbund + 1)]
    return forbund, insats


RESPONSE_COLS = ["id", "response_key", "forbund_id", "insats_id", "year", "respondent_group",
                 "instrument_version", "kon"]


def load_sqlite(path: Path, args) -> int:
    import sqlite3

    migrate(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    forbund, insats = base_rows(args.forbund)
    con.executemany("INSERT INTO forbund (id, code, name, free_text_retention_months) VALUES (?,?,?,?)", forbund)
    con.executemany("INSERT INTO insats (id, forbund_id, code, name) VALUES (?,?,?,?)", insats)
    n_answers = 0
    for responses, answers in chunks(args.responses, args.forbund, args.years):
        con.executemany(f"INSERT INTO response ({', '.join(RESPONSE_COLS)}) VALUES ({', '.join('?' * 8)})",
                        responses[RESPONSE_COLS].astype(object).itertuples(index=False, name=None))
        con.executemany("INSERT INTO answer (response_id, question_id, value) VALUES (?,?,?)",
                        zip(answers["response_id"].tolist(), answers["question_id"].tolist(),
                            answers["value"].tolist()))
        n_answers += len(answers)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return n_answers


def load_postgres(url: str, dsn: str, args) -> int:
    import psycopg

    migrate(url)
    n_answers = 0
    with psycopg.connect(dsn) as con:
        forbund, insats = base_rows(args.forbund)
        with con.cursor() as cur:
            cur.executemany("INSERT INTO forbund (id, code, name, free_text_retention_months) VALUES (%s,%s,%s,%s)", forbund)
            cur.executemany("INSERT INTO insats (id, forbund_id, code, name) VALUES (%s,%s,%s,%s)", insats)
            for responses, answers in chunks(args.responses, args.forbund, args.years):
                for table, df in (("response", responses[RESPONSE_COLS]), ("answer", answers)):
                    buffer = io.StringIO()
                    df.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
                    with cur.copy(f"COPY {table} ({', '.join(df.columns)}) FROM STDIN") as copy:
                        copy.write(buffer.getvalue())
                n_answers += len(answers)
        con.commit()
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("VACUUM ANALYZE")
    return n_answers


# --------------------------------------------------------------------------- measuring
RECOUNT = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from survey import create_app
from survey.figures import cells
from survey.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "bench"})
with app.app_context():
    t = time.perf_counter()
    n_indicator, n_question = cells.rebuild(db.session)
    db.session.commit()
    out = {"seconds": time.perf_counter() - t, "indicator_cells": n_indicator, "question_cells": n_question}
out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[2])
from sqlalchemy import text
from survey import create_app
from survey.figures import cache, exports
from indicators import protection
from survey.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "bench"})
out = {"export": [], "bare": [], "bare_cell_table": [], "audit": []}
audit_seconds = [0.0]
real_audit = protection._Engine._audit_until_safe


def timed_audit(self, *args, **kwargs):
    # Passes everything through: the repair's retries call it with arguments and read its answer.
    t = time.perf_counter()
    try:
        return real_audit(self, *args, **kwargs)
    finally:
        audit_seconds[0] += time.perf_counter() - t


protection._Engine._audit_until_safe = timed_audit
with app.app_context():
    for _ in range(2):
        t = time.perf_counter()
        cells = db.session.execute(text(sys.argv[3])).all()
        out["bare"].append(time.perf_counter() - t)
        t = time.perf_counter()
        cell_rows = db.session.execute(text(sys.argv[4])).all()
        out["bare_cell_table"].append(time.perf_counter() - t)
        db.session.rollback()
        cache.clear()  # time the whole computation, not a pick from the kept table
        if not out["export"]:
            protection._MEMO.clear()  # the first run solves every block; the second remembers them
        audit_seconds[0] = 0.0
        t = time.perf_counter()
        table = exports.indicators_export(by_gender=True, k=5)
        with open(os.devnull, "w") as fh:
            exports.write_csv(table, fh)
        out["export"].append(time.perf_counter() - t)
        out["audit"].append(audit_seconds[0])
    out["rows"] = len(table)
    sys.path.insert(0, sys.argv[2] + "/benchmarks")
    from disclosure import lost_share
    from indicators.compute import indicator_counts
    from survey.figures import counts, tables
    pooled = indicator_counts(counts.indicator_counts(by_insats=True), by_gender=True, by_insats=True)
    published = tables.indicators(5)
    published = published.assign(**{c: published[c].astype(str) for c in ("forbund", "insats", "respondent_group", "gender")})
    out["lost"] = lost_share(pooled, published, 5)
    out["bare_cells"] = len(cells)
    out["cell_table_rows"] = len(cell_rows)
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The export picks from the national table the dashboards use, kept under the data version:
    # once built, a later export (or page) costs one data-version read and the pick.
    hits = []
    for _ in range(20):
        t = time.perf_counter()
        exports.indicators_export(by_gender=True, k=5)
        hits.append(time.perf_counter() - t)
        db.session.rollback()
    out["export_cached"] = sorted(hits)[len(hits) // 2]
out["maxrss_all_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _child(script: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def recount(url: str) -> dict:
    return _child(RECOUNT, url, str(ROOT))


def measure(url: str) -> dict:
    return _child(CHILD, url, str(ROOT), BARE_SQL, BARE_CELLS_SQL)


def report(name: str, load_seconds: float, n_answers: int, r: dict, m: dict) -> None:
    export, bare, bare_cells = m["export"][0], min(m["bare"]), min(m["bare_cell_table"])
    print(f"{name:<11} load {load_seconds:6.1f} s ({n_answers:,} answers) | recount {r['seconds']:5.2f} s "
          f"({r['indicator_cells']:,} indicator cells, {r['question_cells']:,} question cells, "
          f"peak {r['maxrss_mb']:,.0f} MB)", flush=True)
    print(f"{'':<11} export --by gender {export:5.2f} s ({m['rows']:,} rows), peak memory {m['maxrss_mb']:,.0f} MB | "
          f"bare GROUP BY answers {bare:5.2f} s ({m['bare_cells']:,} cells), ratio {export / bare:4.2f} | "
          f"bare GROUP BY cell table {bare_cells:6.3f} s ({m['cell_table_rows']:,} rows), "
          f"ratio {export / bare_cells:5.1f}", flush=True)
    lost = m["lost"]
    print(f"{'':<11} women-vs-men comparisons (both >= 5) hidden: förbund/riket {lost['own']:5.1%} of "
          f"{lost['n_own']:,} (riket alone {lost['riket']:5.1%} of {lost['n_riket']:,}; no safe pattern "
          f"loses under {lost['floor']:5.1%}), all levels {lost['every']:5.1%} of {lost['n_every']:,}", flush=True)
    print(f"{'':<11} of which the LP audit {m['audit'][0]:5.2f} s ({m['audit'][0] / export:4.0%}); built again with "
          f"every block remembered (a release that moved nothing): {m['export'][1]:5.2f} s", flush=True)
    print(f"{'':<11} the same export from the kept national table: {m['export_cached'] * 1000:5.1f} ms "
          f"(median of 20), peak memory {m['maxrss_all_mb']:,.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--forbund", type=int, default=80)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--keep", help="folder for the SQLite file (default: a temporary one)")
    args = parser.parse_args()
    args.years = list(range(2025 - args.years + 1, 2026))
    print(f"{args.responses:,} responses, {args.forbund} förbund × {len(args.years)} years × 6 groups", flush=True)

    folder = Path(args.keep or tempfile.mkdtemp(prefix="finsam-bench-"))
    if not args.skip_sqlite:
        path = folder / "bench.sqlite"
        path.unlink(missing_ok=True)
        t = time.perf_counter()
        n = load_sqlite(path, args)
        seconds = time.perf_counter() - t
        url = f"sqlite:///{path}"
        report("SQLite", seconds, n, recount(url), measure(url))
    if not args.skip_postgres:
        from tests.support.postgres import PostgresServer

        server = PostgresServer().start()
        try:
            server.execute("CREATE DATABASE bench")
            url = server.url("bench")
            t = time.perf_counter()
            n = load_postgres(url, f"host=127.0.0.1 port={server.port} user=postgres dbname=bench", args)
            seconds = time.perf_counter() - t
            report("PostgreSQL", seconds, n, recount(url), measure(url))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
