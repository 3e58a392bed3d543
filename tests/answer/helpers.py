"""Driving the participant questionnaire with the Flask test client."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from indicators.instrument import get_instrument
from survey.extensions import db
from survey.models import Answer, Campaign, Draft, Response

DRAFT_URL = re.compile(r"^/e/(?P<campaign>[^/]+)/(?P<draft>[^/]+)/q/(?P<n>\d+)$")


def questions(campaign: Campaign):
    return get_instrument(campaign.instrument_version).questionnaire(
        campaign.respondent_group, optional=set(campaign.optional_questions or []))


def path_of(location: str) -> str:
    """The path of a redirect target (the test client may give it absolute or relative)."""
    return re.sub(r"^https?://[^/]+", "", location)


def begin(client, campaign: Campaign, lang: str | None = None) -> str:
    """Press Start; returns the URL of question 1."""
    suffix = f"?lang={lang}" if lang else ""
    landing = client.get(f"/e/{campaign.token}{suffix}")
    assert landing.status_code == 200, landing.data[:300]
    response = client.post(f"/e/{campaign.token}/start")
    assert response.status_code == 303
    location = path_of(response.location)
    assert DRAFT_URL.match(location), location
    return location


def draft_base(question_url: str) -> str:
    """/e/<campaign>/<draft> of a question URL."""
    return question_url.rsplit("/q/", 1)[0]


def answer(client, url: str, value=None, action: str = "next"):
    data = {"action": action}
    if value is not None:
        data["answer"] = str(value)
    return client.post(url, data=data)


def answer_all(client, campaign: Campaign, values: dict, lang: str | None = None) -> str:
    """Answer every question (value from `values` by question id, else skip); returns the draft base."""
    url = begin(client, campaign, lang)
    base = draft_base(url)
    qs = questions(campaign)
    for n, q in enumerate(qs, 1):
        page = client.get(f"{base}/q/{n}")
        assert page.status_code == 200
        value = values.get(q.id)
        response = answer(client, f"{base}/q/{n}", value, "next" if value is not None else "skip")
        assert response.status_code == 303, response.data[:500]
        expected = f"{base}/review" if n == len(qs) else f"{base}/q/{n + 1}"
        assert path_of(response.location) == expected
    return base


def send(client, base: str):
    return client.post(f"{base}/send")


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(select(Response).order_by(Response.id)))


def drafts() -> list[Draft]:
    db.session.expire_all()
    return list(db.session.scalars(select(Draft)))


def answers_of(response: Response) -> dict[str, int]:
    rows = db.session.scalars(select(Answer).where(Answer.response_id == response.id))
    return {a.question_id: a.value for a in rows}


def draft(token: str) -> Draft:
    db.session.expire_all()
    return db.session.get(Draft, token)


def error_summary(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    if not block:
        return []
    return [(f, unescape(m)) for f, m in re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', block.group(0))]


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(?:<label[^>]*>)?(.*?)(?:</label>)?</h1>", html, re.S)
    return unescape(match.group(1)).strip() if match else ""
