"""Shared set-up for the campaigns area: two förbund with their staff, insatser and campaigns."""
from __future__ import annotations

from html import unescape
import re
from dataclasses import dataclass

import pytest

from survey.extensions import db
from survey.models import Campaign, Forbund, Insats, Response, User
from tests.support.factories import Factory, login


@dataclass
class World:
    own: Forbund
    other: Forbund
    own_insats: Insats
    other_insats: Insats
    own_campaign: Campaign
    other_campaign: Campaign
    users: dict[str, User]


@pytest.fixture
def world(factory: Factory) -> World:
    own = factory.forbund("norrby")
    other = factory.forbund("sodervik")
    own_insats = factory.insats(own, "steget")
    other_insats = factory.insats(other, "vagen")
    own_campaign = factory.campaign(own, own_insats)
    own_campaign.title = "Norrby steget vår"
    other_campaign = factory.campaign(other, other_insats)
    other_campaign.title = "Södervik vägen höst"
    db.session.commit()
    users = {
        "admin": factory.user("admin"),
        "nns": factory.user("nns"),
        "forbund_admin": factory.user("forbund_admin", own),
        "forbund_user": factory.user("forbund_user", own),
    }
    return World(own, other, own_insats, other_insats, own_campaign, other_campaign, users)


@pytest.fixture
def as_role(client, world):
    """Log the test client in with one of the world's roles. Its pages are asked for in English
    (the messages these tests read); Swedish, the default, is asked for with ?lang=sv."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def log_in(role: str):
        response = login(client, world.users[role])
        assert response.status_code == 302, f"{role} could not log in"
        return client
    return log_in


def add_responses(campaign: Campaign, n: int) -> None:
    for _ in range(n):
        db.session.add(Response(
            forbund_id=campaign.forbund_id, insats_id=campaign.insats_id, campaign_id=campaign.id,
            year=campaign.year, month=campaign.opens_on.strftime("%Y-%m"),
            respondent_group=campaign.respondent_group, instrument_version=campaign.instrument_version,
        ))
    db.session.commit()


def error_summary(html: str) -> list[tuple[str, str]]:
    """(field id, message) pairs of the GOV.UK error summary."""
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    if not block:
        return []
    return [(field, unescape(message))
            for field, message in re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', block.group(0))]
