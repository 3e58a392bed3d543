"""Genuskompass comparisons: women and men side by side (GENUSKOMPASS.md).

Each comparison gives both percentages with their n, the gap in percentage points (women minus
men: positive when women's share is higher), a 95 % confidence interval for the gap (Newcombe's
hybrid score interval, method 10 of Newcombe 1998, built from Wilson intervals) and a two-sided
Fisher exact test; the gap is called clear when p < 0.05. When either cell is below the
disclosure threshold, nothing but the reason is given: no values, no interval, no test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pandas as pd

from .disclosure import DEFAULT_K, SUPPRESSED, check_k
from .rounding import percent, round_half_up

__all__ = [
    "ALPHA",
    "COMPARISON_COLUMNS",
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
    "fisher_p_value",
    "format_percent",
    "hidden_comparison",
    "newcombe_interval",
    "sentence",
    "wilson_interval",
]

ALPHA = 0.05
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
    difference means the women's share is higher. All figures are None when suppressed.
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
    _exact_gap: Fraction | None = field(default=None, repr=False, compare=False)

    @property
    def higher(self) -> str | None:
        """'kvinna' or 'man' when the difference is clear, else None (decided on exact shares,
        so rounding can never flip the direction)."""
        if not self.clear or self._exact_gap is None or self._exact_gap == 0:
            return None
        return "kvinna" if self._exact_gap > 0 else "man"


def compare(
    pos_w: int,
    n_w: int,
    pos_m: int,
    n_m: int,
    k: int = DEFAULT_K,
    *,
    responses_w: int | None = None,
    responses_m: int | None = None,
) -> Comparison:
    """Compare women's share pos_w/n_w with men's pos_m/n_m.

    n_w and n_m are the denominators of the shares (valid answers for an indicator, records with
    a known outcome for a rate). The threshold applies to the number of responses a cell rests
    on, which for an indicator with several questions is smaller than its valid answers: pass it
    as responses_w / responses_m (default: n_w / n_m).
    """
    k = check_k(k)
    for pos, n in ((pos_w, n_w), (pos_m, n_m)):
        if not 0 <= pos <= n:
            raise ValueError(f"need 0 <= positive <= n, got {pos} of {n}")
    base_w = n_w if responses_w is None else responses_w
    base_m = n_m if responses_m is None else responses_m
    if base_w < k or base_m < k:
        return _hidden(k)
    low, high = newcombe_interval(pos_w, n_w, pos_m, n_m)
    p_value = fisher_p_value(pos_w, n_w, pos_m, n_m)
    gap = Fraction(pos_w, n_w) - Fraction(pos_m, n_m)
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
        ci_low=round_half_up(low * 100),
        ci_high=round_half_up(high * 100),
        p_value=p_value,
        clear=p_value < ALPHA,
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
    "difference", "ci_low", "ci_high", "p_value", "clear", SUPPRESSED,
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


def _hidden_reason(w, m) -> str:
    """Why a comparison is hidden: a gender missing or under k (few), or only hidden to protect
    another figure (protects)."""
    if w is None or m is None:
        return "few"
    return "few" if "few" in [row[4] for row in (w, m) if row[3]] else "protects"


# --- sentences ----------------------------------------------------------------------------------


def format_percent(value: Decimal, lang: str) -> str:
    """'88,0 %' in Swedish (decimal comma, space before %), '88.0%' in English."""
    text = f"{value:.1f}"
    return f"{text.replace('.', ',')} %" if _lang(lang) == "sv" else f"{text}%"


def sentence(comparison: Comparison, subject_sv: str, subject_en: str, lang: str) -> str:
    """A plain-language sentence about a comparison, in Swedish or English.

    subject_sv / subject_en describe what the share measures, as a predicate with a plural
    subject ("går | till arbete med stöd" / "go to subsidised work"). In Swedish the comparison
    ("i högre grad än kvinnor") goes after the verb: mark the spot with "|" when the verb is more
    than one word ("känner sig | mer redo för arbete eller studier"); without "|" it goes after
    the first word. OUTCOME_PHRASES holds the phrases for the outcome rates.

    >>> c = compare(18, 100, 32, 100)
    >>> sentence(c, "går | till arbete med stöd", "go to subsidised work", "sv")
    'Män går i högre grad än kvinnor till arbete med stöd (32,0 % mot 18,0 %).'
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
    women, men = format_percent(comparison.women, lang), format_percent(comparison.men, lang)
    verb, rest = _split_predicate(subject_sv)
    predicate_sv = f"{verb} {rest}".strip()
    predicate_en = subject_en.replace("|", " ").split()
    if comparison.higher is None:
        if lang == "sv":
            return (f"Ingen tydlig skillnad mellan kvinnor och män i andelen som {predicate_sv} "
                    f"(kvinnor {women}, män {men}).")
        return (f"No clear difference between women and men in the share who {' '.join(predicate_en)} "
                f"(women {women}, men {men}).")
    women_first = comparison.higher == "kvinna"
    high, low = (women, men) if women_first else (men, women)
    if lang == "sv":
        first, second = ("Kvinnor", "män") if women_first else ("Män", "kvinnor")
        tail = f" {rest}" if rest else ""
        return f"{first} {verb} i högre grad än {second}{tail} ({high} mot {low})."
    first, second = ("Women", "men") if women_first else ("Men", "women")
    return f"{first} {' '.join(predicate_en)} more often than {second} ({high} vs {low})."


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
