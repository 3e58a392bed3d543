"""Issue 10, point 4: what participants are owed, in all six languages: a heading for them apart
from the staff title, "Om enkäten och dina uppgifter" per förbund, an accessibility statement,
footer links, a thank-you page that says what happens next, an anonymity sentence that is true."""
from __future__ import annotations

from datetime import timedelta

import pytest

from survey.answer.routes import today
from survey.extensions import db
from tests.answer.helpers import answer_all, send
from tests.answer.test_flow import PARTICIPANT_VALUES

LANGUAGES = {"sv": "Om enkäten och dina uppgifter", "en": "About the questionnaire and your data",
             "ar": "عن الاستبيان وبياناتك", "fa": "درباره پرسشنامه و اطلاعات شما",
             "so": "Ku saabsan su'aalaha iyo xogtaada", "ti": "ብዛዕባ እቲ መሕትትን ሓበሬታኻን"}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_about_page_in_every_language(client, factory, lang):
    campaign = factory.campaign()
    campaign.forbund.contact_email = "enkat@norrby.se"
    campaign.forbund.free_text_retention_months = 18
    db.session.commit()
    landing = client.get(f"/e/{campaign.token}?lang={lang}").data.decode()
    assert f'href="/e/{campaign.token}/om"' in landing and f'href="/e/{campaign.token}/tillganglighet"' in landing
    page = client.get(f"/e/{campaign.token}/om?lang={lang}")
    html = page.data.decode()
    assert page.status_code == 200 and LANGUAGES[lang] in html
    assert campaign.forbund.name in html and "mailto:enkat@norrby.se" in html
    assert "IMY" in html and "18" in html and " 5 " in html.replace("%", " ")  # k and retention
    statement = client.get(f"/e/{campaign.token}/tillganglighet?lang={lang}")
    assert statement.status_code == 200 and "WCAG 2.1" in statement.data.decode()


def test_about_page_states_what_is_true_for_this_forbund(client, factory):
    campaign = factory.campaign()
    forbund = campaign.forbund
    forbund.free_text_retention_months = -1  # no period chosen
    forbund.privacy_contact = "Dataskyddsombud Eva, 010-123 45 67"
    forbund.information_note = "Vi använder svaren i vår årsrapport."
    db.session.commit()
    html = client.get(f"/e/{campaign.token}/om").data.decode()
    assert "Dataskyddsombud Eva" in html and "Vi använder svaren i vår årsrapport." in html
    assert "Kommentarer du skriver raderas" not in html  # no period chosen: none promised
    assert "minst 10 personer" in html  # comments: the engine's threshold for free text


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_about_page_states_how_long_answers_are_kept(app, client, factory, lang):
    campaign = factory.campaign()
    app.config["RETENTION_RESPONSES_YEARS"] = 17
    html = client.get(f"/e/{campaign.token}/om?lang={lang}").data.decode()
    assert "17" in html
    app.config["RETENTION_RESPONSES_YEARS"] = None  # "never": no period promised
    assert "17" not in client.get(f"/e/{campaign.token}/om?lang={lang}").data.decode()


def test_information_is_readable_when_the_campaign_is_closed(client, factory):
    d = today()
    campaign = factory.campaign(opens=d - timedelta(days=40), closes=d - timedelta(days=20))
    assert client.get(f"/e/{campaign.token}").status_code == 410
    assert client.get(f"/e/{campaign.token}/om").status_code == 200
    assert client.get(f"/e/{campaign.token}/tillganglighet").status_code == 200


def test_participants_see_their_heading_not_the_staff_title(client, factory):
    campaign = factory.campaign()
    campaign.title = "Intern: Steget vår 2026 (budget B)"
    db.session.commit()
    html = client.get(f"/e/{campaign.token}").data.decode()
    assert "Intern" not in html and "Vad tyckte du om stödet?" in html
    assert "Ingen kan se vad" not in html and "utan ditt namn" in html
    campaign.public_title = "Steget: hur var stödet?"
    db.session.commit()
    arabic = client.get(f"/e/{campaign.token}?lang=ar").data.decode()
    assert '<h1 lang="sv" dir="ltr">Steget: hur var stödet?</h1>' in arabic


def test_thank_you_page_says_what_happens_next(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    thanks = client.get(send(client, base).location).data.decode()
    assert "Vad som händer nu" in thanks and campaign.forbund.name in thanks
