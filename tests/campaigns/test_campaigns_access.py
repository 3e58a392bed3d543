"""Who may do what: the access matrix of the campaigns and admin areas, per role."""
import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Campaign, Forbund, Insats

from .conftest import error_summary

READ_PAGES = [
    "/campaigns/", "/insatser/", "/campaigns/{c}", "/campaigns/{c}/qr.svg", "/campaigns/{c}/qr.png",
    "/campaigns/{c}/poster", "/campaigns/{c}/poster.pdf",
]
EDIT_PAGES = ["/campaigns/new", "/campaigns/{c}/edit", "/insatser/new", "/insatser/{i}/edit"]
OBJECT_PAGES = [p for p in READ_PAGES + EDIT_PAGES if "{" in p]
ADMIN_PAGES = ["/admin/forbund", "/admin/users"]


def fill(path: str, campaign, insats) -> str:
    return path.format(c=campaign.id, i=insats.id)


def campaign_post(world, campaign_title="Ny"):
    return {"title": campaign_title, "respondent_group": "styrelse", "insats": "", "instrument_version": "2021-A",
            "opens_on": "2025-01-01", "closes_on": "2025-01-31", "send_grace_days": "7", "forbund": str(world.own.id)}


def counts():
    return (db.session.scalar(select(func.count(Campaign.id))), db.session.scalar(select(func.count(Insats.id))),
            db.session.scalar(select(func.count(Forbund.id))))


def test_anonymous_is_sent_to_login(client, world):
    for path in READ_PAGES + EDIT_PAGES + ADMIN_PAGES:
        response = client.get(fill(path, world.own_campaign, world.own_insats))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_nns_analyst_gets_403_everywhere_here(as_role, world):
    client = as_role("nns")
    for path in READ_PAGES + EDIT_PAGES + ADMIN_PAGES:
        for campaign, insats in ((world.own_campaign, world.own_insats), (world.other_campaign, world.other_insats)):
            assert client.get(fill(path, campaign, insats)).status_code == 403, path
    before = counts()
    assert client.post("/campaigns/new", data=campaign_post(world)).status_code == 403
    assert client.post("/insatser/new", data={"code": "x", "name": "X"}).status_code == 403
    assert counts() == before
    assert "/campaigns/" not in client.get("/").get_data(as_text=True), "no start-page link to campaigns"


@pytest.mark.parametrize("role", ["forbund_admin", "forbund_user"])
def test_forbund_staff_read_their_own_forbund(as_role, world, role):
    client = as_role(role)
    for path in READ_PAGES:
        assert client.get(fill(path, world.own_campaign, world.own_insats)).status_code == 200, path
    start = client.get("/").get_data(as_text=True)
    assert 'href="/campaigns/"' in start and 'href="/insatser/"' in start
    assert 'href="/admin/forbund"' not in start
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", ["forbund_admin", "forbund_user"])
def test_another_forbunds_ids_are_404(as_role, world, role):
    client = as_role(role)
    for path in OBJECT_PAGES:
        url = fill(path, world.other_campaign, world.other_insats)
        expected = 404 if role == "forbund_admin" or path in READ_PAGES else 403
        assert client.get(url).status_code == expected, url
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert "Södervik vägen höst" not in listing and "Norrby steget vår" in listing
    before = counts()
    if role == "forbund_admin":
        assert client.post(f"/campaigns/{world.other_campaign.id}/edit", data=campaign_post(world)).status_code == 404
        assert client.post(f"/insatser/{world.other_insats.id}/edit", data={"code": "x", "name": "X"}).status_code == 404
    assert client.get("/campaigns/999999").status_code == 404
    assert counts() == before
    db.session.expire_all()
    assert db.session.get(Campaign, world.other_campaign.id).title == "Södervik vägen höst"


def test_forbund_user_is_read_only(as_role, world):
    client = as_role("forbund_user")
    for path in EDIT_PAGES:
        assert client.get(fill(path, world.own_campaign, world.own_insats)).status_code == 403, path
    before = counts()
    assert client.post("/campaigns/new", data=campaign_post(world)).status_code == 403
    assert client.post(f"/campaigns/{world.own_campaign.id}/edit", data=campaign_post(world, "Ändrad")).status_code == 403
    assert client.post("/insatser/new", data={"code": "ny", "name": "Ny"}).status_code == 403
    assert client.post(f"/insatser/{world.own_insats.id}/edit", data={"code": "ny", "name": "Ny"}).status_code == 403
    assert counts() == before
    db.session.expire_all()
    assert db.session.get(Campaign, world.own_campaign.id).title == "Norrby steget vår"
    assert db.session.get(Insats, world.own_insats.id).code == "steget"
    page = client.get("/campaigns/").get_data(as_text=True)
    assert "/campaigns/new" not in page, "no create button for a read-only user"


def test_forbund_admin_manages_own_forbund(as_role, world):
    client = as_role("forbund_admin")
    for path in EDIT_PAGES:
        assert client.get(fill(path, world.own_campaign, world.own_insats)).status_code == 200, path
    assert client.post("/campaigns/new", data=campaign_post(world)).status_code == 302
    assert client.post("/insatser/new", data={"code": "ny", "name": "Ny"}).status_code == 302


def test_admin_sees_every_forbund_and_creates_forbund(as_role, world):
    client = as_role("admin")
    for campaign, insats in ((world.own_campaign, world.own_insats), (world.other_campaign, world.other_insats)):
        for path in READ_PAGES + EDIT_PAGES:
            assert client.get(fill(path, campaign, insats)).status_code == 200, path
    start = client.get("/").get_data(as_text=True)
    assert 'href="/admin/forbund"' in start and 'href="/admin/users"' in start
    users = client.get("/admin/users").get_data(as_text=True)
    assert "forbund_user-norrby@example.se" in users and "nns-x@example.se" in users
    response = client.post("/admin/forbund", data={"code": "Ny-Dal", "name": "Samordningsförbundet Nydal"})
    assert response.status_code == 302
    assert db.session.scalar(select(Forbund.name).where(Forbund.code == "ny-dal")) == "Samordningsförbundet Nydal"
    assert "Samordningsförbundet Nydal" in client.get("/admin/forbund").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"code": "", "name": "X"}, "Enter the code of the förbund."),
    ({"code": "ny dal", "name": "X"}, "The code can only contain lowercase letters a–z, digits and '-'."),
    ({"code": "ny", "name": ""}, "Enter the name of the förbund."),
    ({"code": "norrby", "name": "Dublett"}, "A förbund with this code exists already. Choose another code."),
])
def test_forbund_validation(as_role, world, data, message):
    client = as_role("admin")
    before = counts()
    response = client.post("/admin/forbund", data=data)
    assert response.status_code == 200
    assert ("code" if "code" in message.lower() else "name", message) in error_summary(response.get_data(as_text=True))
    assert counts() == before
