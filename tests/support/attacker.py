"""An attacker's linear program over PUBLISHED tables, written apart from the engine's own audit
(indicators/audit.py) and solved with scipy's linprog: what the independent audit of issue 9 does.

The attacker sees the published rows only (shown figures, hidden flags and reasons, which rows
exist) and knows how they add up (DISCLOSURE.md, "Who the attacker is"). For every hidden figure
it computes the smallest and largest value the published tables allow; a hidden figure whose
range holds one whole number is solved.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

INDICATOR_ATOMS = {"n_responses": ("n_responses",), "valid": ("valid",), "positive": ("positive",)}
OUTCOME_ATOMS = ("arbete", "subventionerat_arbete", "studier", "sjukskriven", "ovrigt")
OUTCOME_RATES = {  # rate -> (n atoms, numerator atoms)
    "work": (OUTCOME_ATOMS, ("arbete", "subventionerat_arbete")),
    "subsidised_work": (OUTCOME_ATOMS, ("subventionerat_arbete",)),
    "studies": (OUTCOME_ATOMS, ("studier",)),
    "work_or_studies": (OUTCOME_ATOMS, ("arbete", "subventionerat_arbete", "studier")),
    "subsidised_share_of_work": (("arbete", "subventionerat_arbete"), ("subventionerat_arbete",)),
    "sick_leave": (OUTCOME_ATOMS, ("sjukskriven",)),
}


@dataclass
class Solved:
    row: dict
    figure: str
    low: float
    high: float


class Attack:
    """Variables per published cell and atom; equations from shown figures and sums."""

    def __init__(self, k: int):
        self.k = k
        self.var: dict[tuple, int] = {}
        self.eq: list[tuple[dict[int, float], float]] = []
        self.ub: list[tuple[dict[int, float], float]] = []  # sum <= value
        self.targets: list[tuple[dict, str, dict[int, float]]] = []

    def v(self, cell, atom) -> int:
        return self.var.setdefault((cell, atom), len(self.var))

    def sum_of(self, cell, atoms) -> dict[int, float]:
        return {self.v(cell, a): 1.0 for a in atoms}

    def solved(self) -> list[Solved]:
        n = len(self.var)
        if not self.targets:
            return []

        def matrix(rows):
            r, c, v = [], [], []
            for i, (coefs, _b) in enumerate(rows):
                for j, value in coefs.items():
                    r.append(i), c.append(j), v.append(value)
            m = sparse.csr_matrix((v, (r, c)), shape=(len(rows), n))
            return m, np.array([b for _c, b in rows], float)

        a_eq, b_eq = matrix(self.eq) if self.eq else (None, None)
        a_ub, b_ub = matrix(self.ub) if self.ub else (None, None)
        out = []
        for row, figure, coefs in self.targets:
            c = np.zeros(n)
            for j, value in coefs.items():
                c[j] = value
            ends = []
            for sign in (1, -1):
                res = linprog(sign * c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                              bounds=[(0, None)] * n, method="highs")
                if res.status == 3:  # unbounded: free
                    ends.append(np.inf * sign * -1)
                    continue
                assert res.status == 0, f"attacker LP failed: {res.message}"
                ends.append(sign * res.fun)
            low, high = ends[0], ends[1]
            if np.floor(high + 1e-6) - np.ceil(low - 1e-6) < 1:
                out.append(Solved(row, figure, low, high))
        return out


def _add_rows(attack: Attack, rows: pd.DataFrame, key_cols, kind_col, kinds, floor: int) -> None:
    """Shown figures become equations, hidden reasons become bounds, hidden figures targets. A
    riket row of fewer than three förbund is hidden by rule 4 whatever its count: its reason
    bounds nothing."""
    k = attack.k
    for rec in rows.to_dict("records"):
        cell = tuple(rec[c] for c in key_cols)
        kind = kinds[rec[kind_col]] if kind_col else kinds
        if int(rec["suppressed"]) == 0:
            for figure, summed in kind.items():
                attack.eq.append((attack.sum_of(cell, summed), float(rec[figure])))
            continue
        count = attack.sum_of(cell, next(iter(kind.values())))
        same_kind = rows[rows[kind_col].eq(rec[kind_col])] if kind_col else rows
        if _national_of_too_few(same_kind, rec, key_cols):
            for figure, summed in kind.items():
                attack.targets.append((rec, figure, attack.sum_of(cell, summed)))
            continue
        if rec["hidden_reason"] == "few":
            attack.ub.append((count, k - 1.0))
            attack.ub.append(({j: -1.0 for j in count}, -float(floor)))
        else:
            assert rec["hidden_reason"] == "protects", rec
            attack.ub.append(({j: -1.0 for j in count}, -float(k)))
        for figure, summed in kind.items():
            attack.targets.append((rec, figure, attack.sum_of(cell, summed)))


def _add_sums(attack: Attack, cells: list[tuple], key_cols, dims: dict[str, object], atoms,
              restrict=None) -> list[tuple[tuple, list[tuple]]]:
    """Totals equal the sums of their members, atom by atom; returns (total, members) pairs."""
    pairs = []
    for dim, total in dims.items():
        i = key_cols.index(dim)
        groups = defaultdict(list)
        for cell in cells:
            if restrict and not restrict(dim, cell):
                continue
            groups[cell[:i] + cell[i + 1:]].append(cell)
        for group in groups.values():
            tot = [c for c in group if c[i] == total]
            members = [c for c in group if c[i] != total]
            if not tot or not members:
                continue
            pairs.append((tot[0], members))
            for atom in atoms:
                coefs = {attack.v(tot[0], atom): 1.0}
                for m in members:
                    coefs[attack.v(m, atom)] = coefs.get(attack.v(m, atom), 0.0) - 1.0
                attack.eq.append((coefs, 0.0))
    return pairs


def attack_indicators(table: pd.DataFrame, k: int, floor: int = 0) -> list[Solved]:
    """Solve a published indicator table (with or without insats), block by block. floor: what
    a `few` row holds at least (0: a row may exist for responses without a valid answer)."""
    key_cols = [c for c in ("forbund", "insats", "gender") if c in table.columns]
    solved = []
    for _block, rows in table.groupby(["year", "respondent_group", "indicator"]):
        attack = Attack(k)
        _add_rows(attack, rows, key_cols, None, INDICATOR_ATOMS, floor=floor)
        cells = list(dict.fromkeys(tuple(r) for r in rows[key_cols].itertuples(index=False)))
        for cell in cells:  # n_responses <= valid, positive <= valid
            attack.ub.append(({attack.v(cell, "n_responses"): 1.0, attack.v(cell, "valid"): -1.0}, 0.0))
            attack.ub.append(({attack.v(cell, "positive"): 1.0, attack.v(cell, "valid"): -1.0}, 0.0))
        dims = {"gender": "alla", "forbund": "riket"}
        if "insats" in key_cols:
            dims["insats"] = "alla"

        def restrict(dim, cell):  # riket sums the förbund's own rows (insats alla)
            return dim != "forbund" or "insats" not in key_cols or cell[key_cols.index("insats")] == "alla"
        _add_sums(attack, cells, key_cols, dims, tuple(INDICATOR_ATOMS), restrict)
        solved += [s for s in attack.solved() if not _national_of_too_few(rows, s.row, key_cols)]
    return solved


def _national_of_too_few(rows: pd.DataFrame, row: dict, key_cols) -> bool:
    """A riket row of fewer than three förbund is not a national figure (DISCLOSURE.md rule 4):
    it is the sum of its förbund's rows, so working it out reveals only what they show (a
    hidden förbund under it is checked as a figure of its own)."""
    if row["forbund"] != "riket" or row.get("hidden_reason") != "protects":
        return False  # rule 4 hides with reason `protects` only
    same = rows[rows["gender"].eq(row["gender"])] if "gender" in rows.columns else rows
    for key in key_cols:  # riket's row of an insats (alla), age band or income source before
        if key not in ("forbund", "gender"):  # sums the förbund's rows of the same
            same = same[same[key].eq(row[key])]
    # A förbund contributes where its row rests on something. The attacker is sure of it only
    # for rows shown above 0: a hidden row may hold 0 (an indicator row of responses without a
    # valid answer; a rate row hidden to protect another), so riket's reason tells it something
    # only with three such rows.
    count = same["n"] if "n" in same.columns else same["n_responses"]
    sure = same["suppressed"].astype(int).eq(0) & pd.to_numeric(count, errors="coerce").gt(0)
    return (same["forbund"].ne("riket") & sure).sum() < 3


def attack_outcomes(table: pd.DataFrame, k: int) -> list[Solved]:
    """Solve a published outcome table (all its rates together), per year and source."""
    key_cols = ["forbund", "gender"]
    solved = []
    for _block, rows in table.groupby(["year", "source"]):
        attack = Attack(k)
        kinds = {rate: {"n": n, "numerator": num} for rate, (n, num) in OUTCOME_RATES.items()}
        _add_rows(attack, rows, key_cols, "rate", kinds, floor=0)
        cells = list(dict.fromkeys(tuple(r) for r in rows[key_cols].itertuples(index=False)))
        _add_sums(attack, cells, key_cols, {"gender": "alla", "forbund": "riket"}, OUTCOME_ATOMS)
        # A shown n or numerator that another shown row repeats is no secret: only figures not
        # published elsewhere in the cell count as solved.
        solved += [s for s in attack.solved() if not _published_elsewhere(rows, s, kinds)
                   and not _national_of_too_few(rows[rows["rate"].eq(s.row["rate"])], s.row, key_cols)]
    return solved


def _published_elsewhere(rows: pd.DataFrame, s: Solved, kinds) -> bool:
    cell = rows[(rows.forbund == s.row["forbund"]) & (rows.gender == s.row["gender"]) & (rows.suppressed == 0)]
    wanted = set(kinds[s.row["rate"]][s.figure])
    return any(set(kinds[r][f]) == wanted for r in cell["rate"] for f in ("n", "numerator"))


def pinned_small_groups(table: pd.DataFrame, k: int, dims: dict[str, str], count: str) -> list:
    """Shown totals whose hidden members add up to 1..k-1 responses together."""
    out = []
    keys = [c for c in ("forbund", "insats", "year", "respondent_group", "indicator", "source", "rate", "gender")
            if c in table.columns]
    for dim, total in dims.items():
        rest = [c for c in keys if c != dim]
        for _key, group in table.groupby(rest):
            if dim == "forbund" and "insats" in group.columns:
                group = group[group["insats"].eq("alla")]
            tot = group[group[dim] == total]
            members = group[group[dim] != total]
            if len(tot) != 1 or int(tot["suppressed"].iloc[0]) or not int(members["suppressed"].sum()):
                continue
            hidden_sum = int(tot[count].iloc[0]) - int(members.loc[members.suppressed == 0, count].astype(int).sum())
            if 0 < hidden_sum < k:
                out.append((dim, _key, hidden_sum))
    return out


def national_without_three(table: pd.DataFrame, count: str = "n_responses") -> list:
    """Shown riket rows with fewer than three förbund rows under them."""
    keys = [c for c in ("year", "respondent_group", "indicator", "source", "rate", "gender") if c in table.columns]
    own = table[table["insats"].eq("alla")] if "insats" in table.columns else table
    out = []
    for key, group in own.groupby(keys):
        riket = group[group.forbund == "riket"]
        contributors = group[(group.forbund != "riket")]
        if len(riket) and int(riket["suppressed"].iloc[0]) == 0 and len(contributors) < 3:
            out.append(key)
    return out
