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
    fisher_p_value,
    newcombe_interval,
    wilson_interval,
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
    assert c.p_value == pytest.approx(fisher_p_value(56, 70, 48, 80)) and c.p_value < 0.05
    assert c.clear is True and c.higher == "kvinna" and not c.suppressed
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
    assert c.clear is False and c.higher is None


@pytest.mark.parametrize("args", [(3, 4, 10, 20), (10, 20, 0, 4)])
def test_a_cell_below_k_hides_the_whole_comparison(args):
    c = compare(*args)
    assert c.suppressed and c.reason == "below_k"
    assert all(getattr(c, f) is None for f in (
        "women", "men", "n_women", "n_men", "positive_women", "positive_men",
        "difference", "ci_low", "ci_high", "p_value", "clear"))


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
    men_higher = compare(18, 100, 32, 100)  # p = 0.033
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
    unclear = compare(20, 100, 24, 100)
    assert not unclear.clear
    assert sentence(unclear, *SUBSIDISED, "sv") == (
        "Ingen tydlig skillnad mellan kvinnor och män i andelen som går till arbete med stöd "
        "(kvinnor 20,0 %, män 24,0 %).")
    assert sentence(unclear, *SUBSIDISED, "en") == (
        "No clear difference between women and men in the share who go to subsidised work "
        "(women 20.0%, men 24.0%).")
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
