"""With CSRF protection on (as in production), a POST without the form's token is refused."""
import re

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Campaign, Forbund, Insats
from tests.support.factories import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client, user):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def totals():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Campaign, Insats, Forbund))


def test_posts_without_token_are_rejected(client, world):
    log_in(client, world.users["admin"])
    before = totals()
    campaign = {"title": "X", "respondent_group": "styrelse", "insats": "", "instrument_version": "2021-A",
                "opens_on": "2025-01-01", "closes_on": "2025-01-31", "send_grace_days": "7", "forbund": str(world.own.id)}
    for path, data in [
        ("/campaigns/new", campaign),
        (f"/campaigns/{world.own_campaign.id}/edit", campaign),
        ("/insatser/new", {"forbund": str(world.own.id), "code": "ny", "name": "Ny"}),
        (f"/insatser/{world.own_insats.id}/edit", {"code": "ny", "name": "Ny"}),
        ("/admin/forbund", {"code": "ny", "name": "Ny"}),
    ]:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        wrong = client.post(path, data={**data, "csrf_token": "not-the-token"})
        assert wrong.status_code == 400, path
    assert totals() == before
    # The same form with its token goes through.
    token = csrf_token(client, "/campaigns/new")
    assert client.post("/campaigns/new", data={**campaign, "csrf_token": token}).status_code == 302
    assert totals()[0] == before[0] + 1
