"""Every signed-in user changes their own password: current password required, the policy
applies, every other session ends and this one goes on."""
import pytest

from survey.extensions import db
from survey.models import User
from tests.accounts.helpers import GOOD_PASSWORD, audit_rows, says
from tests.support.factories import PASSWORD, forget_cached_user_per_request, login


@pytest.fixture(autouse=True)
def fresh_user_per_request(app):
    forget_cached_user_per_request(app)


@pytest.mark.parametrize("role", ["admin", "nns", "forbund_admin", "forbund_user"])
def test_change_own_password_keeps_this_session_and_ends_the_others(app, factory, role):
    forbund = factory.forbund() if role.startswith("forbund") else None
    user = factory.user(role, forbund)
    here, elsewhere = app.test_client(), app.test_client()
    assert login(here, user).status_code == 302 and login(elsewhere, user).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", here.get_cookie("session").value)  # a copy taken before
    assert says(here.get("/").get_data(as_text=True), 'href="/account/password"')  # in the menu
    done = here.post("/account/password", data={"current_password": PASSWORD, "new_password": GOOD_PASSWORD,
                                                "confirm": GOOD_PASSWORD})
    assert done.status_code == 302
    assert here.get("/account/password").status_code == 200  # still signed in here
    assert elsewhere.get("/account/password").status_code == 302
    assert thief.get("/account/password").status_code == 302
    assert login(app.test_client(), user, PASSWORD).status_code == 200
    assert login(app.test_client(), user, GOOD_PASSWORD).status_code == 302
    row = audit_rows("user.password_changed")[0]
    assert row.user_id == user.id and GOOD_PASSWORD not in row.detail and PASSWORD not in row.detail


def test_wrong_current_password_and_weak_new_ones_are_refused(app, client, factory):
    user = factory.user("nns")
    assert login(client, user).status_code == 302
    epoch = user.session_epoch
    cases = [
        ({"current_password": "fel lösenord här", "new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
         ("current password is wrong", "nuvarande lösenordet är fel")),
        ({"current_password": PASSWORD, "new_password": "sommar2024", "confirm": "sommar2024"},
         ("most common", "vanligaste")),
        ({"current_password": PASSWORD, "new_password": "nns-x@example.se", "confirm": "nns-x@example.se"},
         ("email address or name", "e-postadress eller namn")),
        ({"current_password": PASSWORD, "new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "!"},
         ("not the same", "inte likadana")),
        ({"current_password": "x" * 5000, "new_password": "y" * 5000, "confirm": "y" * 5000},
         ("at most 200", "högst 200")),
    ]
    for data, message in cases:
        page = client.post("/account/password", data=data)
        assert page.status_code == 200 and says(page.get_data(as_text=True), *message), data
    db.session.expire_all()
    assert db.session.get(User, user.id).session_epoch == epoch
    assert login(app.test_client(), user, PASSWORD).status_code == 302
    assert not audit_rows("user.password_changed")


def test_the_page_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
