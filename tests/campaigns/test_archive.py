"""Archive and restore campaigns and insatser (issue 12 point 3): out of the default lists and
choices, data and figures kept, the public link says the questionnaire is closed, audited."""
from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, Response
from tests.campaigns.conftest import add_responses
from tests.support.factories import forget_cached_user_per_request


def _logs(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_archived_campaign_leaves_the_list_and_its_link_says_closed(app, world, as_role):
    forget_cached_user_per_request(app)
    client = as_role("forbund_admin")
    campaign = world.own_campaign
    add_responses(campaign, 6)
    start = app.test_client().get(f"/e/{campaign.token}?lang=sv")
    assert start.status_code == 200
    done = client.post(f"/campaigns/{campaign.id}/archive", data={"action": "archive"}, follow_redirects=True)
    assert "Arkiverad" in done.get_data(as_text=True)  # staff pages are Swedish by default
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert campaign.title not in listing and "Arkiverade enkätomgångar (1)" in listing
    archived = client.get("/campaigns/?archived=1").get_data(as_text=True)
    assert campaign.title in archived
    # Its data stay.
    assert db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.campaign_id == campaign.id)) == 6
    # The public link says clearly it is closed, in the participant's language.
    public = app.test_client()
    page = public.get(f"/e/{campaign.token}?lang=en")
    assert page.status_code == 410
    assert "no longer takes answers" in page.get_data(as_text=True)
    assert public.post(f"/e/{campaign.token}/start").status_code == 410
    (log,) = _logs("correction.campaign_archived")
    assert json.loads(log.detail) == {"campaign_id": campaign.id}
    assert log.user_id == world.users["forbund_admin"].id and log.forbund_id == world.own.id
    # Restored: listed and open again.
    client.post(f"/campaigns/{campaign.id}/archive", data={"action": "restore"})
    assert campaign.title in client.get("/campaigns/").get_data(as_text=True)
    assert app.test_client().get(f"/e/{campaign.token}").status_code == 200
    assert len(_logs("correction.campaign_restored")) == 1


def test_archived_insats_leaves_the_choices(app, world, as_role):
    forget_cached_user_per_request(app)
    client = as_role("forbund_admin")
    insats = world.own_insats
    client.post(f"/insatser/{insats.id}/archive", data={"action": "archive"})
    db.session.expire_all()
    assert insats.archived
    assert f"/insatser/{insats.id}/edit" not in client.get("/insatser/").get_data(as_text=True)
    assert f"/insatser/{insats.id}/edit" in client.get("/insatser/?archived=1").get_data(as_text=True)
    assert f'value="{insats.id}"' not in client.get("/campaigns/new").get_data(as_text=True)
    # The campaign that has it keeps it in its own form.
    assert f'value="{insats.id}"' in client.get(f"/campaigns/{world.own_campaign.id}/edit").get_data(as_text=True)
    assert 'value="steget"' not in client.get("/data/avslut/new").get_data(as_text=True)
    # An import for it is a clear problem, not a silent new insats.
    text = "record_id,forbund,insats,year,kon,utfall\nz1,norrby,steget,2024,kvinna,arbete\n"
    page = client.post("/data/import", data={"kind": "avslut", "file": (io.BytesIO(text.encode()), "a.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 422 and "is archived" in page.get_data(as_text=True)
    assert len(_logs("correction.insats_archived")) == 1
    client.post(f"/insatser/{insats.id}/archive", data={"action": "restore"})
    assert 'value="steget"' in client.get("/data/avslut/new").get_data(as_text=True)


def test_only_own_forbund_and_editors_may_archive(app, world, as_role):
    forget_cached_user_per_request(app)
    admin = as_role("forbund_admin")
    other = world.other_campaign
    assert admin.post(f"/campaigns/{other.id}/archive", data={"action": "archive"}).status_code == 404
    assert admin.post(f"/insatser/{world.other_insats.id}/archive", data={"action": "archive"}).status_code == 404
    db.session.expire_all()
    assert not other.archived and not world.other_insats.archived
    assert not _logs("correction.campaign_archived") and not _logs("correction.insats_archived")
