"""The demo data set: idempotent, every group and both versions, gender gaps, hidden small cells."""
import time
from datetime import date

from sqlalchemy import func, select

from indicators.compute import indicator_table
from indicators.outcomes import outcome_table
from survey.demo import load_demo
from survey.figures import counts
from survey.extensions import db
from survey.models import AvslutRecord, Campaign, Response, User
from tests.support.factories import login


def _n(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_is_realistic_and_idempotent(app, client):
    start = time.perf_counter()
    summary = load_demo()
    assert time.perf_counter() - start < 30
    sizes = (_n(Response), _n(AvslutRecord), _n(User), _n(Campaign))
    assert sizes[0] > 3000 and sizes[1] > 500
    assert "demo-lösenord-1" in summary and "admin@demo.se" in summary
    again = load_demo()
    assert (_n(Response), _n(AvslutRecord), _n(User), _n(Campaign)) == sizes
    assert "0 new responses" in again

    versions = dict(db.session.execute(
        select(Response.year, func.min(Response.instrument_version)).group_by(Response.year)).all())
    assert versions[2019] == "2017-A" and versions[2024] == "2021-A"
    per = counts.responses_by_campaign()
    assert set(per["respondent_group"]) == {"deltagare_pagaende", "deltagare_avslut", "insatspersonal",
                                             "styrelse", "chefer", "remittenter"}
    assert per["forbund"].nunique() == 6

    table = indicator_table(counts.indicator_counts(), k=5, by_gender=True)
    gender_rows = table[table["gender"].isin(["kvinna", "man"])]
    small = gender_rows[gender_rows["forbund"].isin(["fjallbyn", "skargarden"])]
    assert (small["hidden_reason"] == "few").mean() > 0.25  # the small förbund have small groups
    assert gender_rows[gender_rows["forbund"] == "norra-kusten"]["suppressed"].mean() < 0.2

    # Men go to subsidised work more often (pooled over all years, riket).
    records = counts.outcome_counts(source="avslut")
    records["year"] = 2000  # pool the years: one cell per gender
    rates = outcome_table(records.groupby(["forbund", "year", "source", "gender", "utfall"], dropna=False,
                                          as_index=False)["n"].sum(), k=5)
    sub = rates[(rates["forbund"] == "riket") & (rates["rate"] == "subsidised_work")].set_index("gender")
    assert sub.loc["man", "value"] > sub.loc["kvinna", "value"] + 5

    # The participant links of the demo are open today, and the demo users can log in.
    for campaign in db.session.scalars(select(Campaign)):
        assert campaign.status(date.today()) == "open"
        assert f"/e/{campaign.token}" in summary
    user = db.session.scalar(select(User).where(User.email == "forbundsadmin@demo.se"))
    assert user.forbund.code == "norra-kusten"
    assert login(client, user, "demo-lösenord-1").status_code == 302
