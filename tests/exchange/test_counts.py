"""The counting API (GROUP BY in the database) against small hand-made data, on both databases."""
import pandas as pd
import pytest

from survey.figures import counts
from tests.exchange.helpers import avslut, response


def _cell(df, **where):
    rows = df
    for col, value in where.items():
        rows = rows[rows[col].isna()] if value is None else rows[rows[col] == value]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}"
    return rows.iloc[0]


@pytest.fixture
def data(factory):
    a = factory.forbund("alfa")
    b = factory.forbund("beta")
    steget = factory.insats(a, "steget")
    vagen = factory.insats(a, "vagen")
    # deltagare_avslut, kvinnor: D1 = 1 (positive), 3 (valid, not positive), 9 (not valid);
    # a fourth answers only D2. D7 is janej: 2 = Nej (valid), 3 is no step of janej (not valid).
    response(a, answers={"D1": 1, "D7": 2}, kon="kvinna", insats=steget)
    response(a, answers={"D1": 3, "D7": 3}, kon="kvinna", insats=steget)
    response(a, answers={"D1": 9}, kon="kvinna", insats=vagen)
    response(a, answers={"D2": 2}, kon="kvinna", insats=vagen)
    response(a, answers={"D1": 2, "omsorg": 1}, kon="man", insats=steget)
    response(a, answers={"D1": 4, "omsorg": 2}, kon=None, insats=steget)
    # remittenter: indicator 15 pools R1 and R2.
    response(a, "remittenter", {"R1": 1, "R2": 4})
    response(a, "remittenter", {"R1": 9, "R2": 2})
    response(a, "remittenter", {"R1": 3})
    response(a, "remittenter", {"R1": 9, "R2": 9})
    # insatspersonal: indicator 16 pools J1 and J2; J1 does not exist in 2017-A.
    response(a, "insatspersonal", {"J1": 2, "J2": 2, "vald_rutin": 1})
    response(a, "insatspersonal", {"J1": 4})
    response(a, "insatspersonal", {"J1": 1, "P1": 1}, version="2017-A")
    # Another förbund and another year.
    response(b, answers={"D1": 1}, kon="man", year=2023)
    return a, b, steget, vagen


def test_indicator_counts_hand_made(data):
    df = counts.indicator_counts()
    assert list(df.columns) == counts.INDICATOR_COUNT_COLUMNS
    k1 = _cell(df, forbund="alfa", year=2024, respondent_group="deltagare_avslut", gender="kvinna", indicator=1)
    # D1 answers 1, 3 valid; 9 excluded; the D2-only response has no D1 answer.
    assert (k1.n_responses, k1.valid, k1.positive) == (2, 2, 1)
    men = _cell(df, forbund="alfa", respondent_group="deltagare_avslut", gender="man", indicator=1)
    assert (men.n_responses, men.valid, men.positive) == (1, 1, 1)
    blank = _cell(df, forbund="alfa", respondent_group="deltagare_avslut", gender=None, indicator=1)
    assert (blank.n_responses, blank.valid, blank.positive) == (1, 1, 0)
    d7 = _cell(df, forbund="alfa", respondent_group="deltagare_avslut", gender="kvinna", indicator=7)
    assert (d7.n_responses, d7.valid, d7.positive) == (1, 1, 0)  # 3 is not a janej step
    # Pooled 15: valid answers R1=1, R2=4 | R2=2 | R1=3 → 4 valid, 2 positive, 3 distinct responses.
    k15 = _cell(df, forbund="alfa", respondent_group="remittenter", indicator=15)
    assert (k15.n_responses, k15.valid, k15.positive) == (3, 4, 2)
    assert pd.isna(k15.gender)
    # Pooled 16 (2021-A only): J1=2, J2=2 | J1=4 → 3 valid, 2 positive, 2 responses.
    k16 = _cell(df, forbund="alfa", respondent_group="insatspersonal", indicator=16)
    assert (k16.n_responses, k16.valid, k16.positive) == (2, 3, 2)
    # P1 of the 2017-A response counts for indicator 2 in its group.
    k2 = _cell(df, forbund="alfa", respondent_group="insatspersonal", indicator=2)
    assert (k2.n_responses, k2.valid, k2.positive) == (1, 1, 1)
    # Background questions are no indicators.
    assert set(df["indicator"]) <= set(range(1, 17))
    assert _cell(df, forbund="beta", indicator=1).year == 2023


def test_indicator_counts_filters_and_insats(data):
    a, b, steget, vagen = data
    only_b = counts.indicator_counts(forbund_ids=[b.id])
    assert set(only_b["forbund"]) == {"beta"}
    assert set(counts.indicator_counts(years=[2023])["forbund"]) == {"beta"}
    staff = counts.indicator_counts(groups=["remittenter"])
    assert set(staff["respondent_group"]) == {"remittenter"}
    by_insats = counts.indicator_counts(forbund_ids=[a.id], by_insats=True)
    assert list(by_insats.columns)[:2] == ["forbund", "insats"]
    cell = _cell(by_insats, insats="steget", gender="kvinna", indicator=1)
    assert (cell.n_responses, cell.valid, cell.positive) == (2, 2, 1)
    assert _cell(by_insats, insats=None, indicator=15).n_responses == 3
    only_vagen = counts.indicator_counts(insats_ids=[vagen.id])
    assert set(only_vagen["indicator"]) == {2}  # the D1 answer there is a 9


def test_question_counts_background(data):
    omsorg = counts.question_counts("omsorg")
    assert list(omsorg.columns) == counts.QUESTION_COUNT_COLUMNS
    man = _cell(omsorg, gender="man")
    assert (man.question, man.valid, man.positive) == ("omsorg", 1, 1)
    assert _cell(omsorg, gender=None).positive == 0
    rutin = _cell(counts.question_counts("vald_rutin"), respondent_group="insatspersonal")
    assert (rutin.n_responses, rutin.positive) == (1, 1)
    with pytest.raises(ValueError):
        counts.question_counts("kon")


def test_outcome_and_income_counts(factory):
    a = factory.forbund("alfa")
    avslut(a, kon="man", utfall="subventionerat_arbete", efter="lon", n=3)
    avslut(a, kon="kvinna", utfall="studier", efter="studiemedel", n=2)
    avslut(a, kon="kvinna", utfall="studier", year=2023)
    response(a, answers={"D1": 1}, kon="kvinna", utfall="arbete")
    response(a, answers={"D1": 1}, kon="kvinna", utfall="arbete")
    response(a, "deltagare_pagaende", {"D1": 1}, kon="kvinna", utfall=None)
    df = counts.outcome_counts()
    assert list(df.columns) == counts.OUTCOME_COUNT_COLUMNS
    assert _cell(df, source="avslut", gender="man", year=2024).n == 3
    assert _cell(df, source="avslut", gender="kvinna", year=2024).n == 2
    assert _cell(df, source="enkat", utfall="arbete").n == 2  # the pagaende response is no outcome
    assert set(counts.outcome_counts(source="enkat")["source"]) == {"enkat"}
    assert counts.outcome_counts(years=[2023])["n"].tolist() == [1]
    income = counts.income_counts()
    assert list(income.columns) == counts.INCOME_COUNT_COLUMNS
    assert _cell(income, gender="man").forsorjning_efter == "lon"
    assert _cell(income, forsorjning_efter="studiemedel").n == 2


def test_response_counts_per_forbund_and_campaign(data, factory):
    a, b, steget, _ = data
    per = counts.responses_by_campaign()
    assert _cell(per, forbund="alfa", respondent_group="remittenter").n == 4
    assert _cell(per, forbund="beta").n == 1 and _cell(per, forbund="beta").year == 2023
    assert set(per["campaign"]) == {0}  # none came through a campaign
    campaign = factory.campaign(a, steget)
    response(a, answers={"D1": 1}, kon="kvinna").campaign_id = campaign.id
    from survey.extensions import db
    db.session.commit()
    per = counts.responses_by_campaign()
    assert _cell(per, forbund="alfa", campaign=campaign.id).n == 1
    assert per[per["forbund"].eq("beta")]["campaign"].tolist() == [0]


def test_empty_database_gives_empty_frames(app):
    assert counts.indicator_counts().empty
    assert list(counts.indicator_counts().columns) == counts.INDICATOR_COUNT_COLUMNS
    assert counts.outcome_counts().empty
