"""The questionnaire flow with the Flask test client, on SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest

from survey.extensions import db
from tests.answer.helpers import (
    answer, answer_all, answers_of, begin, draft, draft_base, error_summary, h1, path_of, questions,
    responses, send,
)

PARTICIPANT_VALUES = {
    "D1": 1, "D2": 2, "D3": 3, "D4": 1, "D5": 9, "D6": 4, "D7": 2, "D8": 1,
    "kon": "kvinna", "alder": "25-29", "utfall": "subventionerat_arbete", "omsorg": 2,
    "kommentar": "Bra stöd från min handledare.",
}
STAFF_VALUES = {qid: 2 for qid in ("P1", "P2", "P3", "P4", "P5", "C1", "S1", "S2", "S3", "R1", "R2", "J1", "J2")}


def test_landing_page_tells_what_the_questionnaire_is(client, factory):
    campaign = factory.campaign(optional=["kommentar"])
    page = client.get(f"/e/{campaign.token}")
    html = page.data.decode()
    assert page.status_code == 200
    assert '<html lang="sv" dir="ltr">' in html
    assert campaign.forbund.name in html
    assert "utan ditt namn" in html and "5 minuter" in html and "7 dagar" in html
    assert f'action="/e/{campaign.token}/start"' in html
    assert "Logga ut" not in html and "Huvudmeny" not in html  # no staff navigation
    # six languages, each named in its own language
    for code, name in (("ar", "العربية"), ("so", "Soomaali"), ("ti", "ትግርኛ"), ("fa", "فارسی")):
        assert f'lang="{code}"' in html and name in html


@pytest.mark.parametrize("group", ["deltagare_avslut", "deltagare_pagaende"])
def test_whole_participant_questionnaire_is_stored(client, factory, group):
    campaign = factory.campaign(group=group, optional=["omsorg", "kommentar"])
    qs = questions(campaign)
    ids = [q.id for q in qs]
    assert ids[-1] == "kommentar" and "kon" in ids and "alder" in ids
    assert ("utfall" in ids) == (group == "deltagare_avslut")
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    review = client.get(f"{base}/review").data.decode()
    assert "Kontrollera dina svar" in review and "Till liten del" in review and "Kvinna" in review
    response = send(client, base)
    assert response.status_code == 303
    thanks = client.get(path_of(response.location))
    assert thanks.status_code == 200 and "Tack för dina svar" in thanks.data.decode()

    [stored] = responses()
    assert stored.respondent_group == group and stored.instrument_version == "2021-A"
    assert stored.forbund_id == campaign.forbund_id and stored.insats_id == campaign.insats_id
    assert stored.year == campaign.year and re.fullmatch(r"\d{4}-\d{2}", stored.month)
    assert (stored.kon, stored.alder) == ("kvinna", "25-29")
    assert stored.utfall == ("subventionerat_arbete" if group == "deltagare_avslut" else None)
    assert stored.kommentar == "Bra stöd från min handledare."
    expected = {q.id: PARTICIPANT_VALUES[q.id] for q in qs if q.kind == "scale"}
    assert answers_of(stored) == expected


@pytest.mark.parametrize("group", ["insatspersonal", "styrelse", "chefer", "remittenter"])
def test_staff_groups_answer_through_the_same_flow(client, factory, group):
    campaign = factory.campaign(group=group)
    qs = questions(campaign)
    assert not {"kon", "alder"} & {q.id for q in qs}
    # Staff questionnaires are in Swedish and English only: Arabic is not offered nor used.
    landing = client.get(f"/e/{campaign.token}?lang=ar").data.decode()
    assert 'lang="sv"' in landing.split(">")[1] and "العربية" not in landing and "English" in landing
    base = answer_all(client, campaign, STAFF_VALUES)
    send(client, base)
    [stored] = responses()
    assert stored.respondent_group == group and stored.kon is None and stored.alder is None
    assert answers_of(stored) == {q.id: 2 for q in qs}


def test_question_page_shape(client, factory):
    campaign = factory.campaign(optional=["kommentar"])
    url = begin(client, campaign)
    html = client.get(url).data.decode()
    total = len(questions(campaign))
    assert f"<title>Fråga 1 av {total}" in html
    assert f"Fråga 1 av {total}" in html
    assert re.search(r'<legend class="q-legend"><h1 class="q-heading">Hur har du blivit bemött\?</h1></legend>', html)
    assert html.count('type="radio"') == 5 and 'value="9"' in html and "Vet inte / Ej aktuellt" in html
    assert "Hoppa över frågan" in html and ">Fortsätt<" in html
    # Continue is the first submit button, so Enter continues.
    assert html.index('value="next"') < html.index('value="skip"')
    # choice question: its codes, no "vet inte"
    base = draft_base(url)
    kon = [n for n, q in enumerate(questions(campaign), 1) if q.id == "kon"][0]
    html = client.get(f"{base}/q/{kon}").data.decode()
    assert h1(html) == "Kön"
    assert all(f'value="{c}"' in html for c in ("kvinna", "man", "annat", "ej_svar")) and 'value="9"' not in html
    # free text
    html = client.get(f"{base}/q/{total}").data.decode()
    assert '<textarea id="answer" name="answer"' in html and 'aria-describedby="answer-hint"' in html


def test_optional_questions_only_when_the_campaign_asks_them(client, factory):
    without = factory.campaign()
    assert not {"omsorg", "kommentar"} & {q.id for q in questions(without)}
    base = answer_all(client, without, PARTICIPANT_VALUES)
    assert client.get(f"{base}/q/{len(questions(without)) + 1}").status_code == 404


def test_back_keeps_answers(client, factory):
    campaign = factory.campaign()
    url = begin(client, campaign)
    base = draft_base(url)
    answer(client, url, 2)
    answer(client, f"{base}/q/2", 3)
    # Back from question 3 with a choice made there keeps both that choice and the earlier ones.
    response = answer(client, f"{base}/q/3", 4, action="back")
    assert path_of(response.location) == f"{base}/q/2"
    assert 'value="3" checked' in client.get(f"{base}/q/2").data.decode()
    response = answer(client, f"{base}/q/2", None, action="back")
    assert path_of(response.location) == f"{base}/q/1"
    assert 'value="2" checked' in client.get(f"{base}/q/1").data.decode()
    assert 'value="3" checked' in client.get(f"{base}/q/2").data.decode(), "Back without a choice kept it"
    assert 'value="4" checked' in client.get(f"{base}/q/3").data.decode()


def test_change_from_review_returns_to_review(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    review = client.get(f"{base}/review").data.decode()
    assert review.count(">Ändra<") == len(questions(campaign))
    assert f'href="{base}/q/1?change=1"' in review
    page = client.get(f"{base}/q/1?change=1").data.decode()
    assert f'action="{base}/q/1?change=1"' in page
    response = answer(client, f"{base}/q/1?change=1", 4)
    assert path_of(response.location) == f"{base}/review"
    assert "Mycket dåligt" in client.get(f"{base}/review").data.decode()
    send(client, base)
    assert answers_of(responses()[0])["D1"] == 4


def test_skip_stores_missing(client, factory):
    campaign = factory.campaign(optional=["kommentar"])
    values = dict(PARTICIPANT_VALUES)
    del values["D2"], values["kon"], values["kommentar"]
    base = answer_all(client, campaign, values)
    # Continue without a choice leaves a question unanswered too.
    answer(client, f"{base}/q/1?change=1", None, action="next")
    review = client.get(f"{base}/review").data.decode()
    assert review.count("Inte besvarad") == 4
    send(client, base)
    [stored] = responses()
    stored_answers = answers_of(stored)
    assert "D1" not in stored_answers and "D2" not in stored_answers and stored_answers["D3"] == 3
    assert stored.kon is None and stored.kommentar is None and stored.alder == "25-29"


@pytest.mark.parametrize("bad", ["5", "0", "-1", "abc", "9; DROP TABLE response", "１", "man"])
def test_tampered_values_give_an_error_summary(client, factory, bad):
    campaign = factory.campaign()
    url = begin(client, campaign)
    response = answer(client, url, bad)
    html = response.data.decode()
    assert response.status_code == 200
    assert error_summary(html) == [("answer-1", "Välj ett av svarsalternativen eller hoppa över frågan.")]
    assert 'role="alert"' in html and "<title>Fel: Fråga 1" in html
    assert 'aria-describedby="answer-error"' in html and 'id="answer-1"' in html
    assert draft(url.split("/")[3]).answers == {}


def test_tampered_choice_and_overlong_comment_in_arabic(client, factory):
    campaign = factory.campaign(optional=["kommentar"])
    url = begin(client, campaign, lang="ar")
    base = draft_base(url)
    qs = questions(campaign)
    kon = next(n for n, q in enumerate(qs, 1) if q.id == "kon")
    html = answer(client, f"{base}/q/{kon}", "4").data.decode()
    assert error_summary(html) == [("answer-1", "اختر إحدى الإجابات المعروضة، أو تخطَّ السؤال.")]
    assert 'dir="rtl"' in html
    html = answer(client, f"{base}/q/{len(qs)}", "x" * 2001).data.decode()
    assert error_summary(html)[0][0] == "answer" and "2000" in error_summary(html)[0][1]
    assert 'aria-invalid="true"' in html
    # control characters are dropped, not stored and not a 500 on PostgreSQL
    response = answer(client, f"{base}/q/{len(qs)}", "hej\x00 då\r\nrad två")
    assert response.status_code == 303
    assert draft(base.split("/")[3]).answers["kommentar"] == "hej då\nrad två"


def test_posts_without_fields_or_with_odd_actions_never_fail(client, factory):
    campaign = factory.campaign()
    url = begin(client, campaign)
    assert client.post(url, data={}).status_code == 303
    assert client.post(url, data={"action": "weird", "answer": "1"}).status_code == 303
    assert client.post(url, data={"answer": ["1", "2"]}).status_code == 303
    base = draft_base(url)
    assert client.get(f"{base}/q/0").status_code == 404
    assert client.get(f"{base}/q/999").status_code == 404
    assert client.post(f"{base}/q/999", data={"answer": "1"}).status_code == 404
    assert client.get(f"/e/{campaign.token}/not-a-draft/q/1").status_code == 404
    assert client.post(f"/e/{campaign.token}/not-a-draft/send").status_code == 404
    assert client.get(f"/e/{campaign.token}/{base.split('/')[3]}/q/abc").status_code == 404


def test_resume_after_closing_the_tab(client, factory):
    campaign = factory.campaign()
    url = begin(client, campaign)
    base = draft_base(url)
    answer(client, url, 1)
    answer(client, f"{base}/q/2", None, action="skip")
    answer(client, f"{base}/q/3", 2)
    cookie = client.get_cookie("finsam_draft", path=f"/e/{campaign.token}")
    assert cookie is not None and cookie.value == base.split("/")[3]
    assert cookie.http_only and cookie.same_site == "Lax" and cookie.path == f"/e/{campaign.token}"
    assert cookie.expires is not None
    # Reopening the campaign link asks first (the phone may be someone else's now), then resumes
    # at the first question not yet seen (skipped is seen); no answer is shown before.
    response = client.get(f"/e/{campaign.token}")
    html = response.data.decode()
    assert response.status_code == 200 and "Fortsätt där du var" in html and "jag är en annan person" in html
    assert f'href="{base}/q/4"' in html
    # Start again by a double click does not make a second draft either.
    assert path_of(client.post(f"/e/{campaign.token}/start").location) == f"{base}/q/4"


def test_expired_draft_is_gone_and_start_is_fresh(client, factory):
    from datetime import timedelta

    from survey.answer.routes import today

    campaign = factory.campaign()
    url = begin(client, campaign)
    token = url.split("/")[3]
    answer(client, url, 1)
    d = draft(token)
    d.expires_on = today() - timedelta(days=1)
    db.session.commit()
    page = client.get(url)
    assert page.status_code == 404 and "Dina påbörjade svar kunde inte hittas" in page.data.decode()
    landing = client.get(f"/e/{campaign.token}")
    assert landing.status_code == 200 and "Börja" in landing.data.decode()
    new_url = begin(client, campaign)
    assert new_url.split("/")[3] != token
    assert draft(token) is None, "expired drafts are deleted when new ones are made"


def test_language_choice_is_saved_on_the_draft_and_holds(client, factory):
    campaign = factory.campaign(optional=["kommentar"])
    url = begin(client, campaign, lang="so")
    token = url.split("/")[3]
    assert draft(token).language == "so"
    html = client.get(url).data.decode()
    assert '<html lang="so" dir="ltr">' in html and "Sidee laguula dhaqmay?" in html and "Su'aasha 1 ee" in html
    html = client.get(f"{url}?lang=fa").data.decode()
    assert '<html lang="fa" dir="rtl">' in html and "چگونه با شما رفتار شده است؟" in html
    assert draft(token).language == "fa"
    client.delete_cookie("lang")
    # The draft's language holds even against another browser language.
    html = client.get(url, headers={"Accept-Language": "en"}).data.decode()
    assert '<html lang="fa" dir="rtl">' in html
    # marked as not yet reviewed, in that language
    assert "این ترجمه هنوز توسط یک گویشور بومی بازبینی نشده است." in html
    html = client.get(f"{url}?lang=sv").data.decode()
    assert "översättningen" not in html


def test_browser_language_is_the_default(client, factory):
    campaign = factory.campaign()
    html = client.get(f"/e/{campaign.token}", headers={"Accept-Language": "ar,en;q=0.5"}).data.decode()
    assert '<html lang="ar" dir="rtl">' in html and "ابدأ" in html
    html = client.get(f"/e/{campaign.token}", headers={"Accept-Language": "de"}).data.decode()
    assert '<html lang="sv" dir="ltr">' in html


def test_english_falls_back_when_a_text_is_missing(client, factory, monkeypatch):
    """A question text missing in the page language is shown in English, marked with its lang."""
    campaign = factory.campaign()
    url = begin(client, campaign, lang="ti")
    q = questions(campaign)[0]
    monkeypatch.delitem(q.text, "ti")
    html = client.get(url).data.decode()
    assert '<h1 class="q-heading" lang="en">How have you been treated?</h1>' in html
    monkeypatch.delitem(q.text, "en")
    assert '<h1 class="q-heading" lang="sv">Hur har du blivit bemött?</h1>' in client.get(url).data.decode()


def test_someone_else_starts_again_and_the_first_persons_answers_are_deleted(client, factory):
    campaign = factory.campaign()
    url = begin(client, campaign)
    base = draft_base(url)
    token = base.split("/")[3]
    answer(client, url, 3)
    page = client.get(f"/e/{campaign.token}").data.decode()
    assert "Instämmer" not in page and "Fråga" not in page  # nothing of person A's answers
    gone = client.post(f"{base}/delete")
    assert gone.status_code == 303 and path_of(gone.location) == f"/e/{campaign.token}?deleted=1"
    assert draft(token) is None
    assert client.get_cookie("finsam_draft", path=f"/e/{campaign.token}") is None
    landing = client.get(path_of(gone.location)).data.decode()
    assert "Dina påbörjade svar är raderade" in landing and "Börja" in landing
    fresh = begin(client, campaign)
    assert draft_base(fresh) != base
    assert 'checked' not in client.get(fresh).data.decode()


def test_review_page_deletes_unfinished_answers(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    review = client.get(f"{base}/review").data.decode()
    assert "Radera mina svar" in review and f'action="{base}/delete"' in review
    client.post(f"{base}/delete")
    assert draft(base.split("/")[3]) is None and responses() == []


def test_skip_never_erases_an_answer_given_earlier(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    # From the review page's Change, "Skip question" leaves the answer as it was.
    skipped = client.post(f"{base}/q/1?change=1", data={"action": "skip"})
    assert skipped.status_code == 303 and path_of(skipped.location) == f"{base}/review"
    assert draft(base.split("/")[3]).answers["D1"] == PARTICIPANT_VALUES["D1"]


def test_switching_language_keeps_a_choice_not_yet_sent_on(client, factory):
    campaign = factory.campaign()
    url = begin(client, campaign)
    page = client.get(url).data.decode()
    assert 'form="answer-form"' in page and 'name="lang" value="ar"' in page
    switched = client.post(url, data={"answer": "3", "lang": "ar"})
    assert switched.status_code == 303 and path_of(switched.location) == f"{url}?lang=ar"
    arabic = client.get(path_of(switched.location)).data.decode()
    assert 'lang="ar"' in arabic and 'value="3" checked' in arabic
    assert draft(url.split("/")[3]).answers["D1"] == 3 and draft(url.split("/")[3]).language == "ar"


def test_participant_pages_are_never_stored_by_the_browser(client, factory):
    campaign = factory.campaign()
    assert client.get(f"/e/{campaign.token}").headers["Cache-Control"] == "no-store"
    url = begin(client, campaign)
    assert client.get(url).headers["Cache-Control"] == "no-store"
    assert client.get(f"{draft_base(url)}/review").headers["Cache-Control"] == "no-store"


def _close(campaign, days_ago: int, grace: int) -> None:
    from datetime import timedelta

    from survey.answer.routes import today

    campaign.opens_on = today() - timedelta(days=days_ago + 10)
    campaign.closes_on = today() - timedelta(days=days_ago)
    campaign.send_grace_days = grace
    db.session.commit()


def test_a_questionnaire_started_before_closing_can_be_sent_in_the_grace_period(client, factory):
    campaign = factory.campaign()
    url = begin(client, campaign)
    base = draft_base(url)
    answer(client, url, 2)
    _close(campaign, days_ago=2, grace=7)
    # The link leads back to it, the questions and Send work.
    assert "Fortsätt där du var" in client.get(f"/e/{campaign.token}").data.decode()
    assert client.get(f"{base}/q/2").status_code == 200
    for n in range(2, len(questions(campaign)) + 1):
        answer(client, f"{base}/q/{n}", None, action="skip")
    sent = send(client, base)
    assert sent.status_code == 303 and "/thanks" in sent.location and len(responses()) == 1
    # Nobody new can start, and the closed page says that those who started may still send.
    other = client.application.test_client()
    closed = other.get(f"/e/{campaign.token}")
    assert closed.status_code == 410 and "samma telefon eller dator" in closed.data.decode()
    assert other.post(f"/e/{campaign.token}/start").status_code == 410


def test_after_the_grace_period_send_is_refused_and_the_answers_are_kept(client, factory):
    campaign = factory.campaign()
    base = answer_all(client, campaign, PARTICIPANT_VALUES)
    _close(campaign, days_ago=3, grace=2)
    refused = send(client, base)
    assert refused.status_code == 410 and responses() == []
    assert draft(base.split("/")[3]).answers["D1"] == PARTICIPANT_VALUES["D1"]
    assert "samma telefon" not in client.get(f"/e/{campaign.token}").data.decode()
