"""Insatser: förbund staff list, create and edit them; codes are checked with clear messages."""
import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Insats

from .conftest import error_summary


def insatser_of(forbund):
    return {i.code: i.name for i in db.session.scalars(select(Insats).where(Insats.forbund_id == forbund.id))}


def test_forbund_admin_creates_insats_in_own_forbund(as_role, world):
    client = as_role("forbund_admin")
    response = client.post("/insatser/new", data={"code": "  Nya-Steg-2 ", "name": " Nya steget "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/insatser/")
    # Stored lowercase and trimmed, in the user's own förbund whatever they are.
    assert insatser_of(world.own)["nya-steg-2"] == "Nya steget"
    assert "nya-steg-2" not in insatser_of(world.other)
    page = client.get("/insatser/").get_data(as_text=True)
    assert "nya-steg-2" in page and "steget" in page
    assert "vagen" not in page, "another förbund's insats must not be listed"


@pytest.mark.parametrize("data, message", [
    ({"code": "", "name": "X"}, "Enter the code of the insats."),
    ({"code": "steg 1", "name": "X"}, "The code can only contain lowercase letters a–z, digits and '-'."),
    ({"code": "ståbil", "name": "X"}, "The code can only contain lowercase letters a–z, digits and '-'."),
    ({"code": "a" * 41, "name": "X"}, "The code can have at most 40 characters."),
    ({"code": "ny", "name": "   "}, "Enter the name of the insats."),
    ({"code": "ny", "name": "n" * 201}, "The name can have at most 200 characters."),
    ({"code": "steget", "name": "Dublett"}, "The förbund already has an insats with this code. Choose another code."),
])
def test_insats_validation_errors_are_clear(as_role, world, data, message):
    client = as_role("forbund_admin")
    before = insatser_of(world.own)
    response = client.post("/insatser/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in [m for _f, m in error_summary(html)]
    assert 'aria-invalid="true"' in html
    assert insatser_of(world.own) == before


def test_same_code_is_allowed_in_another_forbund(as_role, world):
    client = as_role("forbund_admin")
    response = client.post("/insatser/new", data={"code": "vagen", "name": "Vägen i Norrby"})
    assert response.status_code == 302
    assert insatser_of(world.own)["vagen"] == "Vägen i Norrby"
    assert insatser_of(world.other)["vagen"] == "Vagen"


def test_edit_insats_and_duplicate_code_on_edit(as_role, world, factory):
    client = as_role("forbund_admin")
    second = factory.insats(world.own, "andra")
    url = f"/insatser/{world.own_insats.id}/edit"
    assert "steget" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"code": "steget", "name": "Steget, nytt namn"})
    assert response.status_code == 302
    assert insatser_of(world.own)["steget"] == "Steget, nytt namn"
    response = client.post(f"/insatser/{second.id}/edit", data={"code": "steget", "name": "Andra"})
    assert response.status_code == 200
    assert ("code", "The förbund already has an insats with this code. Choose another code.") in error_summary(
        response.get_data(as_text=True))
    assert insatser_of(world.own)["andra"] == "Andra"


def test_admin_picks_the_forbund(as_role, world):
    client = as_role("admin")
    page = client.get("/insatser/new").get_data(as_text=True)
    assert 'id="forbund"' in page and "Samordningsförbundet Sodervik" in page
    missing = client.post("/insatser/new", data={"forbund": "", "code": "ny", "name": "Ny"})
    assert ("forbund", "Choose the förbund.") in error_summary(missing.get_data(as_text=True))
    tampered = client.post("/insatser/new", data={"forbund": "99999", "code": "ny", "name": "Ny"})
    assert ("forbund", "Choose one of the listed förbund.") in error_summary(tampered.get_data(as_text=True))
    garbage = client.post("/insatser/new", data={"forbund": "abc", "code": "ny", "name": "Ny"})
    assert garbage.status_code == 200
    assert ("forbund", "Choose one of the listed förbund.") in error_summary(garbage.get_data(as_text=True))
    ok = client.post("/insatser/new", data={"forbund": str(world.other.id), "code": "ny", "name": "Ny"})
    assert ok.status_code == 302
    assert insatser_of(world.other)["ny"] == "Ny" and "ny" not in insatser_of(world.own)
    listing = client.get("/insatser/").get_data(as_text=True)
    assert "steget" in listing and "vagen" in listing
