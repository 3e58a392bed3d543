"""Property tests over random count tables: the disclosure and pooling invariants hold always.

The checks are written independently of the implementation (plain Python over the output rows).
"""
from collections import defaultdict
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import indicator_counts, indicator_table, outcome_counts, outcome_table, percent

FORBUND = ["alfa", "beta", "gamma", "delta"]
GROUPS = ["deltagare_avslut", "deltagare_pagaende", "styrelse"]
GENDERS = ["kvinna", "man", "annat", "ej_svar", None]
INSATSER = ["steg", "vagen", None]
FIGURES = ("n_responses", "valid", "positive")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cell_counts(draw):
    n = draw(st.integers(0, 14))
    valid = n + draw(st.integers(0, n))  # an indicator may pool two questions
    return n, valid, draw(st.integers(0, valid))


@st.composite
def count_tables(draw, with_insats=False):
    key = st.tuples(
        st.sampled_from(FORBUND), st.sampled_from([2022, 2023]), st.sampled_from(GROUPS),
        st.sampled_from([1, 2]), st.sampled_from(GENDERS),
        *( [st.sampled_from(INSATSER)] if with_insats else [] ),
    )
    cells = draw(st.dictionaries(key, cell_counts(), min_size=1, max_size=40))
    rows = []
    for (forbund, year, group, indicator, gender, *insats), (n, valid, positive) in cells.items():
        if group == "styrelse":
            gender = None  # staff are not asked kön
        rows.append({"forbund": forbund, "year": year, "respondent_group": group,
                     "indicator": indicator, "gender": gender, "n_responses": n, "valid": valid,
                     "positive": positive, **({"insats": insats[0]} if with_insats else {})})
    return pd.DataFrame(rows)


def _keys(df):
    return [c for c in df.columns if c not in (*FIGURES, "n", "numerator", "value", "suppressed")]


def assert_shown_cells_are_safe(out, count_col, k, zero_shown=False):
    """Shown cells rest on at least k; with zero_shown, a rate whose denominator is empty may be
    shown as 0 of 0 without a value (hiding a zero protects nothing)."""
    for row in out.to_dict("records"):
        if row["suppressed"]:
            assert row["value"] is None and pd.isna(row[count_col])
        elif zero_shown and row[count_col] == 0:
            assert row["value"] is None and row["numerator"] == 0
        else:
            assert row[count_col] >= k
            value = row["value"]
            if value is not None:
                assert isinstance(value, Decimal) and Decimal(0) <= value <= Decimal(100)


def assert_no_lone_hidden_sibling(out, varying, total):
    """Rule 2: never exactly one hidden member under a shown total; and (our stricter reading)
    never a set whose only hidden cell is its total while members are shown."""
    keys = _keys(out)
    within = [c for c in keys if c != varying]
    sets = defaultdict(dict)
    for row in out.to_dict("records"):
        sets[tuple(row[c] for c in within)][row[varying]] = bool(row["suppressed"])
    for cells in sets.values():
        if total not in cells or len(cells) == 1:
            continue
        members = [hidden for value, hidden in cells.items() if value != total]
        if not cells[total]:
            assert sum(members) != 1, cells
        else:
            assert sum(members) != 0, cells


@SETTINGS
@given(count_tables(), st.integers(5, 7), st.booleans())
def test_indicator_tables_never_disclose_a_small_cell(counts, k, by_gender):
    out = indicator_table(counts, k=k, by_gender=by_gender)
    assert_shown_cells_are_safe(out, "n_responses", k)
    assert_no_lone_hidden_sibling(out, "gender", "alla")
    assert_no_lone_hidden_sibling(out, "forbund", "riket")
    for row in out[out.suppressed == 0].to_dict("records"):
        assert row["value"] == percent(row["positive"], row["valid"])


@SETTINGS
@given(count_tables(with_insats=True), st.integers(5, 7))
def test_per_insats_tables_never_disclose_a_small_cell(counts, k):
    out = indicator_table(counts, k=k, by_gender=True, by_insats=True)
    assert_shown_cells_are_safe(out, "n_responses", k)
    for varying, total in (("gender", "alla"), ("forbund", "riket"), ("insats", "alla")):
        assert_no_lone_hidden_sibling(out, varying, total)
    assert set(out[out.forbund == "riket"].insats) <= {"alla"}


@SETTINGS
@given(count_tables())
def test_every_combination_with_a_response_has_a_row(counts):
    out = indicator_table(counts, by_gender=True)
    expected = {(r.forbund, r.year, r.respondent_group, r.indicator) for r in counts.itertuples()}
    alla = out[(out.gender == "alla") & (out.forbund != "riket")]
    assert set(zip(alla.forbund, alla.year, alla.respondent_group, alla.indicator)) == expected
    assert len(out) == len(out.drop_duplicates(_keys(out)))
    staff = out[out.respondent_group == "styrelse"]
    assert set(staff.gender) <= {"alla"}


@SETTINGS
@given(count_tables())
def test_gender_rows_add_up_to_alla_before_suppression(counts):
    pooled = indicator_counts(counts, by_gender=True)
    keys = ["forbund", "year", "respondent_group", "indicator"]
    split = pooled[pooled.gender != "alla"].groupby(keys)[list(FIGURES)].sum()
    alla = pooled[pooled.gender == "alla"].set_index(keys)[list(FIGURES)]
    participants = alla[alla.index.get_level_values("respondent_group") != "styrelse"]
    pd.testing.assert_frame_equal(split.sort_index(), participants.sort_index(), check_names=False)
    # and the alla row is the sum of every input row of its cell, whatever the kön
    raw = counts.groupby(keys)[list(FIGURES)].sum()
    ours = alla[alla.index.get_level_values("forbund") != "riket"]
    pd.testing.assert_frame_equal(raw.sort_index(), ours.sort_index(), check_names=False)


@SETTINGS
@given(count_tables())
def test_national_counts_are_the_sum_of_förbund_counts(counts):
    pooled = indicator_counts(counts, by_gender=True)
    keys = ["year", "respondent_group", "indicator", "gender"]
    national = pooled[pooled.forbund == "riket"].set_index(keys)[list(FIGURES)]
    summed = pooled[pooled.forbund != "riket"].groupby(keys)[list(FIGURES)].sum()
    pd.testing.assert_frame_equal(national.sort_index(), summed.sort_index(), check_names=False)


@st.composite
def outcome_records(draw):
    key = st.tuples(
        st.sampled_from(FORBUND[:3]), st.sampled_from([2023]), st.sampled_from(["avslut", "enkat"]),
        st.sampled_from(GENDERS),
        st.sampled_from(["arbete", "subventionerat_arbete", "studier", "sjukskriven", "vet_inte", None]),
    )
    cells = draw(st.dictionaries(key, st.integers(0, 9), min_size=1, max_size=30))
    return pd.DataFrame([(*key, n) for key, n in cells.items()],
                        columns=["forbund", "year", "source", "gender", "utfall", "n"])


@SETTINGS
@given(outcome_records(), st.integers(5, 6))
def test_outcome_tables_never_disclose_a_small_cell(records, k):
    out = outcome_table(records, k=k)
    assert_shown_cells_are_safe(out, "n", k, zero_shown=True)
    assert_no_lone_hidden_sibling(out, "gender", "alla")
    assert_no_lone_hidden_sibling(out, "forbund", "riket")
    shown = out[out.suppressed == 0]
    assert (shown.numerator <= shown.n).all()
    pooled = outcome_counts(records)
    keys = ["year", "source", "rate", "gender"]
    national = pooled[pooled.forbund == "riket"].set_index(keys)[["n", "numerator"]]
    summed = pooled[pooled.forbund != "riket"].groupby(keys)[["n", "numerator"]].sum()
    pd.testing.assert_frame_equal(national.sort_index(), summed.sort_index(), check_names=False)
