"""Issue 10, point 5: single-use answer codes. Each code sends one questionnaire; only hashes are
stored, with nothing that links a code to a person, a draft or a response; staff see the response
rate through the disclosure engine; an open link says it can be answered many times."""
from __future__ import annotations

import re

import sqlalchemy as sa

from survey.extensions import db
from survey.models import AnswerCode, Draft, User
from tests.answer.helpers import answer, path_of, questions, responses, send
from tests.support.factories import login


def _codes_campaign(factory):
    campaign = factory.campaign()
    campaign.uses_codes = True
    db.session.commit()
    return campaign


def _admin(factory, forbund):
    found = db.session.scalar(sa.select(User).where(User.forbund_id == forbund.id, User.role == "forbund_admin"))
    return found or factory.user("forbund_admin", forbund)


def _issue(client, factory, campaign, n):
    login(client, _admin(factory, campaign.forbund))
    page = client.post(f"/campaigns/{campaign.id}/codes", data={"count": str(n)})
    client.post("/logout")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    return re.findall(r'class="code-value"><strong>([a-z2-9]{4}-[a-z2-9]{4})</strong>', page.data.decode())


def _answer_with(client, campaign, code):
    start = client.post(f"/e/{campaign.token}/start", data={"code": code})
    if start.status_code != 303:
        return start
    url = path_of(start.location)
    base = url.rsplit("/q/", 1)[0]
    for n in range(1, len(questions(campaign)) + 1):
        answer(client, f"{base}/q/{n}", None, action="skip")
    return send(client, base)


def test_codes_are_shown_once_and_stored_only_as_hashes(client, factory):
    campaign = _codes_campaign(factory)
    codes = _issue(client, factory, campaign, 12)
    assert len(codes) == 12 == len(set(codes))
    stored = db.session.execute(sa.select(AnswerCode.__table__)).mappings().all()
    assert len(stored) == 12 and set(stored[0].keys()) == {"id", "campaign_id", "code_hash", "used"}
    dump = " ".join(str(v) for row in stored for v in row.values())
    assert not any(code.replace("-", "") in dump or code in dump for code in codes)


def test_each_code_sends_one_questionnaire(client, factory):
    campaign = _codes_campaign(factory)
    first, second = _issue(client, factory, campaign, 2)
    landing = client.get(f"/e/{campaign.token}?kod={first}").data.decode()
    assert 'name="code"' in landing and f'value="{first}"' in landing  # the card's QR fills it in
    wrong = client.post(f"/e/{campaign.token}/start", data={"code": "abcd-efgh"})
    assert wrong.status_code == 400 and "Koden finns inte" in wrong.data.decode()
    sent = _answer_with(client, campaign, first.upper().replace("-", " "))  # typed any which way
    assert sent.status_code == 303 and len(responses()) == 1
    other = client.application.test_client()
    again = _answer_with(other, campaign, first)
    assert again.status_code == 400 and len(responses()) == 1
    assert _answer_with(other, campaign, second).status_code == 303 and len(responses()) == 2
    used = db.session.scalars(sa.select(AnswerCode.used)).all()
    assert sorted(used) == [True, True]


def test_a_code_started_on_two_phones_sends_once(client, factory):
    campaign = _codes_campaign(factory)
    [code] = _issue(client, factory, campaign, 1)
    phones = [client.application.test_client(), client.application.test_client()]
    bases = []
    for phone in phones:
        start = phone.post(f"/e/{campaign.token}/start", data={"code": code})
        assert start.status_code == 303
        bases.append(path_of(start.location).rsplit("/q/", 1)[0])
    assert send(phones[0], bases[0]).status_code == 303
    late = send(phones[1], bases[1])
    assert late.status_code == 409 and "redan använts" in late.data.decode()
    assert len(responses()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 1  # B's answers kept, not stored


def test_nothing_links_a_code_to_its_response(client, factory):
    campaign = _codes_campaign(factory)
    [code] = _issue(client, factory, campaign, 1)
    _answer_with(client, campaign, code)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0  # the draft with the hash is gone
    columns = {c.name for c in AnswerCode.__table__.columns}
    assert columns == {"id", "campaign_id", "code_hash", "used"}  # no time, no response


def test_staff_see_the_response_rate_and_the_open_link_warning(client, factory, app):
    k = app.config["DISCLOSURE_K"]
    open_campaign = factory.campaign()
    admin = _admin(factory, open_campaign.forbund)
    login(client, admin)
    page = client.get(f"/campaigns/{open_campaign.id}?lang=en").data.decode()
    assert "can answer more than once" in page
    client.post("/logout")
    campaign = factory.campaign(forbund=open_campaign.forbund, insats=open_campaign.insats)
    campaign.uses_codes = True
    db.session.commit()
    codes = _issue(client, factory, campaign, 4 * k)
    for code in codes[:2 * k]:
        _answer_with(client.application.test_client(), campaign, code)
    login(client, admin)
    page = client.get(f"/campaigns/{campaign.id}?lang=sv").data.decode()
    assert f"Utdelade koder: {4 * k}." in page and "Svarsfrekvens: 50" in page, re.findall(r"Utdelade[^<]*", page)
