"""Golden tables: small data sets whose every published cell is worked out by hand below."""
from decimal import Decimal

import pandas as pd
import pytest

from indicators import INDICATOR_COLUMNS, OUTCOME_COLUMNS, indicator_table, outcome_table
from indicators.outcomes import INCOME_COLUMNS, income_after_table
from tests.support.attacker import attack_indicators, attack_outcomes

H = "hidden"
COUNT_COLS = ["forbund", "year", "respondent_group", "indicator", "gender", "n_responses", "valid", "positive"]


def counts(rows):
    return pd.DataFrame(rows, columns=COUNT_COLS)


def cells(df, key_cols):
    """{key: (n, valid, positive, value) or "hidden"}, checking that hidden cells are blank."""
    out = {}
    figures = [c for c in ("n_responses", "valid", "positive", "n", "numerator") if c in df.columns]
    for row in df.to_dict("records"):
        key = tuple(row[c] for c in key_cols)
        if row["suppressed"] == 1:
            assert all(pd.isna(row[c]) for c in figures) and row["value"] is None, row
            out[key] = H
        else:
            assert row["suppressed"] == 0
            out[key] = (*(int(row[c]) for c in figures), row["value"])
    return out


def d(text):
    return Decimal(text)


# --- indicators ---------------------------------------------------------------------------------

def test_values_rounding_and_national_pooling():
    data = counts([
        # alfa, deltagare_pagaende, indicator 3: 1 of 16 positive = 6.25 % -> 6.3 (half up)
        ("alfa", 2023, "deltagare_pagaende", 3, "kvinna", 16, 16, 1),
        # beta: 7 of 8 = 87.5 %, from two kön cells that add up
        ("beta", 2023, "deltagare_pagaende", 3, "kvinna", 5, 5, 4),
        ("beta", 2023, "deltagare_pagaende", 3, "man", 3, 3, 3),
        # gamma: 3 of 6 = 50 %. Three förbund, so riket may be shown (DISCLOSURE.md rule 4).
        ("gamma", 2023, "deltagare_pagaende", 3, "kvinna", 6, 6, 3),
        # alfa, insatspersonal, indicator 2 pools two questions: 6 responses, 11 valid answers,
        # 8 positive -> 72.727 % -> 72.7. Staff have no kön.
        ("alfa", 2023, "insatspersonal", 2, None, 6, 11, 8),
        ("beta", 2023, "insatspersonal", 2, None, 5, 5, 5),
        ("gamma", 2023, "insatspersonal", 2, None, 5, 9, 4),
    ])
    out = indicator_table(data)
    assert list(out.columns) == list(INDICATOR_COLUMNS)
    # riket, indicator 3: counts pooled, (1 + 7 + 3) of (16 + 8 + 6) = 36.667 % -> 36.7; NOT the
    # mean of the förbund percentages, (6.3 + 87.5 + 50.0) / 3 = 47.9. Staff: 17 of 25 = 68.0.
    assert cells(out, ["forbund", "respondent_group", "indicator", "gender"]) == {
        ("alfa", "deltagare_pagaende", 3, "alla"): (16, 16, 1, d("6.3")),
        ("alfa", "insatspersonal", 2, "alla"): (6, 11, 8, d("72.7")),
        ("beta", "deltagare_pagaende", 3, "alla"): (8, 8, 7, d("87.5")),
        ("beta", "insatspersonal", 2, "alla"): (5, 5, 5, d("100.0")),
        ("gamma", "deltagare_pagaende", 3, "alla"): (6, 6, 3, d("50.0")),
        ("gamma", "insatspersonal", 2, "alla"): (5, 9, 4, d("44.4")),
        ("riket", "deltagare_pagaende", 3, "alla"): (30, 30, 11, d("36.7")),
        ("riket", "insatspersonal", 2, "alla"): (16, 25, 17, d("68.0")),
    }
    # Sorted by forbund (riket last), year, respondent_group, indicator, gender.
    assert list(zip(out.forbund, out.respondent_group)) == [
        ("alfa", "deltagare_pagaende"), ("alfa", "insatspersonal"), ("beta", "deltagare_pagaende"),
        ("beta", "insatspersonal"), ("gamma", "deltagare_pagaende"), ("gamma", "insatspersonal"),
        ("riket", "deltagare_pagaende"), ("riket", "insatspersonal")]
    assert indicator_table(data, national=False).forbund.tolist() == ["alfa", "alfa", "beta", "beta", "gamma", "gamma"]


def test_riket_needs_three_contributing_förbund():
    # Two förbund only: riket is no national figure (rule 4). Both förbund stay shown: riket is
    # their sum, so hiding it keeps nothing secret that they show, and nothing of theirs is
    # hidden for an insider to find as riket minus their own.
    data = counts([("alfa", 2023, "deltagare_pagaende", 3, "kvinna", 16, 16, 1),
                   ("beta", 2023, "deltagare_pagaende", 3, "kvinna", 8, 8, 7)])
    out = indicator_table(data)
    assert cells(out, ["forbund"]) == {("alfa",): (16, 16, 1, d("6.3")), ("beta",): (8, 8, 7, d("87.5")),
                                       ("riket",): H}
    assert out.set_index("forbund").hidden_reason.to_dict() == {"alfa": "", "beta": "", "riket": "protects"}
    # With a hidden förbund under it, riket minus the shown one would give it away: the
    # complement is another row, and the hidden förbund stays unsolvable.
    small = counts([("alfa", 2023, "deltagare_pagaende", 3, "kvinna", 16, 16, 1),
                    ("beta", 2023, "deltagare_pagaende", 3, "kvinna", 3, 3, 2)])
    out = indicator_table(small, by_gender=True)
    assert attack_indicators(out.astype(object), 5) == []


def test_complementary_suppression_of_a_förbund_under_riket():
    data = counts([
        ("alfa", 2023, "deltagare_pagaende", 3, "kvinna", 16, 16, 1),
        ("beta", 2023, "deltagare_pagaende", 3, "kvinna", 8, 8, 7),
        ("gamma", 2023, "deltagare_pagaende", 3, "kvinna", 2, 2, 2),
    ])
    # gamma (2 responses) is hidden by the threshold. riket = 26 responses would give it away
    # as riket - alfa - beta. Hiding another förbund would not do: it knows its own figures
    # and would read gamma's off riket (DISCLOSURE.md: an insider). riket's total goes.
    assert cells(indicator_table(data), ["forbund", "gender"]) == {
        ("alfa", "alla"): (16, 16, 1, d("6.3")),
        ("beta", "alla"): (8, 8, 7, d("87.5")),
        ("gamma", "alla"): H,
        ("riket", "alla"): H,
    }


def test_gender_rows_and_complementary_suppression_on_genders():
    data = counts([
        ("alfa", 2023, "deltagare_avslut", 1, "kvinna", 16, 16, 1),
        ("alfa", 2023, "deltagare_avslut", 1, "man", 10, 12, 9),
        ("alfa", 2023, "deltagare_avslut", 1, "annat", 1, 1, 1),
        ("alfa", 2023, "deltagare_avslut", 1, "ej_svar", 1, 1, 0),
        ("alfa", 2023, "deltagare_avslut", 1, None, 2, 2, 2),
        ("alfa", 2023, "styrelse", 12, None, 6, 6, 3),
    ])
    out = indicator_table(data, by_gender=True, national=False)
    # alla: 30 responses, 13 of 32 = 40.625 % -> 40.6. kvinna: 1 of 16 -> 6.3.
    # ovriga = annat + ej_svar + blank = 4 responses (< 5: hidden), 3 of 4 valid.
    # alla - kvinna - man would give ovriga away, so another row of the set is hidden: the
    # total, not a gender (DISCLOSURE.md rule 3), so women and men stay comparable.
    # Staff (styrelse) get no gender rows.
    assert cells(out, ["respondent_group", "gender"]) == {
        ("deltagare_avslut", "alla"): H,
        ("deltagare_avslut", "kvinna"): (16, 16, 1, d("6.3")),
        ("deltagare_avslut", "man"): (10, 12, 9, d("75.0")),
        ("deltagare_avslut", "ovriga"): H,
        ("styrelse", "alla"): (6, 6, 3, d("50.0")),
    }
    assert out.gender.tolist() == ["alla", "kvinna", "man", "ovriga", "alla"]
    # Without by_gender, only alla rows (and the same figures).
    plain = indicator_table(data, national=False)
    assert plain.gender.tolist() == ["alla", "alla"]
    assert plain.value.tolist() == [d("40.6"), d("50.0")]


def test_gender_suppression_in_a_förbund_and_in_riket_at_once():
    data = counts([
        ("alfa", 2023, "deltagare_avslut", 1, "kvinna", 16, 16, 1),
        ("alfa", 2023, "deltagare_avslut", 1, "man", 10, 12, 9),
        ("alfa", 2023, "deltagare_avslut", 1, "annat", 4, 4, 3),
        ("beta", 2023, "deltagare_avslut", 1, "kvinna", 6, 6, 3),
        ("beta", 2023, "deltagare_avslut", 1, "man", 7, 7, 7),
        ("gamma", 2023, "deltagare_avslut", 1, "kvinna", 9, 9, 5),
        ("gamma", 2023, "deltagare_avslut", 1, "man", 8, 8, 2),
    ])
    out = indicator_table(data, by_gender=True)
    # Pooled cells (n, valid, positive):
    #   alfa  alla 30/32/13  kvinna 16/16/1  man 10/12/9  ovriga 4/4/3
    #   beta  alla 13/13/10  kvinna 6/6/3    man 7/7/7
    #   gamma alla 17/17/7   kvinna 9/9/5    man 8/8/2
    #   riket alla 60/62/30  kvinna 31/31/9  man 25/27/18 ovriga 4/4/3
    # Threshold: alfa ovriga (4) and riket ovriga (4, and one förbund only) hidden.
    # 1. alfa genders: ovriga alone hidden -> the total alla is hidden, not a gender.
    # 2. riket genders: the same, riket alla hidden.
    # 3. alla under riket: alfa and riket hidden (2 cells, and alfa's ovriga free in 1..4).
    # Every women-vs-men comparison stays.
    assert cells(out, ["forbund", "gender"]) == {
        ("alfa", "alla"): H,
        ("alfa", "kvinna"): (16, 16, 1, d("6.3")),
        ("alfa", "man"): (10, 12, 9, d("75.0")),
        ("alfa", "ovriga"): H,
        ("beta", "alla"): (13, 13, 10, d("76.9")),
        ("beta", "kvinna"): (6, 6, 3, d("50.0")),
        ("beta", "man"): (7, 7, 7, d("100.0")),
        ("gamma", "alla"): (17, 17, 7, d("41.2")),
        ("gamma", "kvinna"): (9, 9, 5, d("55.6")),
        ("gamma", "man"): (8, 8, 2, d("25.0")),
        ("riket", "alla"): H,
        ("riket", "kvinna"): (31, 31, 9, d("29.0")),
        ("riket", "man"): (25, 27, 18, d("66.7")),
        ("riket", "ovriga"): H,
    }
    assert attack_indicators(out.astype(object), 5) == []


def test_small_ovriga_groups_hide_totals_not_genders_across_förbund_and_riket():
    data = counts([
        ("alfa", 2023, "deltagare_avslut", 1, "kvinna", 16, 16, 1),
        ("alfa", 2023, "deltagare_avslut", 1, "man", 10, 12, 9),
        ("alfa", 2023, "deltagare_avslut", 1, "annat", 4, 4, 3),
        ("beta", 2023, "deltagare_avslut", 1, "kvinna", 6, 6, 3),
        ("beta", 2023, "deltagare_avslut", 1, "man", 7, 7, 7),
        ("beta", 2023, "deltagare_avslut", 1, "ej_svar", 5, 5, 1),
        ("gamma", 2023, "deltagare_avslut", 1, "kvinna", 9, 9, 5),
        ("gamma", 2023, "deltagare_avslut", 1, "man", 8, 8, 2),
    ])
    out = indicator_table(data, by_gender=True)
    # Pooled cells (n, valid, positive):
    #   alfa  alla 30/32/13  kvinna 16/16/1  man 10/12/9  ovriga 4/4/3
    #   beta  alla 18/18/11  kvinna 6/6/3    man 7/7/7    ovriga 5/5/1
    #   gamma alla 17/17/7   kvinna 9/9/5    man 8/8/2
    #   riket alla 65/67/31  kvinna 31/31/9  man 25/27/18 ovriga 9/9/4
    # Threshold: alfa ovriga (4) hidden; riket ovriga has two förbund only (rule 4): not shown,
    # but no secret either (nothing is hidden to protect it).
    # 1. alfa genders: ovriga alone hidden -> alfa alla hidden (a total before a gender).
    # 2. alla under riket: alfa alone hidden -> riket's total (a second förbund would read alfa's
    #    off riket, knowing its own). Every women-vs-men comparison stays, riket's too.
    assert cells(out, ["forbund", "gender"]) == {
        ("alfa", "alla"): H,
        ("alfa", "kvinna"): (16, 16, 1, d("6.3")),
        ("alfa", "man"): (10, 12, 9, d("75.0")),
        ("alfa", "ovriga"): H,
        ("beta", "alla"): (18, 18, 11, d("61.1")),
        ("beta", "kvinna"): (6, 6, 3, d("50.0")),
        ("beta", "man"): (7, 7, 7, d("100.0")),
        ("beta", "ovriga"): (5, 5, 1, d("20.0")),
        ("gamma", "alla"): (17, 17, 7, d("41.2")),
        ("gamma", "kvinna"): (9, 9, 5, d("55.6")),
        ("gamma", "man"): (8, 8, 2, d("25.0")),
        ("riket", "alla"): H,
        ("riket", "kvinna"): (31, 31, 9, d("29.0")),
        ("riket", "man"): (25, 27, 18, d("66.7")),
        ("riket", "ovriga"): H,
    }
    assert attack_indicators(out.astype(object), 5) == []


def test_cascade_from_förbund_set_back_into_gender_sets():
    data = counts([
        ("alfa", 2023, "deltagare_avslut", 1, "kvinna", 16, 16, 8),
        ("alfa", 2023, "deltagare_avslut", 1, "man", 9, 9, 3),
        ("beta", 2023, "deltagare_avslut", 1, "kvinna", 6, 6, 6),
        ("beta", 2023, "deltagare_avslut", 1, "man", 3, 3, 0),
        ("gamma", 2023, "deltagare_avslut", 1, "kvinna", 20, 20, 10),
        ("gamma", 2023, "deltagare_avslut", 1, "man", 12, 12, 6),
    ])
    out = indicator_table(data, by_gender=True)
    # Pooled (n = valid here; positive):
    #   alfa  alla 25 (11)  kvinna 16 (8)  man 9 (3)
    #   beta  alla 9 (6)    kvinna 6 (6)   man 3 (0)
    #   gamma alla 32 (16)  kvinna 20 (10) man 12 (6)
    #   riket alla 66 (33)  kvinna 42 (24) man 24 (9)
    # Threshold: beta man (3) hidden.
    # 1. beta genders: man alone hidden -> beta alla hidden (a total before a gender).
    # 2. man under riket: beta alone hidden -> riket's men, not another förbund's: every förbund
    #    knows its own rows and would read beta's off riket (DISCLOSURE.md: insiders).
    # 3. riket genders: men alone hidden -> riket alla; alla under riket: beta and riket hidden.
    # The greedy repair hid alfa's men and total too; trying alfa's comparison again shows that
    # beta's men stay free (riket's men = beta's + 21, beta's in 1..4) without them.
    # Every kvinna row stays shown, and the comparisons of alfa and gamma.
    assert cells(out, ["forbund", "gender"]) == {
        ("alfa", "alla"): (25, 25, 11, d("44.0")),
        ("alfa", "kvinna"): (16, 16, 8, d("50.0")),
        ("alfa", "man"): (9, 9, 3, d("33.3")),
        ("beta", "alla"): H,
        ("beta", "kvinna"): (6, 6, 6, d("100.0")),
        ("beta", "man"): H,
        ("gamma", "alla"): (32, 32, 16, d("50.0")),
        ("gamma", "kvinna"): (20, 20, 10, d("50.0")),
        ("gamma", "man"): (12, 12, 6, d("50.0")),
        ("riket", "alla"): H,
        ("riket", "kvinna"): (42, 42, 24, d("57.1")),
        ("riket", "man"): H,
    }
    assert attack_indicators(out.astype(object), 5) == []


def test_per_insats_rows_are_siblings_under_the_förbund():
    data = pd.DataFrame(
        [
            ("alfa", "steg", 2023, "deltagare_pagaende", 3, "kvinna", 12, 12, 6),
            ("alfa", "vagen", 2023, "deltagare_pagaende", 3, "man", 3, 3, 3),
            ("alfa", None, 2023, "deltagare_pagaende", 3, "kvinna", 5, 5, 1),
            ("beta", "steg", 2023, "deltagare_pagaende", 3, "man", 7, 7, 7),
            ("gamma", "steg", 2023, "deltagare_pagaende", 3, "man", 9, 9, 4),
        ],
        columns=["forbund", "insats", *COUNT_COLS[1:]],
    )
    out = indicator_table(data, by_insats=True)
    assert list(out.columns) == ["forbund", "insats", *INDICATOR_COLUMNS[1:]]
    # alfa: alla 20 (10 positive) = steg 12 + vagen 3 (hidden) + no insats "" 5. The smallest
    # shown sibling, "" (5 < 12), is hidden too. beta: steg 7 = alla 7. riket pools the
    # förbund figures (insats alla) of three förbund: 36 responses, 21 positive -> 58.3.
    assert cells(out, ["forbund", "insats"]) == {
        ("alfa", "alla"): (20, 20, 10, d("50.0")),
        ("alfa", ""): H,
        ("alfa", "steg"): (12, 12, 6, d("50.0")),
        ("alfa", "vagen"): H,
        ("beta", "alla"): (7, 7, 7, d("100.0")),
        ("beta", "steg"): (7, 7, 7, d("100.0")),
        ("gamma", "alla"): (9, 9, 4, d("44.4")),
        ("gamma", "steg"): (9, 9, 4, d("44.4")),
        ("riket", "alla"): (36, 36, 21, d("58.3")),
    }
    assert out.insats.tolist() == ["alla", "", "steg", "vagen", "alla", "steg", "alla", "steg", "alla"]
    assert attack_indicators(out.astype(object), 5) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"forbund": "riket"}, "reserved"),
        ({"positive": 17}, "positive <= valid"),
        ({"n_responses": -1}, "negative"),
        ({"gender": "kvinnor"}, "unknown gender"),
        ({"year": None}, "missing"),
    ],
)
def test_bad_counts_are_refused(change, message):
    row = dict(zip(COUNT_COLS, ("alfa", 2023, "deltagare_avslut", 1, "kvinna", 16, 16, 1)))
    with pytest.raises(ValueError, match=message):
        indicator_table(pd.DataFrame([{**row, **change}]), by_gender=True)


def test_insats_code_alla_is_refused_and_k_below_5_too():
    data = pd.DataFrame([("alfa", "alla", 2023, "styrelse", 12, None, 6, 6, 3)],
                        columns=["forbund", "insats", *COUNT_COLS[1:]])
    with pytest.raises(ValueError, match="reserved"):
        indicator_table(data, by_insats=True)
    with pytest.raises(ValueError):
        indicator_table(data, k=4)


def test_a_cell_with_responses_but_no_valid_answer_is_a_hidden_row():
    data = counts([
        ("alfa", 2023, "deltagare_avslut", 8, "kvinna", 0, 0, 0),
        ("alfa", 2023, "deltagare_avslut", 8, "man", 9, 9, 9),
    ])
    out = indicator_table(data, by_gender=True, national=False)
    # kvinna has a row (every combination with a response gets one) but n = 0: hidden, never 0.
    # alla (9) = man (9) would then give kvinna = 0 away, so the total is hidden with it.
    assert cells(out, ["gender"]) == {("alla",): H, ("kvinna",): H, ("man",): (9, 9, 9, d("100.0"))}


# --- outcomes -----------------------------------------------------------------------------------

OUTCOME_RECORDS = pd.DataFrame(
    [
        ("alfa", 2023, "avslut", "kvinna", "arbete", 2),
        ("alfa", 2023, "avslut", "kvinna", "subventionerat_arbete", 1),
        ("alfa", 2023, "avslut", "kvinna", "studier", 3),
        ("alfa", 2023, "avslut", "kvinna", "arbetssokande", 2),
        ("alfa", 2023, "avslut", "kvinna", "vet_inte", 4),
        ("alfa", 2023, "avslut", "man", "subventionerat_arbete", 4),
        ("alfa", 2023, "avslut", "man", "arbete", 2),
        ("alfa", 2023, "avslut", "man", "sjukskriven", 1),
        ("alfa", 2023, "avslut", "man", None, 3),
        ("beta", 2023, "avslut", "kvinna", "arbete", 5),
        ("alfa", 2023, "enkat", "kvinna", "studier", 5),
    ],
    columns=["forbund", "year", "source", "gender", "utfall", "n"],
)


def test_outcome_rates_by_hand():
    out = outcome_table(OUTCOME_RECORDS)
    assert list(out.columns) == list(OUTCOME_COLUMNS)
    got = cells(out, ["forbund", "source", "rate", "gender"])
    # Known outcomes (vet_inte and blank excluded); work = arbete + subventionerat_arbete.
    #   avslut alfa kvinna: known 2+1+3+2 = 8; work 3, subsidised 1, studies 3, w/s 6
    #   avslut alfa man:    known 4+2+1 = 7;   work 6, subsidised 4, studies 0, w/s 6
    #   avslut alfa alla:   known 15;          work 9, subsidised 5, studies 3, w/s 12
    #   avslut beta kvinna = alla: known 5;    work 5, subsidised 0, studies 0, w/s 5
    #   avslut riket kvinna: known 13;         work 8, subsidised 1, studies 3, w/s 11
    #   avslut riket man = alfa man; riket alla: known 20; work 14, subs 5, studies 3, w/s 17
    #   enkat (never added to avslut): alfa kvinna = alfa alla = riket = known 5, studies 5
    expected = {}

    def put(forbund, source, gender, n, work, subs, studies):
        expected[(forbund, source, "work", gender)] = (n, work)
        expected[(forbund, source, "subsidised_work", gender)] = (n, subs)
        expected[(forbund, source, "studies", gender)] = (n, studies)
        expected[(forbund, source, "work_or_studies", gender)] = (n, work + studies)

    put("alfa", "avslut", "kvinna", 8, 3, 1, 3)
    put("alfa", "avslut", "man", 7, 6, 4, 0)
    put("alfa", "avslut", "alla", 15, 9, 5, 3)
    put("beta", "avslut", "kvinna", 5, 5, 0, 0)
    put("beta", "avslut", "alla", 5, 5, 0, 0)
    put("riket", "avslut", "kvinna", 13, 8, 1, 3)
    put("riket", "avslut", "man", 7, 6, 4, 0)
    put("riket", "avslut", "alla", 20, 14, 5, 3)
    for forbund in ("alfa", "riket"):
        for gender in ("alla", "kvinna"):
            put(forbund, "enkat", gender, 5, 0, 0, 5)
    # Values worked out: 3/8 = 37.5, 1/8 = 12.5, 6/8 = 75.0; 6/7 = 85.714 -> 85.7,
    # 4/7 = 57.142 -> 57.1; 9/15 = 60.0, 5/15 = 33.333 -> 33.3, 3/15 = 20.0, 12/15 = 80.0;
    # 8/13 = 61.538 -> 61.5, 1/13 = 7.692 -> 7.7, 3/13 = 23.077 -> 23.1, 11/13 = 84.615 -> 84.6;
    # 14/20 = 70.0, 5/20 = 25.0, 3/20 = 15.0, 17/20 = 85.0.
    values = {
        ("alfa", "avslut", "kvinna"): ("37.5", "12.5", "37.5", "75.0"),
        ("alfa", "avslut", "man"): ("85.7", "57.1", "0.0", "85.7"),
        ("alfa", "avslut", "alla"): ("60.0", "33.3", "20.0", "80.0"),
        ("beta", "avslut", "kvinna"): ("100.0", "0.0", "0.0", "100.0"),
        ("beta", "avslut", "alla"): ("100.0", "0.0", "0.0", "100.0"),
        ("riket", "avslut", "kvinna"): ("61.5", "7.7", "23.1", "84.6"),
        ("riket", "avslut", "man"): ("85.7", "57.1", "0.0", "85.7"),
        ("riket", "avslut", "alla"): ("70.0", "25.0", "15.0", "85.0"),
        ("alfa", "enkat", "kvinna"): ("0.0", "0.0", "100.0", "100.0"),
        ("alfa", "enkat", "alla"): ("0.0", "0.0", "100.0", "100.0"),
        ("riket", "enkat", "kvinna"): ("0.0", "0.0", "100.0", "100.0"),
        ("riket", "enkat", "alla"): ("0.0", "0.0", "100.0", "100.0"),
    }
    for (forbund, source, gender), texts in values.items():
        for rate, text in zip(("work", "subsidised_work", "studies", "work_or_studies"), texts):
            key = (forbund, source, rate, gender)
            expected[key] = (*expected[key], d(text))
    # Share of work that is subsidised (n = number in work):
    #   avslut: alfa kvinna 1/3, alfa man 4/6, alfa alla 5/9, beta kvinna = alla 0/5;
    #   enkat: nobody in work: 0 of 0, shown as such (hiding a zero protects nothing).
    expected[("alfa", "avslut", "subsidised_share_of_work", "man")] = (6, 4, d("66.7"))
    for gender in ("alla", "kvinna"):
        expected[("beta", "avslut", "subsidised_share_of_work", gender)] = (5, 0, d("0.0"))
        expected[("alfa", "enkat", "subsidised_share_of_work", gender)] = (0, 0, None)
    # Threshold: alfa kvinna's share rests on 3 in work: hidden. Its work (3) and subsidised (1)
    # numerators would give it away, so alfa kvinna's subsidised_work is hidden with it; then
    # the share's gender set needs its total hidden, and alfa alla's share in turn its
    # subsidised_work. riket: two förbund only (rule 4), so no national figure at all.
    for gender in ("alla", "kvinna"):
        for rate in ("subsidised_share_of_work", "subsidised_work"):
            expected[("alfa", "avslut", rate, gender)] = H
    for key in list(expected):
        if key[0] == "riket":
            expected[key] = H
    for gender in ("alla", "kvinna", "man"):
        expected[("riket", "avslut", "subsidised_share_of_work", gender)] = H
    for gender in ("alla", "kvinna"):
        expected[("riket", "enkat", "subsidised_share_of_work", gender)] = H
    assert got == expected
    assert attack_outcomes(out.astype(object), 5) == []
    # Sorted by forbund (riket last), year, source, rate, gender.
    keys = list(zip(out.forbund.map({"alfa": 0, "beta": 1, "riket": 2}), out.source, out.rate, out.gender))
    assert keys == sorted(keys)


def test_export_has_exactly_five_rates_and_sick_leave_is_opt_in():
    export = outcome_table(OUTCOME_RECORDS)
    assert set(export.rate) == {"work", "subsidised_work", "studies", "work_or_studies",
                                "subsidised_share_of_work"}
    extra = outcome_table(OUTCOME_RECORDS, rates=["sick_leave"])
    # sick leave: alfa man 1 of 7 known -> 14.3; alfa alla 1 of 15 -> 6.7.
    got = cells(extra[extra.source == "avslut"], ["forbund", "gender"])
    assert got[("alfa", "man")] == (7, 1, d("14.3"))
    assert got[("alfa", "alla")] == (15, 1, d("6.7"))
    # Adding a rate never changes another rate's rows.
    both = outcome_table(OUTCOME_RECORDS, rates=["work", "sick_leave"])
    pd.testing.assert_frame_equal(both[both.rate == "work"].reset_index(drop=True),
                                  export[export.rate == "work"].reset_index(drop=True))


def test_unknown_outcome_codes_and_sources_are_refused():
    bad = OUTCOME_RECORDS.copy()
    bad.loc[0, "utfall"] = "jobb"
    with pytest.raises(ValueError, match="jobb"):
        outcome_table(bad)
    bad = OUTCOME_RECORDS.copy()
    bad.loc[0, "source"] = "sus"
    with pytest.raises(ValueError, match="sus"):
        outcome_table(bad)


def test_income_after_the_intervention_by_hand():
    records = pd.DataFrame(
        [
            ("alfa", 2023, "kvinna", "lon", 3),
            ("alfa", 2023, "kvinna", "studiemedel", 2),
            ("alfa", 2023, "kvinna", "okand", 4),
            ("alfa", 2023, "man", "lon", 5),
            ("alfa", 2023, "man", "forsorjningsstod", 3),
            ("alfa", 2023, "man", None, 1),
        ],
        columns=["forbund", "year", "gender", "forsorjning_efter", "n"],
    )
    out = income_after_table(records, national=False)
    assert list(out.columns) == list(INCOME_COLUMNS)
    got = cells(out, ["income_source", "gender"])
    # Known (not okand, not blank): kvinna 5, man 8, alla 13. All >= 5, nothing hidden.
    # lon: 3/5 = 60.0, 5/8 = 62.5, 8/13 = 61.538 -> 61.5; studiemedel: 2/5 = 40.0, 0/8, 2/13 =
    # 15.385 -> 15.4; forsorjningsstod: 0/5, 3/8 = 37.5, 3/13 = 23.077 -> 23.1; the others 0.
    assert got[("lon", "kvinna")] == (5, 3, d("60.0"))
    assert got[("lon", "man")] == (8, 5, d("62.5"))
    assert got[("lon", "alla")] == (13, 8, d("61.5"))
    assert got[("studiemedel", "alla")] == (13, 2, d("15.4"))
    assert got[("forsorjningsstod", "man")] == (8, 3, d("37.5"))
    assert got[("forsorjningsstod", "alla")] == (13, 3, d("23.1"))
    assert got[("ingen", "kvinna")] == (5, 0, d("0.0"))
    assert set(out.income_source) == {"lon", "a_kassa_aktivitetsstod", "sjukpenning_ersattning",
                                      "forsorjningsstod", "studiemedel", "ingen", "annan"}
    assert len(out) == 7 * 3
