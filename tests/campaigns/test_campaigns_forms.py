"""Creating and editing campaigns: the happy paths and every validation message, never a 500."""
import re
from datetime import date

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Campaign

from .conftest import add_responses, error_summary


def campaign_count() -> int:
    return db.session.scalar(select(func.count(Campaign.id)))


def valid_data(world, **overrides) -> dict:
    data = {
        "title": "Steget våren", "respondent_group": "deltagare_pagaende", "insats": str(world.own_insats.id),
        "instrument_version": "2021-A", "opens_on": "2025-03-01", "closes_on": "2025-03-31",
        "optional_questions": ["kommentar", "omsorg"], "send_grace_days": "7",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_participant_campaign(as_role, world):
    client = as_role("forbund_admin")
    response = client.post("/campaigns/new", data=valid_data(world))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.title == "Steget våren"))
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.forbund_id == world.own.id  # fixed to the user's own förbund
    assert campaign.insats_id == world.own_insats.id
    assert (campaign.respondent_group, campaign.instrument_version) == ("deltagare_pagaende", "2021-A")
    assert (campaign.opens_on, campaign.closes_on) == (date(2025, 3, 1), date(2025, 3, 31))
    assert campaign.optional_questions == ["omsorg", "kommentar"]  # the instrument's order
    # A link that can be typed from the poster: 12 lowercase letters and digits, no look-alikes.
    assert re.fullmatch(r"[a-hjkmnp-z2-9]{12}", campaign.token), campaign.token


def test_create_staff_campaign_without_insats_on_one_day(as_role, world):
    client = as_role("forbund_admin")
    data = valid_data(world, respondent_group="insatspersonal", insats="", closes_on="2025-03-01",
                      optional_questions=["vald_rutin"], instrument_version="2017-A")
    assert client.post("/campaigns/new", data=data).status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.respondent_group == "insatspersonal"))
    assert campaign.insats_id is None and campaign.optional_questions == ["vald_rutin"]
    assert campaign.instrument_version == "2017-A" and campaign.opens_on == campaign.closes_on


def test_new_form_defaults_and_labels(as_role, world):
    client = as_role("forbund_admin")
    page = client.get("/campaigns/new?lang=en").get_data(as_text=True)
    assert '<option selected value="2021-A">2021-A (working version)</option>' in page
    assert "Participants, ongoing intervention" in page  # group labelled in the UI language
    refresh()  # the test's app context outlives requests, and Flask-Babel caches the locale on it
    sv = client.get("/campaigns/new?lang=sv").get_data(as_text=True)
    assert "Deltagare, pågående insats" in sv
    for qid in ("omsorg", "vald_rutin", "kommentar"):
        assert f'value="{qid}"' in page
    assert 'id="forbund"' not in page, "a förbund admin does not choose the förbund"
    assert "Samordningsförbundet Norrby" in page and "Vagen" not in page


OPTIONAL_FOR_PARTICIPANTS = "is not asked of Participants, ongoing intervention"


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": "  "}, "title", "Enter a title for the campaign."),
    ({"title": "t" * 201}, "title", "The title can have at most 200 characters."),
    ({"respondent_group": ""}, "respondent_group", "Choose the respondent group."),
    ({"respondent_group": "alla"}, "respondent_group", "Choose one of the listed respondent groups."),
    ({"insats": ""}, "insats", "Choose the insats the participants take part in: a participant campaign always belongs to an insats."),
    ({"insats": "999999"}, "insats", "Choose one of the listed insatser."),
    ({"insats": "x1"}, "insats", "Choose one of the listed insatser."),
    ({"instrument_version": ""}, "instrument_version", "Choose the instrument version."),
    ({"instrument_version": "1999-Z"}, "instrument_version", "Choose one of the listed instrument versions."),
    ({"opens_on": ""}, "opens_on", "Enter the date the campaign opens."),
    ({"opens_on": "1 mars"}, "opens_on", "Enter the opening date as year-month-day, for example 2025-03-01."),
    ({"opens_on": "2025-02-30"}, "opens_on", "Enter the opening date as year-month-day, for example 2025-03-01."),
    ({"opens_on": "1900-01-01"}, "opens_on", "Enter a date between the years 2010 and 2100."),
    ({"closes_on": None}, "closes_on", "Enter the date the campaign closes."),
    ({"closes_on": "2025-13-01"}, "closes_on", "Enter the closing date as year-month-day, for example 2025-03-31."),
    ({"closes_on": "2025-02-28"}, "closes_on", "The closing date must be the same as or after the opening date."),
    ({"optional_questions": ["vald_rutin"]}, "optional_questions", OPTIONAL_FOR_PARTICIPANTS),
    ({"send_grace_days": ""}, "send_grace_days", "Enter a number of days from 0 to 30."),
    ({"send_grace_days": "en vecka"}, "send_grace_days", "Enter a number of days from 0 to 30."),
    ({"send_grace_days": "31"}, "send_grace_days", "Enter a number of days from 0 to 30."),
    ({"send_grace_days": "99999999999999999999"}, "send_grace_days", "Enter a number of days from 0 to 30."),
    ({"optional_questions": ["D1"]}, "optional_questions", "Choose only from the listed optional questions."),
])
def test_campaign_validation_errors(as_role, world, overrides, field, message):
    client = as_role("forbund_admin")
    before = campaign_count()
    response = client.post("/campaigns/new", data=valid_data(world, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = error_summary(html)
    assert any(f == field and message in m for f, m in errors), errors
    assert f'id="{field}"' in html, "the error summary must link to an existing field"
    assert campaign_count() == before


def test_every_problem_is_listed_at_once(as_role, world):
    client = as_role("forbund_admin")
    data = valid_data(world, title="", respondent_group="styrelse", opens_on="nej", optional_questions=["omsorg"])
    fields = [f for f, _m in error_summary(client.post("/campaigns/new", data=data).get_data(as_text=True))]
    assert fields == ["title", "opens_on", "optional_questions"]


def test_insats_of_another_forbund_is_refused(as_role, world):
    client = as_role("admin")
    before = campaign_count()
    data = valid_data(world, forbund=str(world.own.id), insats=str(world.other_insats.id))
    errors = error_summary(client.post("/campaigns/new", data=data).get_data(as_text=True))
    assert ("insats", "The chosen insats belongs to another förbund. Choose an insats of the campaign's förbund.") in errors
    assert campaign_count() == before


def test_forbund_admin_cannot_use_another_forbunds_insats(as_role, world):
    client = as_role("forbund_admin")
    before = campaign_count()
    errors = error_summary(client.post("/campaigns/new", data=valid_data(
        world, insats=str(world.other_insats.id))).get_data(as_text=True))
    assert ("insats", "Choose one of the listed insatser.") in errors
    assert campaign_count() == before


def test_admin_picks_forbund(as_role, world):
    client = as_role("admin")
    errors = error_summary(client.post("/campaigns/new", data=valid_data(world)).get_data(as_text=True))
    assert ("forbund", "Choose the förbund.") in errors
    response = client.post("/campaigns/new", data=valid_data(
        world, forbund=str(world.other.id), insats=str(world.other_insats.id), title="Admin"))
    assert response.status_code == 302
    assert db.session.scalar(select(Campaign.forbund_id).where(Campaign.title == "Admin")) == world.other.id


def test_edit_campaign(as_role, world):
    client = as_role("forbund_admin")
    url = f"/campaigns/{world.own_campaign.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Norrby steget vår"' in page
    response = client.post(url, data=valid_data(world, title="Nytt namn", respondent_group="deltagare_avslut",
                                                 optional_questions=[]))
    assert response.status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, world.own_campaign.id)
    assert campaign.title == "Nytt namn" and campaign.respondent_group == "deltagare_avslut"
    assert campaign.optional_questions == [] and campaign.forbund_id == world.own.id


def test_campaign_with_responses_keeps_group_and_version(as_role, world):
    add_responses(world.own_campaign, 1)
    client = as_role("forbund_admin")
    url = f"/campaigns/{world.own_campaign.id}/edit"
    keep = {"respondent_group": world.own_campaign.respondent_group, "optional_questions": []}
    response = client.post(url, data=valid_data(world, **{**keep, "respondent_group": "deltagare_pagaende",
                                                          "instrument_version": "2017-A"}))
    errors = dict(error_summary(response.get_data(as_text=True)))
    assert "cannot be changed" in errors["respondent_group"] and "cannot be changed" in errors["instrument_version"]
    # Dates and title may still change.
    response = client.post(url, data=valid_data(world, **keep, title="Förlängd", closes_on="2030-12-31"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, world.own_campaign.id).closes_on == date(2030, 12, 31)


def test_optional_questions_are_offered_in_questionnaire_order(as_role, world):
    page = as_role("forbund_admin").get("/campaigns/new").get_data(as_text=True)
    positions = [page.index(f'value="{qid}"') for qid in ("omsorg", "vald_rutin", "kommentar")]
    assert positions == sorted(positions)
