"""Genuskompass comparisons: statistics against published values, sentences, sub-goals."""
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from indicators import SUBGOALS, compare, compare_table, format_percent, indicator_table, sentence
from indicators.genuskompass import (
    INCOME_PHRASES,
    OUTCOME_PHRASES,
    VERDICT_CLEAR,
    VERDICT_NONE,
    VERDICT_TOO_FEW,
    bh_adjusted,
    family_adjust,
    family_alpha,
    fisher_p_value,
    newcombe_interval,
    newcombe_p_value,
    wilson_interval,
    z_for,
)
from indicators.outcomes import RATES

SUBSIDISED = OUTCOME_PHRASES["subsidised_work"]


# --- statistics ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_hybrid_score_interval_matches_the_published_table(x1, n1, x2, n2, low, high):
    got = newcombe_interval(x1, n1, x2, n2)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_interval_by_hand():
    # x = 0, n = 5: centre = z²/2 / (n + z²) = half-width, so the interval is [0, z²/(n + z²)]
    # = [0, 3.8415 / 8.8415] = [0, 0.4345].
    low, high = wilson_interval(0, 5)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.4345, abs=5e-5)


def test_fisher_exact_two_sided_p_values_by_hand():
    # Lady tasting tea, [[3, 1], [1, 3]]: tables as or less likely than the observed one are
    # 3/1, 1/3 (16/70 each) and 4/0, 0/4 (1/70 each): p = 34/70.
    assert fisher_p_value(3, 4, 1, 4) == pytest.approx(34 / 70)
    # [[5, 0], [0, 5]]: only the two extreme tables, 1/252 each: p = 2/252.
    assert fisher_p_value(5, 5, 0, 5) == pytest.approx(2 / 252)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_fisher_exact_agrees_with_scipy(data):
    # Small, förbund-sized and national-sized groups, and mirror-image tables (ties).
    size = st.one_of(st.integers(0, 12), st.integers(1, 400), st.integers(400, 60_000))
    n1, n2 = data.draw(size), data.draw(size)
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.one_of(st.integers(0, n2), st.just(n2 - x1 if n1 == n2 else 0)))
    expected = scipy_stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided").pvalue
    assert fisher_p_value(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_fisher_exact_keeps_tiny_p_values_and_rejects_impossible_counts():
    p = fisher_p_value(900, 1000, 100, 1000)
    assert 0 < p < 1e-250
    assert p == pytest.approx(scipy_stats.fisher_exact([[900, 100], [100, 900]]).pvalue, rel=1e-9)
    assert fisher_p_value(0, 0, 3, 7) == 1.0
    with pytest.raises(ValueError):
        fisher_p_value(5, 4, 1, 4)


def test_compare_gives_both_shares_the_gap_women_minus_men_and_the_test():
    c = compare(56, 70, 48, 80)
    assert (c.women, c.men) == (Decimal("80.0"), Decimal("60.0"))
    assert (c.n_women, c.positive_women, c.n_men, c.positive_men) == (70, 56, 80, 48)
    assert c.difference == Decimal("20.0")  # women minus men, in percentage points
    assert (c.ci_low, c.ci_high) == (Decimal("5.2"), Decimal("33.4"))
    assert c.p_value == pytest.approx(newcombe_p_value(56, 70, 48, 80)) and c.p_value < 0.05
    assert c.clear is True and c.verdict == VERDICT_CLEAR and c.higher == "kvinna" and not c.suppressed
    assert c.alpha == 0.05 and c.confidence == pytest.approx(95.0) and c.p_adjusted == c.p_value
    reverse = compare(48, 80, 56, 70)
    assert reverse.difference == Decimal("-20.0") and reverse.higher == "man"
    assert (reverse.ci_low, reverse.ci_high) == (Decimal("-33.4"), Decimal("-5.2"))


def test_the_gap_is_rounded_from_the_exact_shares():
    # 1/16 = 6.25 % and 0/9: the gap is exactly 6.25 points -> 6.3 (half up).
    c = compare(1, 16, 0, 9)
    assert c.difference == Decimal("6.3")
    # 1/3 - 1/6 = 16.666... points -> 16.7, although 33.3 - 16.7 = 16.6.
    c = compare(3, 9, 2, 12)
    assert (c.women, c.men, c.difference) == (Decimal("33.3"), Decimal("16.7"), Decimal("16.7"))
    assert c.clear is False and c.higher is None and c.verdict == VERDICT_TOO_FEW


@pytest.mark.parametrize("args", [(3, 4, 10, 20), (10, 20, 0, 4)])
def test_a_cell_below_k_hides_the_whole_comparison(args):
    c = compare(*args)
    assert c.suppressed and c.reason == "below_k"
    assert all(getattr(c, f) is None for f in (
        "women", "men", "n_women", "n_men", "positive_women", "positive_men",
        "difference", "ci_low", "ci_high", "p_value", "clear", "verdict", "p_adjusted", "alpha", "caution"))


def test_threshold_applies_to_responses_not_valid_answers():
    # 4 women gave 8 valid answers (a two-question indicator): still fewer than 5 responses.
    assert compare(6, 8, 10, 20, responses_w=4, responses_m=10).suppressed
    assert not compare(6, 8, 10, 20, responses_w=5, responses_m=10).suppressed
    assert compare(6, 8, 10, 20, k=9).suppressed  # k is honoured, here on n


# --- sentences ----------------------------------------------------------------------------------

def test_percent_formatting_per_language():
    assert format_percent(Decimal("88.0"), "sv") == "88,0 %"
    assert format_percent(Decimal("88.0"), "en") == "88.0%"
    assert format_percent(Decimal("6.3"), "sv_SE") == "6,3 %"
    with pytest.raises(ValueError):
        format_percent(Decimal("1.0"), "de")


def test_clear_difference_sentences():
    men_higher = compare(18, 100, 32, 100)  # p = 0.023 (Newcombe; Fisher's exact test gives 0.033)
    assert men_higher.clear
    assert sentence(men_higher, *SUBSIDISED, "sv") == (
        "Män går i högre grad än kvinnor till arbete med stöd (32,0 % mot 18,0 %).")
    assert sentence(men_higher, *SUBSIDISED, "en") == (
        "Men go to subsidised work more often than women (32.0% vs 18.0%).")
    women_higher = compare(32, 100, 18, 100)
    assert sentence(women_higher, "känner sig | mer redo för arbete eller studier",
                    "feel closer to work or studies", "sv") == (
        "Kvinnor känner sig i högre grad än män mer redo för arbete eller studier (32,0 % mot 18,0 %).")
    assert sentence(women_higher, "känner sig | mer redo för arbete eller studier",
                    "feel closer to work or studies", "en") == (
        "Women feel closer to work or studies more often than men (32.0% vs 18.0%).")


def test_no_clear_difference_and_hidden_sentences():
    # 2,000 of 10,000 against 2,040 of 10,000: the interval (-1.5 to 0.7 points) contains 0
    # and rules out a 10-point gap.
    unclear = compare(2000, 10000, 2040, 10000)
    assert not unclear.clear and unclear.verdict == VERDICT_NONE
    assert sentence(unclear, *SUBSIDISED, "sv") == (
        "Ingen tydlig skillnad mellan kvinnor och män i andelen som går till arbete med stöd "
        "(kvinnor 20,0 %, män 20,4 %).")
    assert sentence(unclear, *SUBSIDISED, "en") == (
        "No clear difference between women and men in the share who go to subsidised work "
        "(women 20.0%, men 20.4%).")
    hidden = compare(2, 4, 10, 20)
    assert sentence(hidden, *SUBSIDISED, "sv") == (
        "Jämförelsen visas inte: färre än 5 svar bland kvinnor eller män.")
    assert sentence(hidden, *SUBSIDISED, "en") == (
        "The comparison is not shown: fewer than 5 responses among women or men.")


def test_every_rate_and_income_source_has_a_phrase_in_both_languages():
    assert set(OUTCOME_PHRASES) == set(RATES)
    assert set(INCOME_PHRASES) == {"lon", "a_kassa_aktivitetsstod", "sjukpenning_ersattning",
                                   "forsorjningsstod", "studiemedel", "ingen", "annan"}
    c = compare(30, 50, 10, 50)
    for sv, en in (*OUTCOME_PHRASES.values(), *INCOME_PHRASES.values()):
        assert sentence(c, sv, en, "sv").startswith("Kvinnor ")
        assert "|" not in sentence(c, sv, en, "sv") + sentence(c, sv, en, "en")


# --- comparisons over a published table -------------------------------------------------------

def test_compare_table_never_shows_what_the_table_hides():
    counts = pd.DataFrame(
        [
            ("alfa", 2023, "deltagare_avslut", 1, "kvinna", 16, 16, 8),
            ("alfa", 2023, "deltagare_avslut", 1, "man", 9, 9, 3),
            ("beta", 2023, "deltagare_avslut", 1, "kvinna", 6, 6, 6),
            ("beta", 2023, "deltagare_avslut", 1, "man", 3, 3, 0),
            ("gamma", 2023, "deltagare_avslut", 1, "kvinna", 20, 20, 10),
            ("gamma", 2023, "deltagare_avslut", 1, "man", 12, 12, 6),
        ],
        columns=["forbund", "year", "respondent_group", "indicator", "gender", "n_responses",
                 "valid", "positive"],
    )
    table = indicator_table(counts, by_gender=True)
    out = compare_table(table).set_index("forbund")
    # Every förbund's kvinna and man rows pass the threshold but for beta's men (3); the table
    # hides the others too (complementary suppression against insiders, see the golden tests),
    # and no comparison shows what the table hides.
    hidden = table[table["suppressed"].astype(bool) & table["gender"].isin(["kvinna", "man"])]
    for forbund in set(hidden["forbund"]):
        assert out.loc[forbund, "suppressed"] == 1 and out.loc[forbund, "women"] is None
    assert out.loc["beta", "suppressed"] == 1
    # gamma: 10/20 against 6/12, no gap.
    gamma = out.loc["gamma"]
    assert (gamma["women"], gamma["men"], gamma["n_women"], gamma["n_men"]) == (
        Decimal("50.0"), Decimal("50.0"), 20, 12)
    assert gamma["suppressed"] == 0 and gamma["difference"] == Decimal("0.0")
    assert list(out.columns[:3]) == ["year", "respondent_group", "indicator"]


# --- sub-goals ------------------------------------------------------------------------------------

def test_six_subgoals_with_their_exact_names():
    assert [g.name_sv for g in SUBGOALS] == [
        "En jämn fördelning av makt och inflytande",
        "Ekonomisk jämställdhet",
        "Jämställd utbildning",
        "Jämn fördelning av det obetalda hem- och omsorgsarbetet",
        "Jämställd hälsa",
        "Mäns våld mot kvinnor ska upphöra",
    ]
    assert [g.number for g in SUBGOALS] == [1, 2, 3, 4, 5, 6]
    assert all(g.name_en for g in SUBGOALS)


def test_subgoals_compare_what_genuskompass_md_says():
    by_number = {g.number: g for g in SUBGOALS}
    assert set(by_number[1].indicators) == {1, 3}
    assert set(by_number[2].outcome_rates) == {"work", "subsidised_work", "subsidised_share_of_work"}
    assert by_number[2].income_after
    assert by_number[3].outcome_rates == ("studies",)
    assert [(q.question, q.steps, q.by_gender) for q in by_number[4].questions] == [("omsorg", (1,), True)]
    assert by_number[5].indicators == (6,) and by_number[5].outcome_rates == ("sick_leave",)
    assert by_number[6].indicators == (16,)
    assert [(q.question, q.by_gender) for q in by_number[6].questions] == [("vald_rutin", False)]
    for goal in SUBGOALS:
        assert set(goal.outcome_rates) <= set(RATES)


def test_reflection_questions_in_both_languages_with_the_examples_verbatim():
    for goal in SUBGOALS:
        assert 2 <= len(goal.reflection_sv) <= 3
        assert len(goal.reflection_en) == len(goal.reflection_sv)
        assert all(q.endswith("?") for q in (*goal.reflection_sv, *goal.reflection_en))
    swedish = [q for goal in SUBGOALS for q in goal.reflection_sv]
    for example in (
        "Hade vi gett samma stöd om deltagaren varit av ett annat kön?",
        "Vilka insatser erbjuds kvinnor respektive män, och varför?",
        "Vem får arbete med stöd, och vem får studier?",
    ):
        assert example in swedish


def test_compare_table_keeps_the_table_order_with_riket_last():
    counts = pd.DataFrame(
        [(f, 2023, "deltagare_avslut", 1, g, 10, 10, 5) for f in ("sjuhärad", "alfa") for g in ("kvinna", "man")],
        columns=["forbund", "year", "respondent_group", "indicator", "gender", "n_responses",
                 "valid", "positive"],
    )
    out = compare_table(indicator_table(counts, by_gender=True))
    assert out.forbund.tolist() == ["alfa", "sjuhärad", "riket"]


def test_a_hidden_comparison_says_why():
    from indicators.genuskompass import REASON_PROTECTS, hidden_comparison

    protects = hidden_comparison(5, "protects")
    assert protects.suppressed and protects.reason == REASON_PROTECTS
    assert sentence(protects, "är | nöjda", "are satisfied", "sv") == (
        "Jämförelsen visas inte: värdena för kvinnor eller män döljs för att skydda en annan uppgift.")
    assert "hidden to protect another figure" in sentence(protects, "är | nöjda", "are satisfied", "en")
    assert sentence(hidden_comparison(5, "few"), "är | nöjda", "are satisfied", "sv") == (
        "Jämförelsen visas inte: färre än 5 svar bland kvinnor eller män.")


# --- one honest verdict (issue 11 point 1) --------------------------------------------------------

def _newcombe_lower_upper(x1, n1, x2, n2, z):
    """Newcombe's method 10 written again from the paper with scipy's quantiles, as an
    independent check on the module's p-value."""
    def wilson(x, n):
        centre = (x + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * (x * (n - x) / n + z * z / 4) ** 0.5
        return centre - half, centre + half
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1), wilson(x2, n2)
    return (p1 - p2 - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5,
            p1 - p2 + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5)


@pytest.mark.parametrize("counts", [(56, 70, 48, 80), (9, 10, 3, 10), (18, 100, 32, 100), (34, 100, 20, 100),
                                    (5, 56, 0, 29), (29, 29, 24, 29), (120, 400, 140, 410)])
def test_the_p_value_is_the_level_at_which_the_interval_reaches_zero(counts):
    from scipy.optimize import brentq

    x1, n1, x2, n2 = counts
    bound = (lambda z: _newcombe_lower_upper(x1, n1, x2, n2, z)[0]) if x1 / n1 > x2 / n2 else (
        lambda z: -_newcombe_lower_upper(x1, n1, x2, n2, z)[1])
    z = brentq(bound, 1e-9, 30, xtol=1e-14)
    assert newcombe_p_value(*counts) == pytest.approx(2 * scipy_stats.norm.sf(z), rel=1e-8)


def test_newcombe_p_value_edges():
    assert newcombe_p_value(0, 10, 0, 20) == 1.0 and newcombe_p_value(5, 10, 10, 20) == 1.0
    assert 0 <= newcombe_p_value(10_000, 10_000, 0, 10_000) < 1e-300
    with pytest.raises(ValueError):
        newcombe_p_value(5, 4, 1, 4)


def test_fisher_and_newcombe_disagreed_and_now_the_verdict_follows_the_interval():
    # 29 of 29 against 24 of 29: the 95 % interval is 2.1 to 34.5 points, away from 0, but
    # Fisher's exact test gave p = 0.052 and called it "not clear". Now both say clear.
    assert fisher_p_value(29, 29, 24, 29) > 0.05
    c = compare(29, 29, 24, 29)
    assert (c.ci_low, c.ci_high) == (Decimal("2.1"), Decimal("34.5"))
    assert c.clear and c.p_value < 0.05


COUNTS = st.integers(5, 3000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))  # from k up


@settings(max_examples=500, deadline=None)
@given(COUNTS, COUNTS, st.sampled_from([0.05, 0.01, 0.05 / 7, 0.05 * 3 / 80, 0.2]))
def test_the_verdict_and_the_interval_never_disagree(women, men, alpha):
    (x1, n1), (x2, n2) = women, men
    c = compare(x1, n1, x2, n2, alpha=alpha)
    low, high = newcombe_interval(x1, n1, x2, n2, z_for(alpha))
    excludes = low > 0 or high < 0
    assert c.clear == excludes == (c.verdict == VERDICT_CLEAR)
    assert c.clear == (c.p_value < alpha)  # the p-value is the same method, turned round
    # As printed (one decimal): a clear gap's interval never crosses 0, an unclear one spans it.
    if c.clear:
        assert (c.ci_low >= 0 and c.difference > 0) or (c.ci_high <= 0 and c.difference < 0)
    else:
        assert c.ci_low <= 0 <= c.ci_high
        assert c.verdict == (VERDICT_TOO_FEW if low <= -0.1 or high >= 0.1 else VERDICT_NONE)


def _frame(rows):
    """compare_table rows of hand-made counts, one per förbund (riket left out)."""
    records = []
    for i, (pw, nw, pm, nm) in enumerate(rows):
        for gender, pos, n in (("kvinna", pw, nw), ("man", pm, nm)):
            records.append((f"f{i:02d}", 2024, "deltagare_avslut", 1, gender, n, n, pos))
    counts = pd.DataFrame(records, columns=["forbund", "year", "respondent_group", "indicator", "gender",
                                            "n_responses", "valid", "positive"])
    out = compare_table(indicator_table(counts, by_gender=True))
    return out[out["forbund"].ne("riket")].reset_index(drop=True)


def test_a_p_of_0_03_among_many_comparisons_is_not_called_clear():
    # 34 of 100 against 20 of 100: p = 0.026, clear alone. Among 19 comparisons without a gap it
    # is the smallest of 20 p-values and BH asks p <= 0.05 / 20 = 0.0025: not clear.
    alone = compare(34, 100, 20, 100)
    assert alone.clear and 0.02 < alone.p_value < 0.035
    frame = _frame([(34, 100, 20, 100)] + [(50, 100, 50, 100)] * 19)
    assert frame["clear"].tolist() == [True] + [False] * 19  # before the family is taken into account
    alpha, (adjusted,) = family_adjust([frame])
    assert alpha == pytest.approx(0.05 / 20)
    first = adjusted.iloc[0]
    assert not first["clear"] and first["verdict"] != VERDICT_CLEAR
    assert first["p_adjusted"] == pytest.approx(min(1, alone.p_value * 20))
    assert Decimal(first["ci_low"]) < 0 < Decimal(first["ci_high"])  # the wider interval now spans 0
    assert not adjusted["clear"].any()


def test_a_strong_gap_survives_the_family_and_its_interval_is_drawn_at_the_family_level():
    rows = [(80, 100, 20, 100), (60, 100, 40, 100)] + [(50, 100, 50, 100)] * 8
    alpha, (adjusted,) = family_adjust([_frame(rows)])
    ps = [newcombe_p_value(*r) for r in rows]
    # Independent BH: the largest i with p_(i) <= i q / m, counted by hand over sorted p-values.
    ordered = sorted(ps)
    r = max(i for i in range(1, 11) if ordered[i - 1] <= i * 0.05 / 10)
    assert r == 2 and alpha == pytest.approx(r * 0.05 / 10)
    assert adjusted["clear"].tolist() == [True, True] + [False] * 8
    low, high = newcombe_interval(80, 100, 20, 100, scipy_stats.norm.ppf(1 - alpha / 2))
    assert (adjusted.loc[0, "ci_low"], adjusted.loc[0, "ci_high"]) == (
        Decimal(str(round(low * 100, 1))), Decimal(str(round(high * 100, 1))))


def test_the_same_comparison_in_two_frames_counts_once():
    frame = _frame([(34, 100, 20, 100), (50, 100, 50, 100)])
    alpha_once, _frames = family_adjust([frame])
    alpha_twice, (a, b) = family_adjust([frame, frame.copy()])
    assert alpha_once == alpha_twice
    assert a["ci_low"].tolist() == b["ci_low"].tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=60), st.sampled_from([0.05, 0.1]))
def test_family_level_and_adjusted_p_values_are_benjamini_hochberg(ps, q):
    m = len(ps)
    ordered = sorted(ps)
    r = max([i for i in range(1, m + 1) if ordered[i - 1] <= i * q / m], default=0)
    rejected = set(sorted(range(m), key=lambda i: ps[i])[:r])
    alpha = family_alpha(ps, q)
    assert alpha == pytest.approx(max(r, 1) * q / m)
    adjusted = bh_adjusted(ps)
    for i, p in enumerate(ps):
        if ordered.count(p) == 1:  # ties at the cut may fall either side of a strict "<"
            assert (i in rejected) == (adjusted[i] <= q) == (p <= alpha)


def test_power_rule_too_few_answers_at_small_sizes_no_clear_difference_at_large_ones():
    # 9 of 20 against 8 of 20: the interval (-24 to 34 points) could hold a 10-point gap.
    small = compare(9, 20, 8, 20)
    assert small.verdict == VERDICT_TOO_FEW and not small.clear
    assert sentence(small, *SUBSIDISED, "sv").startswith("För få svar för att avgöra om kvinnor och män")
    assert sentence(small, *SUBSIDISED, "en").startswith("Too few answers to tell whether women and men")
    # 50.5 % against 50.0 % of 5,000 each: a tiny gap, an interval of ±2 points: no clear difference.
    large = compare(2525, 5000, 2500, 5000)
    assert large.verdict == VERDICT_NONE and not large.clear
    assert sentence(large, *SUBSIDISED, "sv").startswith("Ingen tydlig skillnad")


def test_shares_on_few_answers_carry_the_caution_and_no_decimal():
    c = compare(9, 9, 10, 25)
    assert c.caution and c.women == Decimal("100.0")  # the published figure keeps its decimal
    assert sentence(c, *SUBSIDISED, "sv").endswith("(100 % mot 40,0 %; osäker: få svar).")
    assert sentence(c, *SUBSIDISED, "en").endswith("(100% vs 40.0%; uncertain: few answers).")
    assert not compare(20, 20, 10, 20).caution  # 20 answers: no caution
