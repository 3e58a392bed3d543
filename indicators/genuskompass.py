"""Genuskompass comparisons: women and men side by side (GENUSKOMPASS.md).

Each comparison gives both percentages with their n, the gap in percentage points (women minus
men: positive when women's share is higher), a confidence interval for the gap and a verdict.
When either cell is below the disclosure threshold, nothing but the reason is given: no values,
no interval, no verdict.

One method for the interval and the verdict. The interval is Newcombe's hybrid score interval
(method 10 of Newcombe 1998, built from Wilson intervals), and the verdict is read off that very
interval: a gap is clear exactly when its interval excludes 0. The p-value shown is the same
method turned round: the smallest level at which the interval would exclude 0. Before, the
verdict came from Fisher's exact test, which is conditional and conservative (its real size is
often well under 5 %) while the Newcombe interval's coverage is close to 95 %; the two disagreed
in 7 of 447 national comparisons, e.g. a gap of -42.5 points with an interval of -69.6 to -1.8
called "no clear difference". An exact test inverted into an interval for a difference
(Chan–Zhang, Agresti–Min) would also agree with itself, but costs a search over nuisance
parameters per bound, too slow for national tables; Newcombe's interval is the one Newcombe
(1998) and Fagerland, Lydersen & Laake (2015) recommend, and its figures were already checked
against the published table.

Many comparisons at once. Comparisons shown together (a page, a report) form a family whose false
discovery rate is held at 5 % with Benjamini–Hochberg. BH rejects the R smallest p-values, where R
is the largest i with p_(i) <= i * q / m; every rejected p is <= R q / m and every other one is
> R q / m. So intervals at the level alpha* = max(R, 1) * q / m (the false coverage-statement rate
intervals of Benjamini & Yekutieli 2005) exclude 0 exactly for the comparisons BH calls clear:
family_adjust() widens every interval of the family to that level, and the verdict stays "the
interval excludes 0". A comparison alone is a family of one: a 95 % interval.

Too few answers is not "no difference". When the interval (at the family's level) contains 0 but
also reaches a gap of GAP_TO_TELL (10) points either way, the data could not have told a real
10-point gap from none: the verdict is VERDICT_TOO_FEW, not VERDICT_NONE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

import numpy as np
import pandas as pd

from .disclosure import DEFAULT_K, SUPPRESSED, check_k
from .rounding import needs_caution, percent, percent_whole, round_half_up

__all__ = [
    "ALPHA",
    "COMPARISON_COLUMNS",
    "GAP_TO_TELL",
    "VERDICT_CLEAR",
    "VERDICT_NONE",
    "VERDICT_TOO_FEW",
    "GENUSKOMPASS_GROUPS",
    "MORE_COMPARISONS",
    "OUTCOME_PHRASES",
    "INCOME_PHRASES",
    "REASON_BELOW_K",
    "REASON_PROTECTS",
    "SUBGOALS",
    "Comparison",
    "QuestionMeasure",
    "SubGoal",
    "compare",
    "compare_table",
    "comparison_from_row",
    "Family",
    "family_adjust",
    "family_alpha",
    "family_of",
    "bh_adjusted",
    "fisher_p_value",
    "format_percent",
    "hidden_comparison",
    "newcombe_interval",
    "newcombe_p_value",
    "sentence",
    "SOURCE_PHRASES",
    "SOURCE_REGISTERED",
    "SOURCE_SELF_REPORTED",
    "SentenceContext",
    "standalone_sentence",
    "standalone_sentences",
    "verdict_of",
    "wilson_interval",
    "z_for",
]

ALPHA = 0.05
"""The level of a comparison alone, and the false discovery rate of a family of comparisons."""
GAP_TO_TELL = 0.10
"""A gap (as a proportion: 10 percentage points) the data must be able to tell from none before
an interval containing 0 may be read as "no clear difference"."""
VERDICT_CLEAR = "clear"
VERDICT_NONE = "no_clear"
VERDICT_TOO_FEW = "too_few"
Z_95 = 1.959963984540054
"""The 0.975 quantile of the standard normal distribution."""
REASON_BELOW_K = "below_k"
"""Comparison.reason when a cell rests on fewer than k responses (or is missing in its table)."""
REASON_PROTECTS = "protects"
"""Comparison.reason when both cells rest on k or more but one is hidden to protect another figure."""


# --- statistics ---------------------------------------------------------------------------------


def wilson_interval(x: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for the proportion x/n (Newcombe 1998 method 3, no continuity
    correction)."""
    if n <= 0 or not 0 <= x <= n:
        raise ValueError(f"need 0 <= x <= n and n > 0, got x={x}, n={n}")
    z2 = z * z
    centre = (2 * x + z2) / (2 * (n + z2))
    half = z * math.sqrt(z2 + 4 * x * (n - x) / n) / (2 * (n + z2))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z_95) -> tuple[float, float]:
    """Confidence interval for p1 - p2 by Newcombe's hybrid score method (1998, method 10).

    >>> [round(b, 4) for b in newcombe_interval(56, 70, 48, 80)]
    [0.0524, 0.3339]
    """
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


_NORMAL = NormalDist()


def z_for(alpha: float) -> float:
    """The two-sided normal quantile of a level: z_for(0.05) = 1.96."""
    if not 0 < alpha < 1:
        raise ValueError(f"need 0 < alpha < 1, got {alpha}")
    return _NORMAL.inv_cdf(1 - alpha / 2)


def _excludes_zero(low: float, high: float) -> bool:
    return low > 0 or high < 0


@lru_cache(maxsize=65536)
def newcombe_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """The p-value that belongs to newcombe_interval(): the smallest two-sided level at which the
    interval for p1 - p2 excludes 0, so that "p < alpha" and "the interval at level alpha excludes
    0" are one statement. The interval only widens as z grows (each Wilson bound moves outwards),
    so the z at which its nearer bound reaches 0 is found by bisection to the last bit.

    >>> round(newcombe_p_value(56, 70, 48, 80), 4)
    0.0081
    """
    for x, n in ((x1, n1), (x2, n2)):
        if n <= 0 or not 0 <= x <= n:
            raise ValueError(f"need 0 <= x <= n and n > 0, got x={x}, n={n}")
    if x1 * n2 == x2 * n1:  # no gap: every interval contains 0
        return 1.0
    inside, outside = 0.0, 1.0  # z with the interval excluding 0 / containing 0
    while _excludes_zero(*newcombe_interval(x1, n1, x2, n2, outside)):
        inside, outside = outside, 2 * outside
        if outside > 64:  # erfc underflows long before: p is 0 to double precision
            return 0.0
    while True:
        mid = (inside + outside) / 2
        if mid in (inside, outside):
            break
        if _excludes_zero(*newcombe_interval(x1, n1, x2, n2, mid)):
            inside = mid
        else:
            outside = mid
    return math.erfc(outside / math.sqrt(2))


def family_alpha(p_values: Sequence[float], q: float = ALPHA) -> float:
    """The level at which every interval of a family is drawn so that "the interval excludes 0"
    is the Benjamini–Hochberg decision at false discovery rate q: max(R, 1) * q / m, R the number
    of p-values BH rejects among the m of the family (see the module docstring). A family of one
    gets q itself; an empty one too."""
    m = len(p_values)
    return q if m == 0 else max(_bh_rejections(p_values, q), 1) * q / m


def _bh_rejections(p_values: Sequence[float], q: float) -> int:
    """R: the largest i with p_(i) <= i q / m (0 when there is none)."""
    ps = sorted(float(p) for p in p_values)
    m = len(ps)
    return max((i for i, p in enumerate(ps, 1) if p <= i * q / m), default=0)


def bh_adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values, in the given order: min over j >= i of m p_(j) / j,
    at most 1. A comparison is clear at false discovery rate q exactly when its adjusted p <= q."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    out = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, float(p_values[i]) * m / rank)
        out[i] = running
    return out


# Probabilities within this relative distance of the observed table's count as "as likely" (ties),
# as in R's fisher.test: the log-probabilities below carry rounding errors far larger than the
# 1e-14 scipy allows, so a symmetric table would otherwise lose its mirror image.
_TIE_TOLERANCE = 1e-7


@lru_cache(maxsize=65536)
def fisher_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided Fisher exact test p-value for x1/n1 against x2/n2: the probability, under the
    hypergeometric distribution with the margins fixed, of every table no more likely than the
    observed one (the minimum-likelihood rule of R and scipy). Cached: national reports ask for
    the same few thousand tables over and over.

    Computed here rather than with scipy.stats, whose import alone takes a second in every fresh
    process that builds a report; tests check it against scipy on thousands of tables.

    >>> round(fisher_p_value(3, 4, 1, 4), 6)    # 34/70
    0.485714
    """
    for x, n in ((x1, n1), (x2, n2)):
        if n < 0 or not 0 <= x <= n:
            raise ValueError(f"need 0 <= x <= n, got x={x}, n={n}")
    total, successes = n1 + n2, x1 + x2
    low, high = max(0, n1 - (total - successes)), min(n1, successes)
    if high == low:  # an empty row or column: only the observed table is possible
        return 1.0
    # log P(x)/P(low) for x = low..high, from the ratio of neighbouring hypergeometric terms:
    # exact integers inside, one rounding per step, no huge factorials to cancel.
    x = np.arange(low, high, dtype=np.float64)
    steps = (np.log((successes - x) * (n1 - x)) - np.log((x + 1) * (total - successes - n1 + x + 1)))
    log_p = np.concatenate(([0.0], np.cumsum(steps)))
    observed = log_p[x1 - low]
    as_unlikely = log_p[log_p <= observed + math.log1p(_TIE_TOLERANCE)]
    p = math.exp(_log_sum_exp(as_unlikely) - _log_sum_exp(log_p))
    return min(1.0, p)


def _log_sum_exp(values: np.ndarray) -> float:
    top = float(values.max())
    return top + math.log(float(np.exp(values - top).sum()))


# --- comparisons --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Women against men on one measure. Percentages and points have one decimal (half up).

    difference, ci_low and ci_high are in percentage points, women minus men: a positive
    difference means the women's share is higher. The interval is drawn at level `alpha` (0.05
    alone; smaller in a family, see family_adjust), and `clear` is True exactly when it excludes
    0. `verdict` is VERDICT_CLEAR, VERDICT_NONE or VERDICT_TOO_FEW; p_adjusted is the
    Benjamini–Hochberg adjusted p-value within the family (the p-value itself when alone).
    `caution`: a share rests on fewer than rounding.CAUTION_BELOW valid answers. All figures are
    None when suppressed.
    """

    k: int
    suppressed: bool
    reason: str | None = None
    women: Decimal | None = None
    men: Decimal | None = None
    positive_women: int | None = None
    n_women: int | None = None
    positive_men: int | None = None
    n_men: int | None = None
    difference: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    p_value: float | None = None
    clear: bool | None = None
    verdict: str | None = None
    p_adjusted: float | None = None
    alpha: float | None = None
    caution: bool | None = None
    _exact_gap: Fraction | None = field(default=None, repr=False, compare=False)

    @property
    def higher(self) -> str | None:
        """'kvinna' or 'man' when the difference is clear, else None (decided on exact shares,
        so rounding can never flip the direction)."""
        if not self.clear or self._exact_gap is None or self._exact_gap == 0:
            return None
        return "kvinna" if self._exact_gap > 0 else "man"

    @property
    def confidence(self) -> float | None:
        """The interval's confidence in percent (95.0 alone, more in a family)."""
        return None if self.alpha is None else 100 * (1 - self.alpha)


def verdict_of(low: float, high: float) -> str:
    """The verdict an interval (as proportions) gives: clear when it excludes 0; too few answers
    when it contains 0 but also a gap of GAP_TO_TELL either way; else no clear difference."""
    if _excludes_zero(low, high):
        return VERDICT_CLEAR
    if low <= -GAP_TO_TELL or high >= GAP_TO_TELL:
        return VERDICT_TOO_FEW
    return VERDICT_NONE


def compare(
    pos_w: int,
    n_w: int,
    pos_m: int,
    n_m: int,
    k: int = DEFAULT_K,
    *,
    responses_w: int | None = None,
    responses_m: int | None = None,
    alpha: float = ALPHA,
    p_adjusted: float | None = None,
) -> Comparison:
    """Compare women's share pos_w/n_w with men's pos_m/n_m.

    n_w and n_m are the denominators of the shares (valid answers for an indicator, records with
    a known outcome for a rate). The threshold applies to the number of responses a cell rests
    on, which for an indicator with several questions is smaller than its valid answers: pass it
    as responses_w / responses_m (default: n_w / n_m).

    alpha: the level of the interval, ALPHA alone; family_adjust passes the family's level and
    the comparison's adjusted p-value (default: its own p-value, a family of one).
    """
    k = check_k(k)
    for pos, n in ((pos_w, n_w), (pos_m, n_m)):
        if not 0 <= pos <= n:
            raise ValueError(f"need 0 <= positive <= n, got {pos} of {n}")
    base_w = n_w if responses_w is None else responses_w
    base_m = n_m if responses_m is None else responses_m
    if base_w < k or base_m < k:
        return _hidden(k)
    low, high = newcombe_interval(pos_w, n_w, pos_m, n_m, z_for(alpha))
    p_value = newcombe_p_value(pos_w, n_w, pos_m, n_m)
    gap = Fraction(pos_w, n_w) - Fraction(pos_m, n_m)
    verdict = verdict_of(low, high)
    return Comparison(
        k=k,
        suppressed=False,
        women=percent(pos_w, n_w),
        men=percent(pos_m, n_m),
        positive_women=pos_w,
        n_women=n_w,
        positive_men=pos_m,
        n_men=n_m,
        # The gap is rounded from the exact shares, so it can differ by 0.1 from the difference
        # of the two rounded percentages.
        difference=round_half_up(gap * 100),
        # Rounding half up keeps weak inequalities, so a clear gap's interval never shows a
        # bound across 0 (at most a bound of 0.0) and an unclear one's always spans 0.
        ci_low=round_half_up(low * 100),
        ci_high=round_half_up(high * 100),
        p_value=p_value,
        clear=verdict == VERDICT_CLEAR,
        verdict=verdict,
        p_adjusted=p_value if p_adjusted is None else p_adjusted,
        alpha=alpha,
        caution=needs_caution(n_w) or needs_caution(n_m),
        _exact_gap=gap,
    )


def _hidden(k: int) -> Comparison:
    return Comparison(k=k, suppressed=True, reason=REASON_BELOW_K)


def hidden_comparison(k: int, hidden_reason: str) -> Comparison:
    """The Comparison of a compare_table row that is hidden, with its reason (`few` or `protects`)."""
    return Comparison(k=check_k(k), suppressed=True,
                      reason=REASON_PROTECTS if hidden_reason == "protects" else REASON_BELOW_K)


COMPARISON_COLUMNS = (
    "women", "n_women", "positive_women", "men", "n_men", "positive_men",
    "difference", "ci_low", "ci_high", "p_value", "clear", "verdict", "p_adjusted", "alpha", "caution",
    SUPPRESSED,
)


def compare_table(table: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
    """Women against men for every cell of a published table, honouring its disclosure.

    table: the output of indicator_table(..., by_gender=True), outcome_table or
        income_after_table. A comparison is hidden when the kvinna or the man row is suppressed
        there (also by complementary suppression) or missing, so the genuskompass never shows a
        figure its table hides.
    k: the threshold the table was computed with (it is repeated in the hidden sentence).

    Returns the table's key columns (all but gender and the figures) followed by
    COMPARISON_COLUMNS, one row per key with a kvinna or man row, in the table's order.
    """
    k = check_k(k)
    if "valid" in table.columns:  # indicator table: share of valid answers, threshold on responses
        positive, n, responses = "positive", "valid", "n_responses"
    else:  # outcome-style table: threshold on the denominator itself
        positive, n, responses = "numerator", "n", "n"
    figures = {positive, n, responses, "value", SUPPRESSED, "hidden_reason", "gender"}
    keys = [c for c in table.columns if c not in figures]
    split = table[table["gender"].isin(("kvinna", "man"))]
    # Each key's kvinna and man figures, paired in plain Python: pandas' merge and reindex took
    # 10 ms a call, more than the comparisons of a small table (a national report makes 37 calls).
    width = len(keys)
    cells = {}
    reasons = split["hidden_reason"] if "hidden_reason" in split.columns else pd.Series("few", index=split.index)
    for row in zip(*(split[c].tolist() for c in (*keys, "gender", positive, n, responses, SUPPRESSED)),
                   reasons.tolist()):
        cells[row[:width], row[width]] = row[width + 1:]  # (key, gender) → positive, n, responses, suppressed, reason
    order = split[keys].drop_duplicates(ignore_index=True)  # one row per key, in the table's order
    records, why = [], []
    for key in order.itertuples(index=False, name=None):
        w, m = cells.get((key, "kvinna")), cells.get((key, "man"))
        shown = w is not None and m is not None and w[3] == 0 and m[3] == 0
        cmp = (
            compare(int(w[0]), int(w[1]), int(m[0]), int(m[1]), k, responses_w=int(w[2]), responses_m=int(m[2]))
            if shown else _hidden(k)
        )
        records.append([getattr(cmp, c) for c in COMPARISON_COLUMNS[:-1]] + [int(cmp.suppressed)])
        why.append("" if shown else _hidden_reason(w, m))
    out = pd.DataFrame(records, columns=list(COMPARISON_COLUMNS), dtype=object)
    for col in ("n_women", "positive_women", "n_men", "positive_men"):
        out[col] = out[col].astype("Int64")
    out[SUPPRESSED] = out[SUPPRESSED].astype(np.int64)
    out["hidden_reason"] = why
    return pd.concat([order, out], axis=1)


def _shown(frame: pd.DataFrame) -> pd.Series:
    return frame[SUPPRESSED].astype(int).eq(0)


# The columns that say which comparison a compare_table row is (whatever else a caller adds).
_IDENTITY = ("forbund", "year", "insats", "respondent_group", "indicator", "rate", "source",
             "income_source", "question")
_COUNTS = ("positive_women", "n_women", "positive_men", "n_men")


def _identities(frame: pd.DataFrame) -> list[tuple]:
    cols = [c for c in _IDENTITY if c in frame.columns]
    values = zip(*(frame[c].astype(str).tolist() for c in cols)) if cols else ((),) * len(frame)
    return [tuple(zip(cols, v)) for v in values]


def _shown_keys(frame: pd.DataFrame) -> list[tuple]:
    """(index, (identity, counts)) of the shown rows of a compare_table frame."""
    if not len(frame):
        return []
    out = []
    counts = zip(*(frame[c].tolist() for c in _COUNTS))
    for index, ok, ident, cnt in zip(frame.index, _shown(frame).tolist(), _identities(frame), counts):
        if ok:
            out.append((index, (ident, tuple(int(v) for v in cnt))))
    return out


@dataclass(frozen=True)
class Family:
    """Comparisons shown together (a page, a report) under Benjamini–Hochberg: the level alpha at
    which each of their intervals is drawn, how many there are (m) and how many are clear, and
    each one's adjusted p-value. Build it with family_of() over every comparison shown, then
    apply() it to each table that shows some of them."""

    alpha: float
    size: int
    clear: int
    q: float
    _adjusted: dict = field(repr=False, compare=False)

    @property
    def confidence(self) -> float:
        """The intervals' confidence in percent (95.0 for a family of one)."""
        return 100 * (1 - self.alpha)

    def apply(self, frame: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
        """A copy of a compare_table frame with every shown comparison at the family's level: its
        interval, verdict and `clear`, and its adjusted p-value. A comparison that is not part of
        the family is an error: it would be shown without the control."""
        k = check_k(k)
        frame = frame.copy()
        for index, key in _shown_keys(frame):
            if key not in self._adjusted:
                raise KeyError(f"comparison {key} is not part of this family")
            cnt = key[1]
            # Shown rows already passed the table's threshold on their responses (which the
            # frame does not carry): pass k so that compare() does not check it on valid answers.
            cmp = compare(*cnt, k, responses_w=k, responses_m=k, alpha=self.alpha,
                          p_adjusted=self._adjusted[key])
            for col in ("ci_low", "ci_high", "clear", "verdict", "p_adjusted", "alpha"):
                frame.at[index, col] = getattr(cmp, col)
        return frame


def family_of(frames: Sequence[pd.DataFrame], q: float = ALPHA) -> Family:
    """The Benjamini–Hochberg family (false discovery rate q) of every shown comparison in the
    compare_table frames. The same comparison in two frames (a table and a trend) counts once."""
    p_of: dict[tuple, float] = {}
    for frame in frames:
        for _index, key in _shown_keys(frame):
            if key not in p_of:
                p_of[key] = newcombe_p_value(*key[1])
    ps = list(p_of.values())
    alpha = family_alpha(ps, q)
    return Family(alpha, len(ps), _bh_rejections(ps, q), q, dict(zip(p_of, bh_adjusted(ps))))


def family_adjust(frames: Sequence[pd.DataFrame], k: int = DEFAULT_K, q: float = ALPHA
                  ) -> tuple[float, list[pd.DataFrame]]:
    """family_of(frames) applied to each of them: the family's level and the adjusted frames."""
    family = family_of(frames, q)
    return family.alpha, [family.apply(f, k) for f in frames]


def comparison_from_row(row, k: int = DEFAULT_K) -> Comparison:
    """The Comparison behind a (possibly family-adjusted) compare_table row, for sentence() and
    for the cells of a page: the same interval, verdict and adjusted p-value as the row."""
    if int(row[SUPPRESSED]) == 1:
        return hidden_comparison(k, row.get("hidden_reason") or "few")
    alpha = row.get("alpha")
    alpha = ALPHA if alpha is None or alpha is pd.NA else float(alpha)
    p_adjusted = row.get("p_adjusted")
    counts = [int(row[c]) for c in _COUNTS]
    k = check_k(k)
    # The row is shown: its table already checked its responses against k.
    return compare(*counts, k, responses_w=k, responses_m=k, alpha=alpha,
                   p_adjusted=None if p_adjusted is None or p_adjusted is pd.NA else float(p_adjusted))


def _hidden_reason(w, m) -> str:
    """Why a comparison is hidden: a gender missing or under k (few), or only hidden to protect
    another figure (protects)."""
    if w is None or m is None:
        return "few"
    return "few" if "few" in [row[4] for row in (w, m) if row[3]] else "protects"


# --- sentences ----------------------------------------------------------------------------------


def format_percent(value: Decimal, lang: str) -> str:
    """'88,0 %' in Swedish (decimal comma, space before %), '88.0%' in English; a whole
    percentage (percent_whole, for a share on few answers) without decimals: '88 %'."""
    text = f"{value:.1f}" if Decimal(value).as_tuple().exponent < 0 else f"{value:.0f}"
    return f"{text.replace('.', ',')} %" if _lang(lang) == "sv" else f"{text}%"


CAUTION_SV = "osäker: få svar"
CAUTION_EN = "uncertain: few answers"


def _share_text(positive: int, n: int, lang: str) -> str:
    """A share as a sentence shows it: one decimal, or whole on fewer than CAUTION_BELOW answers."""
    value = percent_whole(positive, n) if needs_caution(n) else percent(positive, n)
    return format_percent(value, lang)


def sentence(comparison: Comparison, subject_sv: str, subject_en: str, lang: str) -> str:
    """A plain-language sentence about a comparison, in Swedish or English.

    subject_sv / subject_en describe what the share measures, as a predicate with a plural
    subject ("går | till arbete med stöd" / "go to subsidised work"). In Swedish the comparison
    ("i högre grad än kvinnor") goes after the verb: mark the spot with "|" when the verb is more
    than one word ("känner sig | mer redo för arbete eller studier"); without "|" it goes after
    the first word. OUTCOME_PHRASES holds the phrases for the outcome rates.

    The verdict decides the sentence: clear, no clear difference, or too few answers to tell.
    A share on fewer than CAUTION_BELOW answers is whole and the parenthesis says "osäker: få svar".

    >>> c = compare(18, 100, 32, 100)
    >>> sentence(c, "går | till arbete med stöd", "go to subsidised work", "sv")
    'Män går i högre grad än kvinnor till arbete med stöd (32,0 % mot 18,0 %).'
    >>> sentence(compare(3, 9, 2, 12), "går | till studier", "go on to studies", "sv")
    'För få svar för att avgöra om kvinnor och män skiljer sig i andelen som går till studier (kvinnor 33 %, män 17 %; osäker: få svar).'
    """
    lang = _lang(lang)
    if comparison.suppressed and comparison.reason == REASON_PROTECTS:
        if lang == "sv":
            return "Jämförelsen visas inte: värdena för kvinnor eller män döljs för att skydda en annan uppgift."
        return "The comparison is not shown: the figures for women or men are hidden to protect another figure."
    if comparison.suppressed:
        if lang == "sv":
            return f"Jämförelsen visas inte: färre än {comparison.k} svar bland kvinnor eller män."
        return f"The comparison is not shown: fewer than {comparison.k} responses among women or men."
    assert comparison.women is not None and comparison.men is not None
    women = _share_text(comparison.positive_women, comparison.n_women, lang)
    men = _share_text(comparison.positive_men, comparison.n_men, lang)
    caution = f"; {CAUTION_SV if lang == 'sv' else CAUTION_EN}" if comparison.caution else ""
    verb, rest = _split_predicate(subject_sv)
    predicate_sv = f"{verb} {rest}".strip()
    predicate_en = subject_en.replace("|", " ").split()
    if comparison.verdict == VERDICT_TOO_FEW:
        if lang == "sv":
            return (f"För få svar för att avgöra om kvinnor och män skiljer sig i andelen som {predicate_sv} "
                    f"(kvinnor {women}, män {men}{caution}).")
        return (f"Too few answers to tell whether women and men differ in the share who "
                f"{' '.join(predicate_en)} (women {women}, men {men}{caution}).")
    if comparison.higher is None:
        if lang == "sv":
            return (f"Ingen tydlig skillnad mellan kvinnor och män i andelen som {predicate_sv} "
                    f"(kvinnor {women}, män {men}{caution}).")
        return (f"No clear difference between women and men in the share who {' '.join(predicate_en)} "
                f"(women {women}, men {men}{caution}).")
    women_first = comparison.higher == "kvinna"
    high, low = (women, men) if women_first else (men, women)
    if lang == "sv":
        first, second = ("Kvinnor", "män") if women_first else ("Män", "kvinnor")
        tail = f" {rest}" if rest else ""
        return f"{first} {verb} i högre grad än {second}{tail} ({high} mot {low}{caution})."
    first, second = ("Women", "men") if women_first else ("Men", "women")
    return f"{first} {' '.join(predicate_en)} more often than {second} ({high} vs {low}{caution})."


SOURCE_SELF_REPORTED = "self_reported"
SOURCE_REGISTERED = "registered"
# Where a share comes from, as a sentence names it (GENUSKOMPASS.md: självrapporterat /
# registrerade avslut): two sentences from different sources may rightly disagree.
SOURCE_PHRASES: dict[str, tuple[str, str]] = {
    SOURCE_SELF_REPORTED: ("självrapporterat", "self-reported"),
    SOURCE_REGISTERED: ("registrerade avslut", "registered avslut records"),
}


@dataclass(frozen=True)
class SentenceContext:
    """What a sentence needs to stand alone beside others: the year (as the page labels it), the
    respondent group as a sentence names it (sv, en; instrument.group_phrase) and the source."""

    year: str
    group: tuple[str, str]
    source: str  # SOURCE_SELF_REPORTED or SOURCE_REGISTERED


def standalone_sentence(comparison: Comparison, phrase: tuple[str, str], context: SentenceContext,
                        lang: str) -> str:
    """sentence() led by the year, the respondent group and the source, so that it names its
    measure, group, source and year on its own (GENUSKOMPASS.md: "every sentence stands alone").
    A hidden comparison still names the measure it does not show.

    >>> ctx = SentenceContext("2024", ("deltagare som avslutat insatsen",
    ...                       "participants who completed the intervention"), SOURCE_REGISTERED)
    >>> standalone_sentence(compare(18, 100, 32, 100), OUTCOME_PHRASES["subsidised_work"], ctx, "sv")
    '2024, deltagare som avslutat insatsen (registrerade avslut): Män går i högre grad än kvinnor till arbete med stöd (32,0 % mot 18,0 %).'
    >>> standalone_sentence(hidden_comparison(5, "few"), OUTCOME_PHRASES["subsidised_work"], ctx, "en")
    '2024, participants who completed the intervention (registered avslut records): The share who go to subsidised work is not compared: fewer than 5 responses among women or men.'
    """
    lang = _lang(lang)
    lead = _lead(context, lang)
    if not comparison.suppressed:
        return lead + sentence(comparison, phrase[0], phrase[1], lang)
    return lead + _not_compared([phrase], comparison, lang)


def standalone_sentences(items: Sequence[tuple[Comparison, tuple[str, str], SentenceContext]], lang: str
                         ) -> list[str]:
    """standalone_sentence() for each (comparison, phrase, context), findings first; hidden
    comparisons of one year, group and source, hidden for one reason, share one sentence that
    names each of their measures (a dozen near-identical lines would bury the findings).

    >>> ctx = SentenceContext("2024", ("deltagare som avslutat insatsen",
    ...                       "participants who completed the intervention"), SOURCE_REGISTERED)
    >>> hidden = hidden_comparison(5, "few")
    >>> standalone_sentences([(hidden, OUTCOME_PHRASES["work"], ctx), (compare(18, 100, 32, 100),
    ...     OUTCOME_PHRASES["subsidised_work"], ctx), (hidden, OUTCOME_PHRASES["studies"], ctx)], "sv")[1]
    '2024, deltagare som avslutat insatsen (registrerade avslut): Andelarna som går till arbete och som går till studier jämförs inte: färre än 5 svar bland kvinnor eller män.'
    """
    lang = _lang(lang)
    shown = [standalone_sentence(c, p, ctx, lang) for c, p, ctx in items if not c.suppressed]
    hidden: dict[tuple, list] = {}
    for c, p, ctx in items:
        if c.suppressed:
            hidden.setdefault((ctx, c.reason == REASON_PROTECTS, c.k), []).append((c, p))
    for (ctx, _protects, _k), members in hidden.items():
        shown.append(_lead(ctx, lang) + _not_compared([p for _c, p in members], members[0][0], lang))
    return shown


def _lead(context: SentenceContext, lang: str) -> str:
    if context.source not in SOURCE_PHRASES:
        raise ValueError(f"unknown source {context.source!r}")
    index = 0 if lang == "sv" else 1
    return f"{context.year}, {context.group[index]} ({SOURCE_PHRASES[context.source][index]}): "


def _not_compared(phrases: Sequence[tuple[str, str]], comparison: Comparison, lang: str) -> str:
    """'Andelen som … jämförs inte: why.' for one hidden measure, 'Andelarna som …, som … och
    som … jämförs inte' for several."""
    if comparison.reason == REASON_PROTECTS:
        why = ("värdena för kvinnor eller män döljs för att skydda en annan uppgift" if lang == "sv" else
               "the figures for women or men are hidden to protect another figure")
    else:
        why = (f"färre än {comparison.k} svar bland kvinnor eller män" if lang == "sv" else
               f"fewer than {comparison.k} responses among women or men")
    if lang == "sv":
        measures = [" ".join(_split_predicate(sv)).strip() for sv, _en in phrases]
        if len(measures) == 1:
            return f"Andelen som {measures[0]} jämförs inte: {why}."
        return f"Andelarna som {_join(measures, 'som ', 'och')} jämförs inte: {why}."
    measures = [" ".join(en.replace("|", " ").split()) for _sv, en in phrases]
    if len(measures) == 1:
        return f"The share who {measures[0]} is not compared: {why}."
    return f"The shares who {_join(measures, 'who ', 'and')} are not compared: {why}."


def _join(parts: list[str], repeat: str, conjunction: str) -> str:
    """'a, who b and who c': the first part bare, the others led by `repeat`."""
    led = [parts[0], *(repeat + p for p in parts[1:])]
    return f"{', '.join(led[:-1])} {conjunction} {led[-1]}"


def _lang(lang: str) -> str:
    code = lang.split("_")[0].split("-")[0].lower()
    if code not in ("sv", "en"):
        raise ValueError(f"sentences exist in Swedish and English, not {lang!r}")
    return code


def _split_predicate(phrase: str) -> tuple[str, str]:
    if "|" in phrase:
        verb, rest = phrase.split("|", 1)
    else:
        verb, _, rest = phrase.strip().partition(" ")
    return " ".join(verb.split()), " ".join(rest.split())


# Predicates for the outcome rates and income sources (sv, en), for sentence().
OUTCOME_PHRASES: dict[str, tuple[str, str]] = {
    "work": ("går | till arbete", "go to work"),
    "subsidised_work": ("går | till arbete med stöd", "go to subsidised work"),
    "studies": ("går | till studier", "go on to studies"),
    "work_or_studies": ("går | till arbete eller studier", "go to work or studies"),
    "subsidised_share_of_work": ("får | arbete med stöd när de går till arbete",
                                 "get subsidised work when they go to work"),
    "sick_leave": ("går | till sjukskrivning eller aktivitets- eller sjukersättning",
                   "go on to sick leave or disability benefit"),
}
INCOME_PHRASES: dict[str, tuple[str, str]] = {
    "lon": ("har | lön efter insatsen", "live on a wage after the intervention"),
    "a_kassa_aktivitetsstod": ("har | a-kassa eller aktivitetsstöd efter insatsen",
                               "live on unemployment benefit or activity support after the intervention"),
    "sjukpenning_ersattning": ("har | sjukpenning eller ersättning efter insatsen",
                               "live on sickness benefit or compensation after the intervention"),
    "forsorjningsstod": ("har | försörjningsstöd efter insatsen",
                         "live on social assistance after the intervention"),
    "studiemedel": ("har | studiemedel efter insatsen", "live on student finance after the intervention"),
    "ingen": ("har | ingen egen försörjning efter insatsen", "have no income after the intervention"),
    "annan": ("har | annan försörjning efter insatsen", "have another income after the intervention"),
}


# --- the six sub-goals --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionMeasure:
    """A share computed from a background or staff question that is not an indicator."""

    question: str                # question id in the instrument
    steps: tuple[int, ...]       # answer steps counted in the share
    by_gender: bool              # participants: women against men; staff: one share, no split
    name_sv: str
    name_en: str


@dataclass(frozen=True)
class SubGoal:
    """One jämställdhetspolitiskt delmål and what the genuskompass compares under it."""

    number: int
    name_sv: str                 # exact name of the sub-goal (GENUSKOMPASS.md)
    name_en: str
    short_sv: str
    short_en: str
    indicators: tuple[int, ...] = ()
    outcome_rates: tuple[str, ...] = ()       # codes of outcomes.RATES
    income_after: bool = False                # shares by income source after the intervention
    questions: tuple[QuestionMeasure, ...] = ()
    reflection_sv: tuple[str, ...] = ()
    reflection_en: tuple[str, ...] = ()


SUBGOALS: tuple[SubGoal, ...] = (
    SubGoal(
        1, "En jämn fördelning av makt och inflytande",
        "Gender-equal division of power and influence",
        "Makt och inflytande", "Power and influence",
        indicators=(3, 1),
        reflection_sv=(
            "Hade vi gett samma stöd om deltagaren varit av ett annat kön?",
            "Får kvinnor och män vara med och bestämma över sitt stöd i samma grad?",
            "Bemöter vi kvinnor och män på samma sätt, och hur vet vi det?",
        ),
        reflection_en=(
            "Would we have given the same support if the participant had been of another sex?",
            "Do women and men have the same say over the support they get?",
            "Do we treat women and men in the same way, and how do we know?",
        ),
    ),
    SubGoal(
        2, "Ekonomisk jämställdhet", "Economic gender equality",
        "Ekonomisk jämställdhet", "Economic equality",
        outcome_rates=("work", "subsidised_work", "subsidised_share_of_work"),
        income_after=True,
        reflection_sv=(
            "Vem får arbete med stöd, och vem får studier?",
            "Vilka insatser erbjuds kvinnor respektive män, och varför?",
            "Vad lever kvinnor och män på efter insatsen?",
        ),
        reflection_en=(
            "Who gets subsidised work, and who gets studies?",
            "Which interventions are offered to women and to men, and why?",
            "What do women and men live on after the intervention?",
        ),
    ),
    SubGoal(
        3, "Jämställd utbildning", "Gender-equal education",
        "Jämställd utbildning", "Gender-equal education",
        outcome_rates=("studies",),
        reflection_sv=(
            "Uppmuntrar vi kvinnor och män lika mycket att börja studera?",
            "Styrs förslagen på utbildning av föreställningar om kön?",
        ),
        reflection_en=(
            "Do we encourage women and men equally to take up studies?",
            "Are the studies we suggest steered by assumptions about gender?",
        ),
    ),
    SubGoal(
        4, "Jämn fördelning av det obetalda hem- och omsorgsarbetet",
        "Equal distribution of unpaid housework and provision of care",
        "Obetalt hem- och omsorgsarbete", "Unpaid housework and care",
        questions=(
            QuestionMeasure(
                "omsorg", (1,), True,
                "Andel som säger att ansvar för barn eller anhöriga begränsar deras deltagande",
                "Share who say that care for children or relatives limits their participation",
            ),
        ),
        reflection_sv=(
            "Tar vi hänsyn till ansvar för barn och anhöriga när insatsen planeras?",
            "Frågar vi män lika ofta som kvinnor om deras omsorgsansvar?",
        ),
        reflection_en=(
            "Do we take responsibility for children and relatives into account when we plan the intervention?",
            "Do we ask men as often as women about their caring responsibilities?",
        ),
    ),
    SubGoal(
        5, "Jämställd hälsa", "Gender-equal health",
        "Jämställd hälsa", "Gender-equal health",
        indicators=(6,),
        outcome_rates=("sick_leave",),
        reflection_sv=(
            "Tolkar vi kvinnors och mäns ohälsa på samma sätt?",
            "Vem går vidare till sjukskrivning eller ersättning, och varför?",
        ),
        reflection_en=(
            "Do we interpret women's and men's ill health in the same way?",
            "Who goes on to sick leave or benefit, and why?",
        ),
    ),
    SubGoal(
        6, "Mäns våld mot kvinnor ska upphöra", "Men's violence against women must stop",
        "Mäns våld mot kvinnor", "Men's violence against women",
        indicators=(16,),
        questions=(
            QuestionMeasure(
                "vald_rutin", (1, 2), False,
                "Andel personal som rutinmässigt frågar deltagarna om de utsatts för våld",
                "Share of staff who routinely ask participants whether they have been subjected to violence",
            ),
        ),
        reflection_sv=(
            "Frågar vi alla deltagare om våld, oavsett kön?",
            "Vet personalen vart den som utsatts för våld kan vända sig?",
        ),
        reflection_en=(
            "Do we ask every participant about violence, whatever their gender?",
            "Do staff know where someone subjected to violence can turn?",
        ),
    ),
)

MORE_COMPARISONS = SubGoal(
    0, "Fler jämförelser, inte knutna till ett delmål", "More comparisons, not tied to a sub-goal",
    "Fler jämförelser", "More comparisons",
    # GENUSKOMPASS.md asks for every participant indicator and every outcome rate; these are the
    # ones its sub-goal table does not place under a delmål (test_every_measure_is_compared).
    indicators=(2, 4, 5, 7, 8),
    outcome_rates=("work_or_studies",),
    reflection_sv=(
        "Skiljer sig kvinnors och mäns svar åt också här, och vad kan det bero på?",
        "Skulle vi ha gjort på samma sätt om deltagaren varit av ett annat kön?",
    ),
    reflection_en=(
        "Do women's and men's answers differ here too, and what could be the reason?",
        "Would we have done the same if the participant had been of another sex?",
    ),
)
"""Every participant indicator and outcome rate that no sub-goal compares: shown after the six
sub-goals, so that "are men less satisfied with the interventions?" can be asked of every
indicator (issue 11), while the six keep GENUSKOMPASS.md's mapping."""
GENUSKOMPASS_GROUPS: tuple[SubGoal, ...] = (*SUBGOALS, MORE_COMPARISONS)
"""What a genuskompass page or report shows, in order: the six sub-goals, then the rest."""
