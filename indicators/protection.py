"""Disclosure control, version 2 (DISCLOSURE.md v2): the engine that decides every published figure
(indicator_table, outcome_table, income_after_table and disclosure.suppress call it).

What it adds to version 1:
- rows of several kinds per cell (Kind): the outcome rates share their cell's category counts,
  and a hidden rate that the cell's shown rates give away takes another rate along;
- reasons (FEW, PROTECTS) for every hidden row;
- riket rows need MIN_CONTRIBUTORS förbund (rule 4);
- rule 3's preference: when a set needs another hidden row, its totals and Övriga go before
  kvinna and man (priority), and hidden members under a shown total never add up to 1..k-1;
- the attacker's linear program (audit.py) over the result, with a greedy repair: every figure it
  pins to one value gets the cheapest shown row that pins it hidden too; the same for each
  förbund as an insider that knows its own rows (one program per block, insiders' counts fixed);
- then the comparisons (pair, pair_weight) the greedy repair hid are tried again one by one and
  kept shown where the whole audit still passes and the block loses fewer comparisons.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from .disclosure import (
    DEFAULT_K,
    GENDER_TOTAL,
    OTHER_GENDER,
    SUPPRESSED,
    SiblingSet,
    _ColumnCodes,
    _count_array,
    check_k,
)

__all__ = ["ENGINE_VERSION", "FEW", "HIDDEN_REASON", "LIVE_AUDIT", "BlockStore", "remembered_in", "MIN_CONTRIBUTORS", "PROTECTS", "Kind", "gender_priority", "protect",
           "protect_indicator_cells"]

FEW = "few"
"""hidden_reason of a cell resting on fewer than k responses (rule 5: *färre än k svar*)."""
PROTECTS = "protects"
"""hidden_reason of a cell hidden to protect another figure (*dold för att skydda en annan uppgift*)."""
HIDDEN_REASON = "hidden_reason"
"""Name of the reason column every published table carries: "", FEW or PROTECTS."""
MIN_CONTRIBUTORS = 3
"""Rule 4: a national (riket) figure needs at least this many contributing förbund."""
LIVE_AUDIT = True
"""Whether the published tables (indicator_table, outcome_table, income_after_table) run the
attacker's program and its repair. The set rules alone left 367 hidden figures of the demo
indicator table solvable (bounds combined across sets: kvinna + man = 6 with each under 5, and
each pinned to 3..4 by its insats row), so they do, also with each förbund as an insider that
knows its own rows. Blocks are remembered (_MEMO): after a release only the blocks whose counts
moved are solved again."""


@dataclass(frozen=True)
class Kind:
    """One kind of published row of a cell, as sums of the cell's atom counts.

    figures: (published column, atoms it sums) pairs; the first is the row's threshold count.
    name:    the row's value in the kind column (e.g. the rate code); None for one-kind tables.
    floor:   the smallest count an existing row can have (1 where a cell exists only with a
             response, so a `few` cell holds 1..k-1; 0 where it may hold none, e.g. a rate whose
             denominator leaves out `vet_inte`).
    priority: lower = given up first when a row of this cell must be hidden to protect another.
    """

    figures: tuple[tuple[str, tuple[str, ...]], ...]
    name: object = None
    floor: int = 0
    priority: int = 0
    zero_is_known: bool = False
    """A row whose count is 0 is shown as 0 of 0 (hiding a zero protects nothing, and hiding it
    would take another row along): e.g. the share of work that is subsidised where nobody works."""


def protect(
    cells: pd.DataFrame,
    *,
    atoms: Sequence[str],
    kinds: Sequence[Kind] | None = None,
    kind_col: str | None = None,
    sibling_sets: Iterable[SiblingSet | tuple[Sequence[str], str, object]] = (),
    national: SiblingSet | None = None,
    block: Sequence[str] = (),
    order: Sequence[tuple[str, str]] = (),
    priority: np.ndarray | None = None,
    k: int = DEFAULT_K,
    audit: bool = True,
    min_contributors: int = MIN_CONTRIBUTORS,
    pair: tuple[str, object, object] | None = None,
    pair_weight: np.ndarray | None = None,
    locked: np.ndarray | None = None,
    locked_hidden: np.ndarray | None = None,
    unseen: np.ndarray | None = None,
    show_worked_out: np.ndarray | None = None,
) -> pd.DataFrame:
    """Decide every published figure of a table (rules 1-5); the one function every view's
    figures pass through.

    cells:   one row per cell: key columns and the atom count columns.
    atoms:   the count columns the published figures are sums of (e.g. n_responses, valid,
             positive; or one column per outcome category).
    kinds:   the rows published per cell (default: one row showing each atom, the first atom
             being the threshold count). Several kinds share a cell's atoms, e.g. the outcome
             rates share their denominator, and the share of work that is subsidised has the
             work numerator as its denominator: the audit knows that.
    sibling_sets: families of sets whose total is the sum of its members, atom by atom.
    national: the family whose totals are riket: a riket row needs MIN_CONTRIBUTORS förbund.
    block:   key columns that no set varies (e.g. year, respondent group, indicator): the audit
             solves each block on its own.
    order:   atom pairs (a, b) with a <= b in every cell (positive <= valid).
    priority: per cell, lower = hidden first when a sibling must give way (rule 3: Övriga and
             totals before kvinna and man); ties go to the smaller count, then the lower key.
    pair:    (column, a, b), e.g. ("gender", "kvinna", "man"): rows compared with each other.
             A row whose partner is hidden already is a comparison lost anyway, so it counts as
             cheaper than other kvinna and man rows (not than totals) when one must give way.
    pair_weight: per cell, what its comparison is worth when the engine weighs one pattern
             against another (default 1 each; e.g. an insats's comparison less than a förbund's).
    locked:  per cell, True where an already published table decided its rows (e.g. a förbund's
             outcome rates, the total of its breakdown by insats): their shown/hidden state is
             taken as given (locked_hidden, (kinds, cells) bool: suppressed there) and never
             changed, so that the breakdown is audited jointly with the totals it shares and
             protects the hidden ones, hiding only rows of its own.
    unseen:  per cell, locked hidden rows whose pattern a later call decides (riket's rows of a
             breakdown, decided with the förbund's locked to this call's result). They stay in
             the audit with their reasons, and their figures are protected, except those of a
             row of k or more that the attacker works out whole: the later call shows such a
             row (show_worked_out), since its value is public. Protecting those too hid a
             förbund row under every riket row the förbund's shown rows add up to (at 1M
             records every riket transition row ended hidden).
    show_worked_out: per cell, rows that are shown first wherever the locked rows give every
             figure of them away (rows of k or more, not riket of too few förbund), and never
             hidden again: a hidden row whose value is public protects nothing, and it would
             read as a hidden figure the attacker pins.

    Returns, for each kind in turn, the cells' key columns (with kind_col holding the kind's
    name), the kinds' figure columns, SUPPRESSED (bool) and HIDDEN_REASON.

    Rule 1 hides rows whose count is under k (FEW); rule 4 hides riket rows with fewer than
    MIN_CONTRIBUTORS förbund (PROTECTS). Then, until nothing changes: a set never holds exactly
    one hidden row (the total counting as a row), and hidden members under a shown total never
    add up to fewer than k; then the attacker's linear program (audit.py) is solved over the
    published result, and every hidden figure it pins to one value gets another row of its
    sets hidden, the cheapest by priority. The result passes the audit by construction.
    """
    k = check_k(k)
    atoms = list(atoms)
    if kinds is None:
        kinds = [Kind(tuple((a, (a,)) for a in atoms))]
    kinds = list(kinds)
    sibling_sets = list(sibling_sets)
    priority = np.zeros(len(cells), np.int64) if priority is None else np.asarray(priority, np.int64)
    cells = cells.reset_index(drop=True)
    settings = (tuple(atoms), tuple(kinds), tuple(str(s) for s in sibling_sets), str(national),
                tuple(block), tuple(order), k, audit, min_contributors, pair)
    weight = np.ones(len(cells), np.int64) if pair_weight is None else np.asarray(pair_weight, np.int64)
    locked = np.zeros(len(cells), bool) if locked is None else np.asarray(locked, bool)
    locked_hidden = np.zeros((len(kinds), len(cells)), bool) if locked_hidden is None else \
        np.asarray(locked_hidden, bool).reshape(len(kinds), len(cells)) & locked[None, :]
    # A block's pattern depends on what is locked in it: fold it into the digest.
    unseen = np.zeros(len(cells), bool) if unseen is None else np.asarray(unseen, bool) & locked
    show_worked_out = np.zeros(len(cells), bool) if show_worked_out is None else \
        np.asarray(show_worked_out, bool) & ~locked
    n_kinds = len(kinds)
    lock_bits = locked.astype(np.int64) + sum((locked_hidden[i].astype(np.int64) << (i + 1)) for i in range(n_kinds)) \
        + (unseen.astype(np.int64) << (n_kinds + 1)) + (show_worked_out.astype(np.int64) << (n_kinds + 2))
    salt = priority * 65_537 + weight
    if locked.any():  # tables without locked rows keep their digests (and stored patterns)
        salt = (salt << (n_kinds + 3)) + lock_bits
    block_id, digests = _block_digests(cells, block, salt)
    memo = _MEMO.setdefault(settings, {})
    if len(memo) > _MEMO_BLOCKS:
        memo.clear()
    todo = np.array([d not in memo for d in digests], bool)
    store, store_key = _STORE.get(), _settings_key(settings)
    if store is not None and todo.any():
        sizes = np.bincount(block_id, minlength=len(digests))
        found = store.load(store_key, [digests[b] for b in np.flatnonzero(todo)])
        for b in np.flatnonzero(todo):
            if digests[b] in found:
                memo[digests[b]] = _unpack(found[digests[b]], len(kinds), int(sizes[b]))
                todo[b] = False
    engine = None
    if todo.any():
        rows = np.flatnonzero(todo[block_id])
        engine = _Engine(cells.iloc[rows].reset_index(drop=True), atoms, kinds, sibling_sets, national, block,
                         order, priority[rows], k, min_contributors, pair, weight[rows],
                         locked[rows], locked_hidden[:, rows], unseen[rows], show_worked_out[rows])
        engine.run(audit=audit)
    published = _assemble(cells, atoms, kinds, kind_col, k, settings, block_id, digests, todo, engine)
    if store is not None and todo.any():
        mine = {digests[b]: _pack(*memo[digests[b]]) for b in np.flatnonzero(todo)}
        store.save(store_key, mine)
        # Two processes may have solved a block at once, and a block's pattern can depend on
        # what else was solved with it: the first one stored is the one every process shows
        # (two patterns of the same counts, seen side by side, would undo each other).
        theirs = store.load(store_key, list(mine))
        differ = [d for d, raw in theirs.items() if raw != mine[d]]
        if differ:
            sizes = np.bincount(block_id, minlength=len(digests))
            where = {d: b for b, d in enumerate(digests)}
            for d in differ:
                memo[d] = _unpack(theirs[d], len(kinds), int(sizes[where[d]]))
            published = _assemble(cells, atoms, kinds, kind_col, k, settings, block_id, digests,
                                  np.zeros(len(digests), bool), None)
    return published


ENGINE_VERSION = 5
"""Counted up with every change to the engine that can change a pattern (rules, audit, repair
order): patterns remembered by an earlier version are then not used."""


class BlockStore(Protocol):
    """Where patterns outlive the process: one process solves a block, every other one (and a
    restarted one) reads its pattern. Keys are digests of the engine settings and of the block's
    rows; values are opaque bytes."""

    def load(self, settings: bytes, digests: Sequence[bytes]) -> dict[bytes, bytes]: ...

    def save(self, settings: bytes, patterns: dict[bytes, bytes]) -> None: ...


_STORE: ContextVar[BlockStore | None] = ContextVar("finsam_block_store", default=None)


@contextmanager
def remembered_in(store: BlockStore | None) -> Iterator[None]:
    """protect() calls inside use `store` besides the per-process memo (the app passes the
    database; indicators/ stays free of it)."""
    token = _STORE.set(store)
    try:
        yield
    finally:
        _STORE.reset(token)


def _settings_key(settings: tuple) -> bytes:
    import hashlib

    return hashlib.blake2b(repr((ENGINE_VERSION, settings)).encode(), digest_size=16).digest()


def _pack(hidden: np.ndarray, public: np.ndarray) -> bytes:
    return np.packbits(np.concatenate([hidden.ravel(), public.ravel()])).tobytes()


def _unpack(raw: bytes, n_kinds: int, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    bits = np.unpackbits(np.frombuffer(raw, np.uint8), count=2 * n_kinds * n_rows).astype(bool)
    hidden, public = bits.reshape(2, n_kinds, n_rows)
    return hidden.copy(), public.copy()


_MEMO: dict = {}
"""Per engine settings, a block's digest → its hidden rows (few/protects, too few förbund). No set
spans two blocks, so a block's pattern depends on its own rows only: a table built again after a
release recomputes only the blocks whose counts moved. Bounded by _MEMO_BLOCKS per settings."""
_MEMO_BLOCKS = 200_000


def _block_digests(cells: pd.DataFrame, block: Sequence[str], priority: np.ndarray) -> tuple[np.ndarray, list[bytes]]:
    """Per row its block number, and per block a digest of its rows (keys, counts, priority)."""
    import hashlib

    if len(cells) == 0:
        return np.zeros(0, np.int64), []
    block_id = _ColumnCodes(cells).group_ids(list(block)) if block else np.zeros(len(cells), np.int64)
    row_hash = pd.util.hash_pandas_object(cells, index=False).to_numpy() ^ (priority.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    order = np.argsort(block_id, kind="stable")
    bounds = np.searchsorted(block_id[order], np.arange(int(block_id.max()) + 2))
    digests = [hashlib.blake2b(row_hash[order[bounds[b]:bounds[b + 1]]].tobytes(), digest_size=16).digest()
               for b in range(len(bounds) - 1)]
    return block_id, digests


def _assemble(cells, atoms, kinds, kind_col, k, settings, block_id, digests, todo, engine) -> pd.DataFrame:
    """The published frame from remembered blocks and the engine's new ones; remembers the new."""
    n_kinds = len(kinds)
    hidden = np.zeros((n_kinds, len(cells)), bool)
    public = np.zeros((n_kinds, len(cells)), bool)
    memo = _MEMO.setdefault(settings, {})
    order = np.argsort(block_id, kind="stable")
    bounds = np.searchsorted(block_id[order], np.arange(len(digests) + 1))
    if engine is not None:
        rows = np.flatnonzero(todo[block_id])
        hidden[:, rows], public[:, rows] = engine.hidden, engine.too_few_forbund
    for b, digest in enumerate(digests):
        members = order[bounds[b]:bounds[b + 1]]
        if todo[b]:
            memo[digest] = (hidden[:, members].copy(), public[:, members].copy())
        else:
            hidden[:, members], public[:, members] = memo[digest]
    return _frame(cells, atoms, kinds, kind_col, k, hidden, public)


def gender_priority(gender: pd.Series, *levels: np.ndarray) -> np.ndarray:
    """Rule 3's preference as a priority per cell: Övriga first, then totals (alla), then kvinna
    and man; within a gender, the lower `levels` first (e.g. an insats before its förbund,
    a förbund before riket)."""
    g = gender.astype(str).to_numpy()
    rank = np.where(g == OTHER_GENDER, 0, np.where(g == GENDER_TOTAL, 1, 2)).astype(np.int64)
    level = np.zeros(len(g), np.int64)
    for extra in levels:
        level = level * 4 + np.asarray(extra, np.int64)
    return rank * PAIR_STEP + level


PAIR_STEP = 64
"""gender_priority's step between Övriga, totals and kvinna/man (levels stay below it)."""



# --- internals -----------------------------------------------------------------------------------


@dataclass
class _Family:
    """One SiblingSet family over the cells: which set each cell is in, and which is its total."""

    set_id: np.ndarray          # per cell
    n_sets: int
    is_total: np.ndarray        # per cell
    members: np.ndarray         # cells that are members (not totals)
    tie_codes: np.ndarray       # sorted code of every cell's varying value (tie-break)
    total_cell: np.ndarray      # per set: its total cell, -1 if none
    usable: np.ndarray          # per set: has a total and at least one member

    @classmethod
    def build(cls, codes: _ColumnCodes, spec: SiblingSet) -> _Family:
        tie_codes, n_values = codes[spec.varying]
        set_id = codes.group_ids(spec.within)
        n_sets = int(set_id.max()) + 1 if len(set_id) else 0
        is_total = codes.df[spec.varying].eq(spec.total).to_numpy(dtype=bool, na_value=False)
        # Each (set, varying value) must be one cell, or "exactly one hidden" is meaningless.
        cell = set_id * (n_values + 1) + (tie_codes + 1)
        if len(pd.unique(cell)) != len(cell):
            raise ValueError(f"duplicate cells for sibling set {spec}")
        total_cell = np.full(n_sets, -1, dtype=np.int64)
        total_cell[set_id[is_total]] = np.flatnonzero(is_total)
        members = np.flatnonzero(~is_total)
        has_members = np.bincount(set_id[members], minlength=n_sets) > 0
        return cls(set_id, n_sets, is_total, members, tie_codes, total_cell,
                   (total_cell >= 0) & has_members)

    def protect(self, hidden: np.ndarray, counts: np.ndarray, priority: np.ndarray, k: int,
                floor: int = 0, public: np.ndarray | None = None, insiders: bool = False,
                locked: np.ndarray | None = None, whole_is_public: np.ndarray | None = None) -> bool:
        """One pass over the sets of one kind; hides in place, True if anything changed.

        A set needs another hidden row when its equation (total = sum of members) pins one of
        its hidden rows to a single whole number, given what the reasons tell (few: floor..k-1,
        protects: at least k) — which covers a set holding exactly one hidden row, the total
        counting as a row — or when its total is shown and its hidden members add up to fewer
        than k (their sum is total minus the shown members).

        public: rows that are not shown but are no secret either (riket of too few förbund, rule
        4): unknown to the attacker, so they break equations, but nothing protects them.
        insiders: each member knows its own row (förbund under riket): under a shown total, the
        hidden rows besides any one hidden member must not be a single row or add up to fewer
        than k (the audit would find the first too, at the price of a round).
        whole_is_public: hidden rows that may be the one unknown of a set (unseen rows of k or
        more: worked out whole, a later call shows them)."""
        public = np.zeros_like(hidden) if public is None else public
        unknown = hidden | public
        members = self.members
        unknown_per_set = np.bincount(self.set_id, weights=unknown, minlength=self.n_sets)
        unknown_sum = np.bincount(self.set_id[members], weights=counts[members] * unknown[members],
                                  minlength=self.n_sets)
        total_shown = np.zeros(self.n_sets, bool)
        has_total = self.total_cell >= 0
        total_shown[has_total] = ~unknown[self.total_cell[has_total]]
        secret = hidden & ~public
        if whole_is_public is not None:  # alone unknown in a set, such a row is given away whole
            alone = (self.set_id >= 0) & (unknown_per_set[np.maximum(self.set_id, 0)] == 1)
            secret &= ~(whole_is_public & alone)
        lone_secret = (unknown_per_set == 1) & (np.bincount(self.set_id, weights=secret, minlength=self.n_sets) == 1)
        need = self.usable & (lone_secret | (total_shown & (unknown_sum > 0) & (unknown_sum < k))
                              | self._pinned_by_bounds(unknown, secret, counts, k, floor))
        if insiders:
            own = members[unknown[members]]
            sid = self.set_id[own]
            others = np.bincount(self.set_id[members], weights=unknown[members], minlength=self.n_sets)[sid] - 1
            rest = unknown_sum[sid] - counts[own]
            need[sid[total_shown[sid] & ((others == 1) | ((rest > 0) & (rest < k)))]] = True
            need &= self.usable
        if not need.any():
            return False
        # Candidates: the shown rows of those sets, totals included (rule 3 prefers hiding
        # a total to hiding kvinna or man); the first by priority, count and key is hidden.
        in_set = self.set_id >= 0
        candidates = np.flatnonzero(in_set & ~unknown & need[np.where(in_set, self.set_id, 0)]
                                    & (True if locked is None else ~locked))
        candidates = candidates[np.lexsort((self.tie_codes[candidates], counts[candidates],
                                            priority[candidates], self.set_id[candidates]))]
        _sets, first = np.unique(self.set_id[candidates], return_index=True)
        hidden[candidates[first]] = True
        return len(first) > 0  # a set pinned with every row hidden already cannot be helped here

    def _pinned_by_bounds(self, hidden: np.ndarray, secret: np.ndarray, counts: np.ndarray, k: int,
                          floor: int) -> np.ndarray:
        """Per set: does its one equation pin a secret row? Written as sum of s*x over hidden
        rows = C (s = +1 for members, -1 for the total; C from the shown rows), each s*x has a
        range from its reason; a row's range given the others' is C minus theirs."""
        big = float(counts.sum() + k) * 2
        sign = np.where(self.is_total, -1.0, 1.0)
        few = counts < k
        lo = np.where(few, float(floor), float(k))
        hi = np.where(few, float(k - 1), big)
        low = np.where(sign > 0, lo, -hi) * hidden     # range of s*x, 0 for shown rows
        high = np.where(sign > 0, hi, -lo) * hidden
        shown_sum = np.bincount(self.set_id, weights=sign * counts * ~hidden, minlength=self.n_sets)
        c = -shown_sum
        lsum = np.bincount(self.set_id, weights=low, minlength=self.n_sets)
        hsum = np.bincount(self.set_id, weights=high, minlength=self.n_sets)
        sid = self.set_id
        row_low = np.maximum(low, c[sid] - (hsum[sid] - high))
        row_high = np.minimum(high, c[sid] - (lsum[sid] - low))
        pinned = secret & (np.floor(row_high + 1e-9) - np.ceil(row_low - 1e-9) < 1)
        return np.bincount(sid[pinned], minlength=self.n_sets) > 0


class _Engine:
    def __init__(self, cells, atoms, kinds, sibling_sets, national, block, order, priority, k,
                 min_contributors=MIN_CONTRIBUTORS, pair=None, pair_weight=None, locked=None, locked_hidden=None,
                 unseen=None, show_worked_out=None):
        self.cells, self.atoms, self.kinds, self.k = cells, atoms, kinds, k
        self.locked = np.zeros(len(cells), bool) if locked is None else np.asarray(locked, bool)
        self.unseen = np.zeros(len(cells), bool) if unseen is None else np.asarray(unseen, bool)
        self.show_worked_out = np.zeros(len(cells), bool) if show_worked_out is None else np.asarray(show_worked_out, bool)
        self.partner = _partners(cells, atoms, pair)
        # Each compared pair once: (first, second) row numbers.
        self.pair_first = np.flatnonzero((self.partner >= 0) & (np.arange(len(cells)) < self.partner))
        self.pair_second = self.partner[self.pair_first]
        self.pair_weight = np.ones(len(cells), np.int64) if pair_weight is None else np.asarray(pair_weight, np.int64)
        self.min_contributors = min_contributors
        index = {a: i for i, a in enumerate(atoms)}
        missing = [a for a in atoms if a not in cells.columns]
        if missing:
            raise KeyError(f"cells are missing atom columns {missing}")
        self.values = np.column_stack([_count_array(cells, a) for a in atoms]) if len(atoms) else \
            np.zeros((len(cells), 0), np.int64)
        self.figures = []
        for kind in kinds:
            matrix = np.zeros((len(kind.figures), len(atoms)), np.int64)
            for row, (_col, summed) in enumerate(kind.figures):
                for atom in summed:
                    matrix[row, index[atom]] = 1
            self.figures.append(matrix)
        # counts[kind, cell]: the threshold count of every row.
        self.counts = np.vstack([self.values @ f[0] for f in self.figures]) if kinds else np.zeros((0, len(cells)))
        self.order = tuple((index[a], index[b]) for a, b in order)
        codes = _ColumnCodes(cells)
        specs = [s if isinstance(s, SiblingSet) else SiblingSet(*s) for s in sibling_sets]
        if national is not None and national not in specs:
            specs.append(national)
        self.families = [_Family.build(codes, s) for s in specs]
        self.national = self.families[specs.index(national)] if national is not None else None
        self.national_spec = national
        fam = self.national
        self._national_member = np.zeros(len(cells), bool) if fam is None else \
            (fam.set_id >= 0) & ~fam.is_total & fam.usable[np.maximum(fam.set_id, 0)]
        self.priority = np.zeros(len(cells), np.int64) if priority is None else np.asarray(priority, np.int64)
        self.block = codes.group_ids(list(block)) if block else np.zeros(len(cells), np.int64)
        self.hidden = self.counts < k
        for i, kind in enumerate(kinds):
            if kind.zero_is_known:
                self.hidden[i] &= self.counts[i] > 0
        self.too_few_forbund = np.zeros_like(self.hidden)  # rule 4, hidden only in the output
        if self.locked.any():
            given = np.asarray(locked_hidden, bool)
            self.hidden[:, self.locked] = given[:, self.locked]
        self.few = self.hidden & (self.counts < k)
        # (kinds, cells): rows no rule or repair of this call changes: the locked cells' rows, and
        # the rows _show_what_is_worked_out shows.
        self.fixed = np.repeat(self.locked[None, :], len(kinds), axis=0)
        # Unseen rows of k or more: alone unknown in a set, such a row is given away whole.
        self.whole_may_be_public = self.unseen[None, :] & (self.counts >= k) if self.unseen.any() else None

    def _no_news(self, exposure) -> bool:
        """Is the exposed figure a zero that a shown total of one of its sets publishes already?
        A shown figure of 0 makes every atom it sums 0 in the total and in each of its members:
        a member's figure pinned to 0 that way tells nothing the total did not, and hiding other
        rows cannot undo it (the total is a published table's row where the breakdown is locked
        to it). The same for a zero of a locked total of k or more records that its table hides:
        that table lets such a zero be worked out (audit._zero_of_k), and its members' zeros
        follow from it. Only for tables with locked rows: the others keep the engine's rules as they were."""
        if not self.locked.any():
            return False
        if (exposure.kind, exposure.cell, tuple(exposure.vector)) in self._inherent(self.block[exposure.cell]):
            return True
        support = np.asarray(exposure.vector).astype(bool)
        if not support.any():
            return False
        cell = exposure.cell
        for fam in self.families:
            sid = fam.set_id[cell]
            if sid < 0 or fam.total_cell[sid] < 0 or fam.total_cell[sid] == cell:
                continue
            total = fam.total_cell[sid]
            zero = np.zeros(len(support), bool)
            for kind in range(len(self.kinds)):
                # Shown, or a locked row of k or more (the published table's own rule, audit.
                # _zero_of_k: a zero pinned in a row of k or more is no exposure).
                if self.too_few_forbund[kind, total] or (self.hidden[kind, total] and not (
                        self.locked[total] and self.counts[kind, total] >= self.k)):
                    continue
                for figure in self.figures[kind]:
                    if self.values[total] @ figure == 0:
                        zero |= figure.astype(bool)
            if zero[support].all():
                return True
        return False

    def _inherent(self, block: int) -> set:
        """The figures of a block with locked rows that the attacker pins even with every row of
        the breakdown hidden (their reasons kept): what the locked table and the structure give
        away already (e.g. the one insats of a förbund is its total; a zero its table lets be
        worked out). No hiding can undo them, and showing a breakdown adds nothing to them, so
        the repair does not chase them (it would hide the whole block in vain)."""
        memo = self.__dict__.setdefault("_inherent_memo", {})
        if block not in memo:
            from .audit import exposed

            saved = self.hidden.copy()
            self.hidden |= ~self.locked[None, :] & (self.block == block)[None, :]
            try:
                memo[block] = {(e.kind, e.cell, tuple(e.vector))
                               for e in exposed(self._table(), np.flatnonzero(self.block == block))}
            finally:
                self.hidden = saved
        return memo[block]

    def run(self, audit: bool) -> None:
        if self.national is not None:
            self._national_needs_contributors()
            # A locked riket row of too few förbund was published as such (no secret of its own).
            self.hidden[:, self.locked] &= ~self.too_few_forbund[:, self.locked]
        if audit and self.show_worked_out.any():
            self._show_what_is_worked_out()
        self._sets_to_fixed_point()
        if audit:
            self._audit_until_safe()
            self._reveal_comparisons()

    def _show_what_is_worked_out(self) -> None:
        """Shows the show_worked_out rows that the locked rows give away whole (with every row
        that is not locked hidden, as _inherent), and keeps them shown (fixed). Where an
        earlier call had these rows unseen, it protected every figure of them except those of
        rows worked out whole, so what stays hidden here is not pinned by the locked rows."""
        for block in np.unique(self.block[self.show_worked_out]):
            pinned = [(cell, vector) for _kind, cell, vector in self._inherent(int(block))]
            for kind, cell in self._worked_out_whole(pinned):
                if self.show_worked_out[cell] and not self.too_few_forbund[kind, cell]:
                    self.hidden[kind, cell] = False
                    self.fixed[kind, cell] = True

    def _worked_out_whole(self, pinned) -> list[tuple[int, int]]:
        """The rows of k or more whose every figure is among `pinned` ((cell, atom
        vector) pairs the attacker's program pins; a figure shared by several kinds of a cell is
        reported under one of them, so they are matched by cell), as (kind, cell)."""
        by_cell: dict[int, set] = {}
        for cell, vector in pinned:
            by_cell.setdefault(int(cell), set()).add(tuple(int(v) for v in vector))
        out = []
        for cell, vectors in by_cell.items():
            for kind, figures in enumerate(self.figures):
                if self.few[kind, cell] or self.counts[kind, cell] < self.k:
                    continue
                if all(tuple(int(v) for v in f) in vectors or not f.any() for f in figures):
                    out.append((kind, cell))
        return out

    def _counted(self, seen) -> list:
        """The outsider's exposures the repair must undo: not news (_no_news), and not a figure
        of an unseen row the attacker works out whole (a later call shows that row)."""
        if self.unseen.any():
            published: dict[int, set] = {}
            whole = self._worked_out_whole([(e.cell, e.vector) for e in seen if self.unseen[e.cell]])
            for kind, cell in whole:
                published.setdefault(cell, set()).update(tuple(int(v) for v in f) for f in self.figures[kind])
            seen = [e for e in seen if tuple(int(v) for v in e.vector) not in published.get(e.cell, ())]
        return [e for e in seen if not self._no_news(e)]

    def _national_needs_contributors(self) -> None:
        """Rule 4: riket rows of fewer than MIN_CONTRIBUTORS förbund are not shown. They are no
        secret (the sum of their förbund's rows): unknown to an attacker, so they break the
        equations they are in, but nothing is hidden to protect them, and a förbund alone in a
        source keeps its own figures."""
        fam = self.national
        for kind in range(len(self.kinds)):
            members = fam.members
            contributors = np.bincount(fam.set_id[members], weights=self.counts[kind, members] > 0,
                                       minlength=fam.n_sets)
            totals = fam.total_cell >= 0
            lacking = fam.total_cell[totals & (contributors < self.min_contributors)]
            self.too_few_forbund[kind, lacking] = True

    def _sets_to_fixed_point(self) -> None:
        changed = True
        while changed:
            changed = self._cells_consistent()
            for fam in self.families:
                for kind in range(len(self.kinds)):
                    changed |= fam.protect(self.hidden[kind], self.counts[kind], self.effective_priority(kind), self.k,
                                           self.kinds[kind].floor, self.too_few_forbund[kind],
                                           insiders=fam is self.national, locked=self.fixed[kind],
                                           whole_is_public=None if self.whole_may_be_public is None
                                           else self.whole_may_be_public[kind])

    def effective_priority(self, kind: int) -> np.ndarray:
        """priority, half a PAIR_STEP lower where the row's partner (kvinna for man) is not shown:
        cheaper than a row whose comparison still stands, dearer than a total or Övriga."""
        has = self.partner >= 0
        lost = np.zeros(len(self.partner), bool)
        unknown = self.hidden[kind] | self.too_few_forbund[kind]
        lost[has] = unknown[self.partner[has]]
        return np.where(lost, self.priority - PAIR_STEP // 2, self.priority)

    def _cells_consistent(self) -> bool:
        """Rows of one cell share its atoms: a hidden row whose every figure can be worked out
        from the cell's shown rows (the share of work that is subsidised from the work and
        subsidised-work numerators; work or studies from work and studies) takes the cheapest
        shown row of its cell along. One kind per cell: nothing to do."""
        if len(self.kinds) < 2:
            return False
        from .audit import span_test

        kind_priority = np.array([kind.priority for kind in self.kinds], np.int64)
        changed = False
        while True:
            shown = ~(self.hidden | self.too_few_forbund)
            patterns = np.zeros(self.hidden.shape[1], np.int64)
            for kind in range(len(self.kinds)):
                patterns |= shown[kind].astype(np.int64) << kind
            hit = False
            for pattern in np.unique(patterns):
                in_span = span_test(self.figures, int(pattern), self.values.shape[1])
                derivable = [kind for kind in range(len(self.kinds))
                             if not pattern >> kind & 1 and all(in_span(v) for v in self.figures[kind])]
                if not derivable:
                    continue
                cells = np.flatnonzero((patterns == pattern) & self.hidden[derivable].any(axis=0)
                                       & ~self.fixed.any(axis=0))
                shown_kinds = [q for q in range(len(self.kinds)) if pattern >> q & 1]
                if not len(cells) or not shown_kinds:
                    continue
                give_way = min(shown_kinds, key=lambda q: kind_priority[q])
                self.hidden[give_way, cells] = True
                hit = changed = True
            if not hit:
                return changed

    def _reveal_comparisons(self) -> None:
        """The repair is greedy: a row it hid early may have become needless once later rows
        were hidden, and kvinna or man rows of at least k it hid to protect others cost the
        comparison rule 3 exists for. So each such comparison is tried again: both rows shown
        (in every kind of row where it is lost, else kind by kind), then rows that the outsider
        could pin anyway shown too (_show_what_is_pinned), then the set rules and the repair
        (outsider and insiders) over its block; the trial is kept only where the block then
        loses fewer comparisons, weighed by pair_weight (a förbund's more than an insats's).
        Whatever is kept has passed the same audit as everything else."""
        mine, theirs = self.pair_first, self.pair_second
        if not len(mine):
            return
        big = (self.counts[:, mine] >= self.k) & (self.counts[:, theirs] >= self.k)
        never = self.too_few_forbund[:, mine] | self.too_few_forbund[:, theirs]
        # Only comparisons of the highest weight are tried (each trial audits its block again,
        # and a table of eighty förbund has thousands of insats comparisons).
        top = np.maximum(self.pair_weight[mine], self.pair_weight[theirs]) == self.pair_weight.max()
        candidates = big & ~never & top[None, :] & ~(self.locked[mine] | self.locked[theirs])[None, :]
        # The most valuable comparisons first (by weight, then the dearest to hide: a förbund's
        # before riket's, whose loss serves every insider at once), then the larger ones.
        value = np.maximum(self.pair_weight[mine], self.pair_weight[theirs])
        dear = np.maximum(self.priority[mine], self.priority[theirs])
        size = np.minimum(self.counts[:, mine], self.counts[:, theirs]).min(axis=0)
        for t in np.lexsort((-size, -dear, -value)):
            a, b = int(mine[t]), int(theirs[t])
            lost = candidates[:, t] & (self.hidden[:, a] | self.hidden[:, b])
            if not lost.any():
                continue
            kinds = np.flatnonzero(lost)
            for trial in [kinds] + ([[q] for q in kinds] if len(kinds) > 1 else []):
                if not (self.hidden[trial, a] | self.hidden[trial, b]).any():
                    continue  # shown by an earlier trial
                self._try_showing(np.asarray(trial), a, b)

    def _try_showing(self, kinds: np.ndarray, a: int, b: int) -> bool:
        block = self.block[a]
        before = self._lost_comparisons(block)
        saved = self.hidden.copy()
        self.hidden[np.ix_(kinds, [a, b])] = False
        self._show_lone_rows(block)
        self._sets_to_fixed_point()

        def failed() -> bool:
            return (self.hidden[kinds, a] | self.hidden[kinds, b]).any() or not self._lost_comparisons(block) < before
        # Most trials on sparse tables end here: the set rules hide the pair (or as much) again.
        # Showing what is pinned rescued none of them on the demo's outcome breakdowns (374 of
        # 576 trials), and the LP rounds it and the audit cost are most of a trial's time.
        if failed():
            self.hidden = saved
            return False
        found = self._show_what_is_pinned(block)
        safe = self._audit_until_safe(np.array([block]), give_up_on_comparisons=True, outsider_found=found)
        if not safe or failed():
            self.hidden = saved
            return False
        return True

    def _show_lone_rows(self, block: int) -> None:
        """Shows the block's rows hidden to protect others that are now alone unknown in one of
        their sets: the set's equation gives every figure of such a row away, so it protects
        nothing, and left hidden the set rules would hide a neighbour for it (often the very
        kvinna or man row being shown again). Until no set has such a row."""
        in_block = self.block == block
        changed = True
        while changed:
            changed = False
            for fam in self.families:
                for kind in range(len(self.kinds)):
                    unknown = self.hidden[kind] | self.too_few_forbund[kind]
                    per_set = np.bincount(fam.set_id[fam.set_id >= 0], weights=unknown[fam.set_id >= 0],
                                          minlength=fam.n_sets)
                    sid = np.maximum(fam.set_id, 0)
                    lone = (fam.set_id >= 0) & fam.usable[sid] & (per_set[sid] == 1) & in_block \
                        & self.hidden[kind] & ~self.few[kind] & (self.counts[kind] >= self.k) & ~self.locked
                    if lone.any():
                        self.hidden[kind, lone] = False
                        changed = True

    def _show_what_is_pinned(self, block: int, rounds: int = 4) -> list | None:
        """Shows the block's rows of at least k hidden to protect others whose every figure the
        outsider's program pins anyway: showing a value everyone can work out tells no one
        anything, and a hidden row that is pinned protects nothing (the repair would instead hide
        a neighbour, often kvinna or man). The set rules then run again. Returns what the
        outsider pins in the block as it now stands (the audit's first round, saved), or None
        when the block changed after the last program."""
        from .audit import exposed

        cells = np.flatnonzero(self.block == block)
        for _ in range(rounds):
            seen = exposed(self._table(), cells)
            pinned = [(e.cell, e.vector) for e in seen if not self._no_news(e)]
            shown = False
            for kind, cell in self._worked_out_whole(pinned):
                if self.hidden[kind, cell] and not self.locked[cell]:
                    self.hidden[kind, cell] = False
                    shown = True
            if not shown:
                return seen
            self._sets_to_fixed_point()
        return None

    def _compared(self, kind: int, cell: int) -> bool:
        """Is this row one of a comparison of the highest weight that stands (both rows of at
        least k, both shown)?"""
        other = self.partner[cell]
        return bool(other >= 0 and self.counts[kind, cell] >= self.k and self.counts[kind, other] >= self.k
                    and max(self.pair_weight[cell], self.pair_weight[other]) == self.pair_weight.max()
                    and not self.hidden[kind, cell] and not self.hidden[kind, other])

    def _lost_comparisons(self, block: int) -> float:
        """What the block's lost comparisons of rows of at least k weigh together (pair_weight)."""
        in_block = self.block[self.pair_first] == block
        first, theirs = self.pair_first[in_block], self.pair_second[in_block]
        big = (self.counts[:, first] >= self.k) & (self.counts[:, theirs] >= self.k)
        gone = big & (self.hidden[:, first] | self.hidden[:, theirs])
        return float((gone * np.maximum(self.pair_weight[first], self.pair_weight[theirs])).sum())

    def _audit_until_safe(self, blocks: np.ndarray | None = None, give_up_on_comparisons: bool = False,
                          outsider_found: list | None = None) -> bool:
        """The attacker's program over the published result, and the repair of what it pins;
        then the same for every förbund as an insider that knows its own rows (DISCLOSURE.md: a
        förbund administrator can export its raw data), where it has a hidden row: riket minus
        its own rows must not give another förbund's away. blocks: only these (default: every
        block with a hidden row). give_up_on_comparisons: stop (False) as soon as the repair would
        hide a kvinna or man row of a comparison that stands (_compared; a trial has then
        failed; the rounds after would be wasted). outsider_found: the outsider's exposures of
        the one block in `blocks` as it stands (_show_what_is_pinned solved that program
        already), used for the first round. True once nothing is exposed."""
        from .audit import exposed, exposed_to_insiders

        kind_priority = np.array([kind.priority for kind in self.kinds], np.int64)
        dirty = np.unique(self.block[self.hidden.any(axis=0)]) if blocks is None else blocks
        # Blocks whose insider audit has not passed since they last changed. (It used to follow
        # `dirty`: a block clean from the outsider's view in the first round, while others were
        # repaired, then never had its insider audit, and the demo table had insider exposures.)
        insider_due = set(dirty.tolist())
        insiders = self._insiders()
        by_block = pd.Series(np.arange(len(self.block))).groupby(self.block).indices  # block -> its cells
        while len(dirty) or insider_due:
            # Block by block: no set spans two blocks, and a block's program solves many times
            # faster than one over every block at once.
            table, found, clean = self._table(), [], []
            for b in dirty.tolist():
                if outsider_found is not None and len(dirty) == 1:
                    seen, outsider_found = outsider_found, None
                else:
                    seen = exposed(table, by_block[b])
                mine = [(e, None) for e in self._counted(seen)]
                found += mine
                if not mine:
                    clean.append(b)
            at_risk = self._insider_risk()
            for b in sorted(insider_due & (set(clean) | (insider_due - set(dirty.tolist())))):
                cells = by_block[b]
                scope = self.block == b
                views = [(own, scope) for own in insiders if (own[cells] & at_risk[cells]).any()]
                if views:
                    for (own, _scope), theirs in zip(views, exposed_to_insiders(
                            table, cells, views, self.national.is_total, directions=1)):
                        found += [(e, own) for e in theirs if not self._no_news(e)]
                insider_due.discard(b)  # passed, or repaired below (and then due again)
            if not found:
                return True
            before = self.hidden.copy()
            touched: set[tuple[int, int]] = set()
            for exposure, known in found:
                # One more hidden row per set and round (per set and figure where the rates of a
                # cell have numerators of their own): the next round re-checks.
                figure = exposure.vector if len(self.kinds) > 1 else None
                sets = {(f, int(fam.set_id[exposure.cell]), figure) for f, fam in enumerate(self.families)
                        if fam.usable[fam.set_id[exposure.cell]]}
                if sets & touched:
                    continue
                kind, cell = self._cheapest_neighbour(exposure, kind_priority, known)
                if cell < 0:  # everything it is tied to is hidden: hiding more cannot help
                    continue
                if give_up_on_comparisons and self._compared(kind, cell):
                    return False
                self.hidden[kind, cell] = True
                touched |= {(f, int(fam.set_id[cell]), figure) for f, fam in enumerate(self.families)
                            if fam.usable[fam.set_id[cell]]}
                touched |= sets
            self._sets_to_fixed_point()
            dirty = np.unique(self.block[(self.hidden != before).any(axis=0)])
            insider_due |= set(dirty.tolist())

    def _insider_risk(self) -> np.ndarray:
        """Cells where a förbund knows more of riket's equations than anyone: its own row under
        riket is hidden (elsewhere its rows are shown to all) under a shown riket row. (Limiting
        it to sets of few hidden förbund was tried: with four, a förbund's own row and zeros
        elsewhere still pinned another's, which the property test found.)"""
        fam = self.national
        risk = np.zeros(len(self.block), bool)
        if fam is None:
            return risk
        members = self._national_member
        for kind in range(len(self.kinds)):
            unknown = self.hidden[kind] | self.too_few_forbund[kind]
            total_shown = np.zeros(fam.n_sets, bool)
            has_total = fam.total_cell >= 0
            total_shown[has_total] = ~unknown[fam.total_cell[has_total]]
            risk |= members & unknown & total_shown[np.maximum(fam.set_id, 0)]
        return risk

    def _table(self):
        """The published result as a LinearTable."""
        from .audit import LinearTable

        return LinearTable(
            atoms=self.values, figures=self.figures, floors=[kind.floor for kind in self.kinds],
            hidden=self.hidden, few=self.few, k=self.k, order=self.order, public=self.too_few_forbund,
            sets=[(np.where(fam.usable[fam.set_id], fam.set_id, -1), fam.is_total) for fam in self.families],
        )

    def _insiders(self) -> list[np.ndarray]:
        """Per förbund under riket, the cells it knows (all of its own rows)."""
        if self.national is None:
            return []
        spec = self.national_spec
        values = self.cells[spec.varying].astype(object).to_numpy()
        return [values == f for f in pd.unique(values) if f != spec.total]

    def _cheapest_neighbour(self, exposure, kind_priority: np.ndarray,
                            known: np.ndarray | None = None) -> tuple[int, int]:
        """The shown row that costs least to hide among those whose figures pin the exposed one:
        the cell's own rows sharing its atoms (the outcome rates share theirs) and the rows of
        every set the cell is in, cheapest by rule 3 (a total or Övriga before kvinna and man,
        then the kind's priority, then the smaller count); where those are all hidden already,
        the sets of those hidden rows, and so on outwards. (-1, -1) when nothing reachable is
        shown. known: an insider's cells, which hiding cannot keep from it."""
        cell, vector = exposure.cell, np.array(exposure.vector)
        sharing = np.array([bool((f @ vector).any()) for f in self.figures])
        seen = np.zeros(len(self.block), bool)
        seen[cell] = True
        # First the set that pins it hardest: the one with the fewest unknowns besides it (an
        # insider's own rows count as known); a row elsewhere would leave that equation whole.
        unknown = (self.hidden | self.too_few_forbund).any(axis=0)
        if known is not None:
            unknown &= ~known
        tightest, fewest = None, None
        for fam in self.families:
            sid = fam.set_id[cell]
            if not fam.usable[sid]:
                continue
            members = np.flatnonzero(fam.set_id == sid)
            n_unknown = int(unknown[members].sum())
            if fewest is None or n_unknown < fewest:
                tightest, fewest = members, n_unknown
        near = np.union1d([cell], tightest) if tightest is not None else np.array([cell])
        first_ring = True
        while len(near):
            seen[near] = True
            useful = ~self.hidden[:, near] & sharing[:, None] & ~self.fixed[:, near]
            if known is not None:
                useful &= ~known[near][None, :]
            kinds, cells = np.nonzero(useful)
            if len(cells):
                cells = near[cells]
                by_kind = {q: self.effective_priority(q) for q in np.unique(kinds)}  # once per kind
                effective = np.array([by_kind[q][c] for q, c in zip(kinds, cells)])
                best = np.lexsort((self.counts[kinds, cells], kind_priority[kinds], effective))[0]
                return int(kinds[best]), int(cells[best])
            if first_ring:  # the tightest set is all hidden: every set of the cell, then outwards
                first_ring, near = False, self._neighbours(np.array([cell]), seen)
                continue
            near = self._neighbours(near, seen)
        return -1, -1

    def _neighbours(self, cells: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """The cells sharing a set with any of `cells`, not yet seen."""
        reach = []
        for fam in self.families:
            sets = fam.set_id[cells]
            sets = sets[fam.usable[sets]]  # a set without a total or members relates nothing
            reach.append(np.flatnonzero(np.isin(fam.set_id, sets)))
        return np.setdiff1d(np.concatenate(reach) if reach else np.zeros(0, np.int64), np.flatnonzero(seen))


def _partners(cells: pd.DataFrame, atoms: Sequence[str], pair) -> np.ndarray:
    """Per row, the row it is compared with (same keys, the other value of the pair column), or -1."""
    partner = np.full(len(cells), -1, np.int64)
    if pair is None or not len(cells):
        return partner
    column, a, b = pair
    keys = [c for c in cells.columns if c not in atoms and c != column]
    values = cells[column].astype(object)
    ids = _ColumnCodes(cells).group_ids(keys) if keys else np.zeros(len(cells), np.int64)
    for this, other in ((a, b), (b, a)):
        mine, theirs = np.flatnonzero(values.eq(this).to_numpy()), np.flatnonzero(values.eq(other).to_numpy())
        where = pd.Series(theirs, index=ids[theirs])
        found = where.reindex(ids[mine]).to_numpy()
        ok = ~pd.isna(found)
        partner[mine[ok]] = found[ok].astype(np.int64)
    return partner


def _frame(cells, atoms, kinds, kind_col, k, hidden, public) -> pd.DataFrame:
    """For each kind in turn: key columns, kind_col, the kind's figures, SUPPRESSED, HIDDEN_REASON."""
    keys = [c for c in cells.columns if c not in atoms]
    values = np.column_stack([_count_array(cells, a) for a in atoms]) if len(atoms) else \
        np.zeros((len(cells), 0), np.int64)
    parts = []
    for i, kind in enumerate(kinds):
        part = cells[keys].copy()
        if kind_col is not None:
            part[kind_col] = kind.name
        for column, summed in kind.figures:
            part[column] = values[:, [atoms.index(a) for a in summed]].sum(axis=1)
        count = values[:, [atoms.index(a) for a in kind.figures[0][1]]].sum(axis=1)
        shut = hidden[i] | public[i]
        part[SUPPRESSED] = shut
        # A riket row of too few förbund is hidden to protect theirs: PROTECTS whatever its
        # count, so that its reason bounds nothing (a förbund that knows its own rows would
        # read another's off "riket is at least k").
        part[HIDDEN_REASON] = np.where(~shut, "", np.where((count < k) & ~public[i], FEW, PROTECTS))
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


def protect_indicator_cells(rows: pd.DataFrame, keys: list[str], k: int, *, audit: bool = True) -> pd.DataFrame:
    """protect() over pooled indicator cells (indicators.compute.indicator_counts with by_gender,
    by_insats and riket): the call indicator_table is to make once this engine is wired in.
    Gender sets under `alla`, insatser under the förbund, förbund under riket; positive <= valid
    and n_responses <= valid."""
    from ._tables import INSATS_TOTAL, NATIONAL, sibling_sets

    sets = sibling_sets(keys, {"gender": GENDER_TOTAL, "forbund": NATIONAL, "insats": INSATS_TOTAL})
    national = next((s for s in sets if s.varying == "forbund"), None)
    forbund = rows["forbund"].astype(str).to_numpy()
    # Riket's rows before a förbund's: hiding riket's men breaks the riket set's equation for
    # every förbund at once (insiders included) and costs one comparison, where hiding förbund
    # rows costs one per förbund (an insider needs two others hidden beside its own). Insatser
    # cheapest (rule 3).
    level = np.where(forbund == NATIONAL, 1, 2)
    if "insats" in keys:
        level = np.where((forbund != NATIONAL) & (rows["insats"].astype(str).to_numpy() != INSATS_TOTAL), 0, level)
    counts = ("n_responses", "valid", "positive")
    # floor 0: a cell exists with a response, but n_responses counts only responses with a
    # valid answer on the indicator, so a `few` cell may hold 0.
    return protect(rows, atoms=counts, kinds=[Kind(tuple((c, (c,)) for c in counts), floor=0)],
                   sibling_sets=sets, national=national if (forbund == NATIONAL).any() else None,
                   block=[c for c in keys if c not in ("forbund", "insats", "gender")],
                   order=[("positive", "valid"), ("n_responses", "valid")],
                   priority=gender_priority(rows["gender"], level), k=k, audit=audit,
                   pair=("gender", "kvinna", "man"), pair_weight=np.where(level == 0, 1, 10))
