"""Unknown, not yet open and closed campaigns: clear pages with their status codes, sv and ar."""
from __future__ import annotations

from datetime import timedelta

import pytest

from survey.answer.routes import today
from tests.answer.helpers import answer_all, begin, h1, responses, send
from tests.answer.test_flow import PARTICIPANT_VALUES

CASES = {
    # kind: (status, Swedish heading, Arabic heading)
    "unknown": (404, "Enkäten kunde inte hittas", "تعذر العثور على هذا الاستبيان"),
    "not_open": (403, "Enkäten har inte öppnat än", "هذا الاستبيان لم يُفتح بعد"),
    "closed": (410, "Enkäten är stängd", "هذا الاستبيان مغلق"),
}


def campaign_url(factory, kind: str) -> str:
    if kind == "unknown":
        return "/e/no-such-campaign"
    d = today()
    if kind == "not_open":
        campaign = factory.campaign(opens=d + timedelta(days=3), closes=d + timedelta(days=30))
    else:
        campaign = factory.campaign(opens=d - timedelta(days=30), closes=d - timedelta(days=1))
    return f"/e/{campaign.token}"


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_status_pages(client, factory, kind, lang):
    status, sv, ar = CASES[kind]
    url = campaign_url(factory, kind)
    response = client.get(f"{url}?lang={lang}")
    html = response.data.decode()
    assert response.status_code == status
    assert h1(html) == (sv if lang == "sv" else ar)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    # and no way into the questionnaire
    assert client.post(f"{url}/start").status_code == status


def test_closed_campaign_stops_drafts_in_progress_after_its_grace_period_but_thanks_still_shows(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    campaign.closes_on = today() - timedelta(days=1)
    campaign.send_grace_days = 0
    from survey.extensions import db
    db.session.commit()
    assert client.get(f"{base}/q/1").status_code == 410
    assert send(client, base).status_code == 410
    assert responses() == []
    assert client.get(f"/e/{campaign.token}/thanks").status_code == 200


def test_not_open_page_names_the_opening_day(client, factory):
    d = today() + timedelta(days=3)
    campaign = factory.campaign(opens=d, closes=d + timedelta(days=10))
    html = client.get(f"/e/{campaign.token}").data.decode()
    assert "Du kan svara från och med" in html and str(d.year) in html


def test_unknown_draft_offers_to_start_again(client, factory):
    campaign = factory.campaign()
    begin(client, campaign)
    response = client.get(f"/e/{campaign.token}/abc/review?lang=ar")
    assert response.status_code == 404 and "ابدأ من جديد" in response.data.decode()


def test_a_link_typed_in_capitals_finds_its_campaign(client, factory):
    campaign = factory.campaign()
    assert campaign.token == campaign.token.lower()
    response = client.get(f"/e/{campaign.token.upper()}?lang=sv")
    assert response.status_code == 200
    assert h1(response.data.decode()) != CASES["unknown"][1]
    # Only the campaign's own token: another spelling of it is still unknown.
    assert client.get(f"/e/{campaign.token[:-1]}?lang=sv").status_code == 404
