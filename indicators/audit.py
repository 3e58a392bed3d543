"""The attacker's linear program (DISCLOSURE.md rule 2): what can be solved from a published table?

The disclosure engine (disclosure.py) hides cells and then asks this module, the way τ-Argus and
sdcTable audit a suppression pattern, whether an attacker who sees every shown figure and knows
how the table adds up can pin any hidden figure to one value. The attacker's knowledge, written as
a linear program over the unknown counts of the hidden cells:

- every shown figure (a sum of a cell's atom counts, e.g. n_responses, or arbete + subventionerat
  for the work numerator) equals its published value;
- totals are the sums of their members, atom by atom (kvinna + man + övriga = alla, insatser add
  up to the förbund, förbund to riket); a missing row is zero (absent cells are not variables);
- a hidden cell's reason is public: `few` means its count lies in [floor, k − 1], `protects`
  means at least k;
- counts are non-negative, and ordered where the instrument orders them (positive ≤ valid).

A hidden figure is *exposed* when the set of values the program allows holds a single whole
number. Most hidden figures are shown to be free cheaply: one program over every unknown of the
table is solved in a few random directions (both senses), and a figure that takes two different
whole values among those solutions is free. Only the figures left over get their own minimum and
maximum, on the same model, warm-started. HiGHS (highspy) solves them; it imports in 0.1 s where
scipy.optimize takes 0.5–0.8 s, which every report process would pay.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Exposure", "LinearTable", "exposed", "exposed_to_insiders", "span_test"]

_EPS = 1e-6
FOCUSED_DIRECTIONS = 12
"""Extra pairs of solves, at most, that weigh only the figures the first directions could not move."""
CONFIRM_ALWAYS = 4
"""So few figures left over are confirmed one by one straight away."""
CONFIRM_SHARE = 0.25
CONFIRM_AT_MOST = 64
"""Figures left over after those are confirmed one by one (two solves each) up to this many."""


@dataclass
class LinearTable:
    """A table as the attacker sees it. C cells, A atoms per cell, K row kinds per cell.

    atoms:   (C, A) true atom counts (known to the engine, never to the attacker).
    figures: per kind, an (F, A) 0/1 matrix: the published figures of a row of that kind;
             figure 0 is the row's threshold count.
    floors:  per kind, the smallest count a `few` row can have (1 where a row exists only with a
             response, 0 otherwise).
    hidden:  (K, C) bool; few: (K, C) bool (hidden because its count is under k).
    sets:    per sibling-set family, (set id per cell, -1 for none; is-total per cell).
    order:   atom pairs (i, j) with atom i ≤ atom j in every cell.
    """

    atoms: np.ndarray
    figures: list[np.ndarray]
    floors: list[int]
    hidden: np.ndarray
    few: np.ndarray
    sets: list[tuple[np.ndarray, np.ndarray]]
    order: tuple[tuple[int, int], ...]
    k: int
    public: np.ndarray | None = None
    """(K, C) bool: rows not shown but no secret (riket of too few förbund): unknowns of the
    program, never its objectives."""


@dataclass(frozen=True)
class Exposure:
    """A hidden figure an attacker can pin: kind, cell, its atom vector, and its range."""

    kind: int
    cell: int
    vector: tuple[int, ...]
    low: float
    high: float


def span_test(figures: list[np.ndarray], pattern: int, n_atoms: int):
    """A test 'can this atom vector be worked out from the figures of the shown kinds?' for a
    cell whose shown kinds are the bits of `pattern`. Answers are kept per figures, pattern and
    vector (_SPANS): the repair asks the same few questions hundreds of thousands of times."""
    rows = [f for kind, f in enumerate(figures) if pattern >> kind & 1]
    key = (pattern, n_atoms, tuple((f.shape, f.tobytes()) for f in rows))
    answers = _SPANS.get(key)
    if answers is None:
        if len(_SPANS) > 4096:
            _SPANS.clear()
        answers = _SPANS[key] = {}
    basis = np.vstack(rows).astype(float) if rows else np.zeros((0, n_atoms))
    rank = np.linalg.matrix_rank(basis) if len(basis) else 0

    def in_span(vector):
        vector = np.asarray(vector)
        seen = answers.get(vector.tobytes())
        if seen is None:
            if rank == 0:
                seen = not np.any(vector)
            else:
                seen = bool(np.linalg.matrix_rank(np.vstack([basis, vector])) == rank)
            answers[vector.tobytes()] = seen
        return seen
    return in_span


_SPANS: dict = {}


def _span_masks(figures: list[np.ndarray], patterns: np.ndarray, n_atoms: int):
    """Per shown-kinds pattern: which atoms are determined, and its span test."""
    out = {}
    eye = np.eye(n_atoms, dtype=np.int64)
    for pattern in np.unique(patterns):
        in_span = span_test(figures, int(pattern), n_atoms)
        known = np.array([in_span(eye[a]) for a in range(n_atoms)], dtype=bool)
        out[int(pattern)] = (known, in_span)
    return out


class _Rows:
    """Constraint rows collected as triplets, then handed to HiGHS in CSR form."""

    def __init__(self) -> None:
        self.row, self.col, self.val, self.lower, self.upper = [], [], [], [], []
        self.count = 0

    def add(self, row_ids: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_new: int,
            lower: np.ndarray, upper: np.ndarray) -> None:
        self.row.append(row_ids + self.count)
        self.col.append(cols)
        self.val.append(vals)
        self.lower.append(lower)
        self.upper.append(upper)
        self.count += n_new

    def csr(self):
        row = np.concatenate(self.row) if self.row else np.zeros(0, np.int64)
        col = np.concatenate(self.col) if self.col else np.zeros(0, np.int64)
        val = np.concatenate(self.val) if self.val else np.zeros(0)
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], np.arange(self.count))
        lower = np.concatenate(self.lower) if self.lower else np.zeros(0)
        upper = np.concatenate(self.upper) if self.upper else np.zeros(0)
        return lower, upper, starts.astype(np.int32), col[order].astype(np.int32), val[order].astype(float)


def exposed(table: LinearTable, cells: np.ndarray | None = None, *, directions: int = 2,
            seed: int = 0) -> list[Exposure]:
    """Every hidden figure of `cells` (default: all) that the attacker's program pins to one
    whole number. `cells` must be closed under the sibling sets (whole blocks)."""
    program = _Program.build(table, cells)
    if program is None:
        return []
    return program.pinned(np.ones(program.n_obj, bool), None, directions, seed)


def exposed_to_insiders(table: LinearTable, cells: np.ndarray, insiders: list[tuple[np.ndarray, np.ndarray]],
                        not_theirs: np.ndarray, *, directions: int = 2, seed: int = 0) -> list[list[Exposure]]:
    """For each insider (its own cells, which it knows; the cells whose rows it is checked
    against), the hidden figures of other cells it pins: the outsider's program with the
    insider's atoms fixed at their true values, one model for all insiders (each warm-starts
    from the last). not_theirs: cells never counted against an insider (riket: riket minus its
    own rows is the others' sum, whose rows are objectives themselves). The model keeps every
    reason the insider reads, riket's included.

    Coalitions first (_cleared_by_coalitions): what is free to a group of insiders pooling what
    they know is free to each of them, so most figures are cleared for many insiders at once and
    only the rest get an insider's own solves."""
    program = _Program.build(table, cells)
    if program is None:
        return [[] for _ in insiders]
    masks = [~own[program.obj_cell] & ~not_theirs[program.obj_cell] & scope[program.obj_cell]
             for own, scope in insiders]
    fixed = [program.var[own][program.var[own] >= 0] for own, _scope in insiders]
    cleared = _cleared_by_coalitions(program, masks, fixed, directions, seed)
    out = []
    for mask, own_vars, free in zip(masks, fixed, cleared):
        mask = mask & ~free
        out.append(program.pinned(mask, own_vars, directions, seed) if mask.any() else [])
    return out


COALITIONS_FROM = 6
"""Fewer insiders than this are audited one by one: coalitions would not save solves."""


def _cleared_by_coalitions(program: _Program, masks: list[np.ndarray], fixed: list[np.ndarray],
                           directions: int, seed: int) -> list[np.ndarray]:
    """Per insider, the objectives shown free to it by a coalition's program. A coalition knows
    the atoms of all its members, so its program is the outsider's with all their atoms fixed:
    a subset of each member's, and a figure whose range there holds two whole numbers holds
    them for every member (the witnesses are feasible points of the member's own program). Its
    objectives are the figures no member owns. Insider i sits in coalition i // b of one
    partition and i % b of another (b = ceil(sqrt(n))): any two insiders are apart in at least
    one, so every figure of another insider's is an objective of some coalition of each
    insider; 2·b programs instead of n. A coalition pins more than its members alone (it knows
    more): those figures stay for the members' own programs, nothing is cleared on a guess."""
    n = len(masks)
    cleared = [np.zeros(program.n_obj, bool) for _ in range(n)]
    if n < COALITIONS_FROM:
        return cleared
    index = {key: i for i, key in enumerate(program.keys)}
    base = int(np.ceil(np.sqrt(n)))  # two partitions; three or more of smaller base measured slower
    place = np.arange(n)
    for label in (place // base, place % base):
        for group in np.unique(label):
            members = np.flatnonzero(label == group)
            if len(members) < 2:
                continue  # a coalition of one is the insider's own program, solved below
            mask = np.logical_and.reduce([masks[m] for m in members])
            if not mask.any():
                continue
            own_vars = np.unique(np.concatenate([fixed[m] for m in members]))
            free = mask.copy()
            for e in program.pinned(mask, own_vars, directions, seed):
                free[index[(e.cell, e.vector)]] = False
            # Zeros of rows of k or more are skipped as no exposure, pinned or not: the member's
            # range holds the coalition's, so it pins such a zero at most, which is no exposure
            # either; clearing them is sound.
            for m in members:
                cleared[m] |= free
    return cleared


class _Program:
    """The attacker's program over the audited cells, built once and solved for any set of its
    objectives, optionally with some variables fixed at their true values (an insider's)."""

    @classmethod
    def build(cls, table: LinearTable, cells: np.ndarray | None) -> _Program | None:
        self = cls()
        atoms, figures, k = table.atoms, table.figures, table.k
        n_cells, n_atoms = atoms.shape
        n_kinds = len(figures)
        audited = np.ones(n_cells, bool) if cells is None else np.zeros(n_cells, bool)
        if cells is not None:
            audited[cells] = True
        public = np.zeros_like(table.hidden) if table.public is None else table.public
        hidden = table.hidden & audited & ~public  # riket of too few förbund: no secret of its own
        if not hidden.any():
            return None

        shown = ~(table.hidden | public)
        patterns = np.zeros(n_cells, np.int64)
        for kind in range(n_kinds):
            patterns |= shown[kind].astype(np.int64) << kind
        spans = _span_masks(figures, patterns[audited], n_atoms)

        # Unknown atoms of audited cells are the program's variables.
        unknown = np.zeros((n_cells, n_atoms), bool)
        for pattern, (known, _in_span) in spans.items():
            unknown[(patterns == pattern) & audited] = ~known
        var = np.full((n_cells, n_atoms), -1, np.int64)
        var[unknown] = np.arange(int(unknown.sum()))
        n_vars = int(unknown.sum())
        truth = atoms.astype(float)

        # The objectives: each hidden row's figures that the cell's shown rows do not already publish.
        objectives: dict[tuple[int, tuple[int, ...]], int] = {}
        obj_kind: list[int] = []
        vectors = [[tuple(int(v) for v in vector) for vector in figures[kind]] for kind in range(n_kinds)]
        # Per shown-kinds pattern and kind, the figures its shown rows do not publish already.
        unpublished = {(pattern, kind): [t for vector, t in zip(figures[kind], vectors[kind]) if not in_span(vector)]
                       for pattern, (_known, in_span) in spans.items() for kind in range(n_kinds)}
        for kind in range(n_kinds):
            for cell in np.flatnonzero(hidden[kind]):
                cell = int(cell)
                for vector in unpublished[int(patterns[cell]), kind]:
                    key = (cell, vector)
                    if key in objectives:
                        continue
                    objectives[key] = len(objectives)
                    obj_kind.append(kind)
        if not objectives or n_vars == 0:
            return None

        rows = _Rows()
        # Shown figures of cells with unknown atoms: the figure's unknown part equals its value's.
        for kind in range(n_kinds):
            for vector in figures[kind]:
                support = np.flatnonzero(vector)
                cells_ = np.flatnonzero(shown[kind] & audited & unknown[:, support].any(axis=1))
                if not len(cells_):
                    continue
                _emit_sums(rows, cells_, support, var, truth, exact=True)
        # Totals are sums of their members, atom by atom.
        for set_id, is_total in table.sets:
            in_set = audited & (set_id >= 0)
            for atom in range(n_atoms):
                cells_ = np.flatnonzero(in_set & unknown[:, atom])
                if not len(cells_):
                    continue
                sets_with_unknown, local = np.unique(set_id[cells_], return_inverse=True)
                coef = np.where(is_total[cells_], 1.0, -1.0)
                rhs = np.bincount(local, weights=coef * truth[cells_, atom], minlength=len(sets_with_unknown))
                rows.add(local, var[cells_, atom], coef, len(sets_with_unknown), rhs, rhs)
        # What the hidden reason tells: few -> count in [floor, k-1]; protects -> count >= k.
        for kind in range(n_kinds):
            support = np.flatnonzero(figures[kind][0])
            unseen = hidden[kind] & audited  # public rows' reason tells nothing (always protects)
            small = table.atoms @ figures[kind][0] < k
            for mask, lo, hi in ((unseen & small, table.floors[kind], k - 1),
                                 (unseen & ~small, k, np.inf)):
                cells_ = np.flatnonzero(mask & unknown[:, support].any(axis=1))
                if len(cells_):
                    known_part = (truth[cells_][:, support] * ~unknown[cells_][:, support]).sum(axis=1)
                    _emit_sums(rows, cells_, support, var, truth, exact=False,
                               lower=lo - known_part, upper=hi - known_part)
        # Ordered atoms (positive <= valid): x_i - x_j <= 0, with known atoms moved to the right.
        for i, j in table.order:
            cells_ = np.flatnonzero(audited & (unknown[:, i] | unknown[:, j]))
            if not len(cells_):
                continue
            ui, uj = unknown[cells_, i], unknown[cells_, j]
            rhs = np.where(ui, 0.0, -truth[cells_, i]) + np.where(uj, 0.0, truth[cells_, j])
            local = np.arange(len(cells_))
            r = np.concatenate([local[ui], local[uj]])
            c = np.concatenate([var[cells_[ui], i], var[cells_[uj], j]])
            v = np.concatenate([np.ones(ui.sum()), -np.ones(uj.sum())])
            rows.add(r, c, v, len(cells_), np.full(len(cells_), -np.inf), rhs)

        # Objective vectors over the variables (sparse triplets), and their values at the truth.
        o_row, o_var = [], []
        for (cell, vector), index in objectives.items():
            for atom in np.flatnonzero(vector):
                if var[cell, atom] >= 0:
                    o_row.append(index)
                    o_var.append(var[cell, atom])
        self.o_row, self.o_var = np.array(o_row, np.int64), np.array(o_var, np.int64)
        self.n_obj, self.n_vars, self.var, self.table = len(objectives), n_vars, var, table
        self.keys, self.obj_kind = list(objectives), obj_kind
        self.obj_cell = np.array([key[0] for key in self.keys], np.int64)
        self.few_obj = np.array([bool(table.few[obj_kind[i], key[0]]) for i, key in enumerate(self.keys)], bool)
        self.truth_x = truth[unknown]

        import highspy  # imported here: only table builds that hide something pay for it

        self.highspy = highspy
        solver = _new_solver(highspy)
        self.ceiling = float(max(1, atoms.sum())) * 2 + k  # a bound makes every direction finite
        solver.addCols(n_vars, np.zeros(n_vars), np.zeros(n_vars), np.full(n_vars, self.ceiling),
                       0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.lower, self.upper, self.starts, self.index, self.values = rows.csr()
        self.n_rows = rows.count
        if rows.count:
            solver.addRows(rows.count, self.lower, self.upper, len(self.index), self.starts, self.index, self.values)
        self.solver = solver
        self.row_of = np.repeat(np.arange(rows.count), np.diff(np.append(self.starts, len(self.index))))
        self.component = _components(n_vars, self.row_of, self.index)
        self.first_var = np.full(self.n_obj, -1)
        self.first_var[self.o_row[::-1]] = self.o_var[::-1]
        self._small: dict[int, tuple] = {}
        return self

    def values_at(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.o_row, weights=x[self.o_var], minlength=self.n_obj)

    def _fix(self, solver, cols: np.ndarray, values: np.ndarray | None) -> None:
        """Fix cols at values (None: free them again, 0..ceiling)."""
        if not len(cols):
            return
        lower = np.zeros(len(cols)) if values is None else values
        upper = np.full(len(cols), self.ceiling) if values is None else values
        solver.changeColsBounds(len(cols), cols.astype(np.int32), lower, upper)

    def solve(self, cost: np.ndarray, maximize: bool) -> np.ndarray:
        highspy, solver = self.highspy, self.solver
        solver.changeColsCost(self.n_vars, np.arange(self.n_vars, dtype=np.int32), cost)
        solver.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)
        solver.run()
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"disclosure audit: the attacker's program is {solver.modelStatusToString(solver.getModelStatus())}; "
                               "the true counts must satisfy it, so the table model is wrong")
        return np.asarray(solver.getSolution().col_value)

    def pinned(self, mask: np.ndarray, fixed: np.ndarray | None, directions: int, seed: int) -> list[Exposure]:
        """The objectives in mask that the program pins, with `fixed` variables at their truth."""
        fixed = np.zeros(0, np.int64) if fixed is None else np.asarray(fixed, np.int64)
        self._fix(self.solver, fixed, self.truth_x[fixed])
        try:
            return self._pinned(mask, fixed, directions, seed)
        finally:
            self._fix(self.solver, fixed, None)

    def _pinned(self, mask, fixed, directions, seed) -> list[Exposure]:
        n_obj, n_vars, o_row, o_var = self.n_obj, self.n_vars, self.o_row, self.o_var
        low = self.values_at(self.truth_x)  # the truth is one feasible point
        high = low.copy()
        rng = np.random.default_rng(seed)
        for _ in range(directions):
            weights = rng.uniform(0.5, 1.5, n_obj) * rng.choice((-1.0, 1.0), n_obj) * mask
            cost = np.bincount(o_var, weights=weights[o_row], minlength=n_vars)
            for maximize in (True, False):
                found = self.values_at(self.solve(cost, maximize))
                low, high = np.minimum(low, found), np.maximum(high, found)

        def pinned(lo, hi):
            return np.floor(hi + _EPS) - np.ceil(lo - _EPS) < 1

        few_obj = self.few_obj

        def open_(lo, hi):
            # Still pinned as far as the solves went, and not a zero of a row of k or more (pinned
            # or free, such a figure is no exposure: no solve needed to tell which).
            zero_ok = (hi < 1 - _EPS) & ~few_obj
            return np.flatnonzero(pinned(lo, hi) & ~zero_ok & mask)

        keys, obj_kind, table = self.keys, self.obj_kind, self.table
        left = open_(low, high)
        # Directions that weigh only the figures left over move most of those that are free, at
        # the price of one whole-table solve each instead of two per figure.
        # They go on while they pay: a pair that moves fewer than CONFIRM_SHARE of what is left
        # costs more than confirming those one by one would save.
        for _ in range(FOCUSED_DIRECTIONS):
            if len(left) <= CONFIRM_ALWAYS:
                break
            weights = np.zeros(n_obj)
            weights[left] = rng.uniform(0.5, 1.5, len(left)) * rng.choice((-1.0, 1.0), len(left))
            cost = np.bincount(o_var, weights=weights[o_row], minlength=n_vars)
            for maximize in (True, False):
                found = self.values_at(self.solve(cost, maximize))
                low, high = np.minimum(low, found), np.maximum(high, found)
            before, left = len(left), open_(low, high)
            if before - len(left) < CONFIRM_SHARE * before and len(left) <= CONFIRM_AT_MOST:
                break
        if not len(left):
            return []
        if len(left) > CONFIRM_AT_MOST:
            # Too many to confirm one by one: what no direction could move counts as pinned (the
            # safe side: at worst a row more is hidden than needed).
            return [Exposure(obj_kind[obj], keys[obj][0], keys[obj][1], float(low[obj]), float(high[obj]))
                    for obj in left if not _zero_of_k(table, obj_kind[obj], keys[obj][0], high[obj])]
        # The figures left over: their own minimum and maximum, each on the small program of its
        # connected component (the variables its equations reach), not on the whole table's.
        out = []
        by_component: dict[int, list[int]] = {}
        for obj in left:
            by_component.setdefault(int(self.component[self.first_var[obj]]), []).append(int(obj))
        highspy = self.highspy
        for comp, objs in by_component.items():
            small, cols, local = self._component(comp)
            mine = fixed[self.component[fixed] == comp]
            self._fix(small, local[mine], self.truth_x[mine])
            try:
                for obj in objs:
                    cost = np.zeros(len(cols))
                    np.add.at(cost, local[o_var[o_row == obj]], 1.0)
                    ends = []
                    for sense in (highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize):
                        small.changeColsCost(len(cols), np.arange(len(cols), dtype=np.int32), cost)
                        small.changeObjectiveSense(sense)
                        small.run()
                        if small.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                            raise RuntimeError("disclosure audit: a component's program has no optimum")
                        ends.append(small.getInfo().objective_function_value)
                    hi, lo = ends
                    if pinned(lo, hi):
                        cell, vector = keys[obj]
                        if _zero_of_k(table, obj_kind[obj], cell, hi):
                            continue
                        out.append(Exposure(obj_kind[obj], cell, vector, float(lo), float(hi)))
            finally:
                self._fix(small, local[mine], None)
        return out

    def _component(self, comp: int):
        """The small program of one connected component (built once, kept for the next insider)."""
        if comp in self._small:
            return self._small[comp]
        highspy = self.highspy
        cols = np.flatnonzero(self.component == comp)
        local = np.full(self.n_vars, -1)
        local[cols] = np.arange(len(cols))
        keep = self.component[self.index] == comp
        sub_rows = np.unique(self.row_of[keep])
        row_local = np.full(self.n_rows, -1)
        row_local[sub_rows] = np.arange(len(sub_rows))
        r, c, v = row_local[self.row_of[keep]], local[self.index[keep]], self.values[keep]
        order = np.argsort(r, kind="stable")
        small = _new_solver(highspy)
        small.addCols(len(cols), np.zeros(len(cols)), np.zeros(len(cols)), np.full(len(cols), self.ceiling),
                      0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        small.addRows(len(sub_rows), self.lower[sub_rows], self.upper[sub_rows], len(r),
                      np.searchsorted(r[order], np.arange(len(sub_rows))).astype(np.int32),
                      c[order].astype(np.int32), v[order])
        self._small[comp] = (small, cols, local)
        return self._small[comp]


_banner_shown = False


def _new_solver(highspy):
    """A quiet primal-simplex solver. The first Highs() of a process prints HiGHS's banner to
    standard output before any option can silence it, and `flask export … > file.csv` would
    start with it: that construction writes to /dev/null (C's buffers flushed before the
    descriptor comes back)."""
    global _banner_shown
    if _banner_shown:
        solver = highspy.Highs()
    else:
        import ctypes
        import os
        import sys

        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            solver = highspy.Highs()
            ctypes.CDLL(None).fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_shown = True
    _quiet_primal(solver)
    return solver


def _quiet_primal(solver) -> None:
    """No log; the primal simplex. Solve after solve only the objective changes, so the last
    optimum stays a feasible start (and after an insider's fixings, nearly one): on sparse
    national tables it solved in about half the time of HiGHS's default (dual) choice."""
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("simplex_strategy", 4)


def _zero_of_k(table: LinearTable, kind: int, cell: int, high: float) -> bool:
    """A zero pinned in a row of k or more responses is no exposure: "0 of n" is a figure the
    product could show for that row itself (a zero cell is no small group). A zero in a row of
    fewer than k stays one: it tells about those few people."""
    return high < 1 - _EPS and not table.few[kind, cell]


def _components(n_vars: int, row_of: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Connected components of the variables (two are connected when a row holds both): the
    smallest variable id of each, found by propagating minimum labels through the rows."""
    label = np.arange(n_vars)
    if not len(cols):
        return label
    n_rows = int(row_of.max()) + 1
    while True:
        row_min = np.full(n_rows, n_vars)
        np.minimum.at(row_min, row_of, label[cols])
        new = label.copy()
        np.minimum.at(new, cols, row_min[row_of])
        new = new[new]  # jump: follow labels to their own label
        if np.array_equal(new, label):
            return label
        label = new


def _emit_sums(rows: _Rows, cells: np.ndarray, support: np.ndarray, var: np.ndarray, truth: np.ndarray,
               *, exact: bool, lower=None, upper=None) -> None:
    """One row per cell: the sum of the cell's unknown atoms in `support`."""
    sub_var = var[cells][:, support]
    local, which = np.nonzero(sub_var >= 0)
    if exact:
        rhs = (truth[cells][:, support] * (sub_var >= 0)).sum(axis=1)
        lower = upper = rhs
    rows.add(local, sub_var[local, which], np.ones(len(local)), len(cells),
             np.asarray(lower, float) * np.ones(len(cells)), np.asarray(upper, float) * np.ones(len(cells)))
