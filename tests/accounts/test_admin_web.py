"""The administrator's account pages: create with a one-time link, edit, deactivate, unlock,
förbund edit; guard rails, sessions ended, audit rows, no 500 on odd input."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditLog, Forbund, PasswordLink, User, utcnow
from tests.accounts.helpers import GOOD_PASSWORD, audit_rows, detail, link_in, says
from tests.support.factories import PASSWORD, forget_cached_user_per_request, login


@pytest.fixture(autouse=True)
def fresh_user_per_request(app):
    forget_cached_user_per_request(app)


@pytest.fixture
def people(factory):
    norrby = factory.forbund("norrby")
    admin = factory.user("admin")
    staff = factory.user("forbund_user", norrby, email="kim@example.se")
    return norrby, admin, staff


def _admin_client(app, admin):
    client = app.test_client()
    assert login(client, admin).status_code == 302
    return client


def _path(url: str) -> str:
    return url[url.index("/account/"):]


def test_create_user_shows_a_one_time_link_that_sets_the_password(app, client, people):
    norrby, admin, _staff = people
    assert login(client, admin).status_code == 302
    page = client.post("/admin/users/new", data={"email": " Ny.Person@Example.se ", "name": "Ny Person",
                                                 "role": "forbund_admin", "forbund": str(norrby.id)})
    assert page.status_code == 200
    url = link_in(page.get_data(as_text=True))
    user = db.session.scalar(select(User).where(User.email == "ny.person@example.se"))
    assert user.role == "forbund_admin" and user.forbund_id == norrby.id and user.name == "Ny Person"
    # No typed password: nobody can log in before the link is used.
    newcomer = app.test_client()
    assert login(newcomer, user, PASSWORD).status_code == 200
    form = newcomer.get(_path(url))
    assert form.status_code == 200 and "ny.person@example.se" in form.get_data(as_text=True)
    done = newcomer.post(_path(url), data={"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert login(newcomer, user, GOOD_PASSWORD).status_code == 302
    # Used once: the same link now says so, with a 404, and sets nothing.
    again = app.test_client().post(_path(url), data={"new_password": "annat bra lösen 9", "confirm": "annat bra lösen 9"})
    assert again.status_code == 404
    assert says(again.get_data(as_text=True), "has been used already", "har redan använts")
    created, issued, set_ = audit_rows("user.created"), audit_rows("user.password_link_issued"), audit_rows("user.password_set")
    assert created[0].user_id == admin.id and detail(created[0])["role"] == "forbund_admin"
    assert issued[0].user_id == admin.id and set_[0].user_id == user.id
    token = url.rsplit("/", 1)[1]
    for row in db.session.scalars(select(AuditLog)):
        assert token not in row.detail and GOOD_PASSWORD not in row.detail


def test_an_expired_link_does_not_work(app, client, people):
    _norrby, admin, staff = people
    admin_client = _admin_client(app, admin)
    url = link_in(admin_client.post(f"/admin/users/{staff.id}/password-link").get_data(as_text=True))
    db.session.scalar(select(PasswordLink)).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(_path(url)).status_code == 404
    assert client.post(_path(url), data={"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}).status_code == 404
    assert login(client, staff).status_code == 302  # the old password still works


def test_set_password_refuses_common_and_personal_passwords(app, client, people):
    _norrby, admin, staff = people
    url = link_in(_admin_client(app, admin).post(f"/admin/users/{staff.id}/password-link").get_data(as_text=True))
    for bad, message in [("sommar2024", ("most common", "vanligaste")), ("Lösenord123!", ("most common", "vanligaste")),
                         ("kim-password-x", ("email address or name", "e-postadress eller namn")),
                         ("kort", ("at least 10", "minst 10"))]:
        page = client.post(_path(url), data={"new_password": bad, "confirm": bad})
        assert page.status_code == 200 and says(page.get_data(as_text=True), *message), bad
    page = client.post(_path(url), data={"new_password": GOOD_PASSWORD, "confirm": "something else"})
    assert page.status_code == 200
    assert login(client, staff).status_code == 302  # nothing was set, the link still works
    assert client.get(_path(url)).status_code == 200


def test_a_password_link_ends_every_session_of_the_user(app, people):
    _norrby, admin, staff = people
    victim_browser = app.test_client()
    assert login(victim_browser, staff).status_code == 302
    url = link_in(_admin_client(app, admin).post(f"/admin/users/{staff.id}/password-link").get_data(as_text=True))
    assert victim_browser.get("/campaigns/").status_code == 200  # issuing alone changes nothing
    app.test_client().post(_path(url), data={"new_password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert victim_browser.get("/campaigns/").status_code == 302


def test_deactivation_ends_every_session_copied_cookies_included(app, people):
    _norrby, admin, staff = people
    browser = app.test_client()
    assert login(browser, staff).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert thief.get("/campaigns/").status_code == 200
    admin_client = _admin_client(app, admin)
    assert admin_client.post(f"/admin/users/{staff.id}/deactivate").status_code == 302
    assert browser.get("/campaigns/").status_code == 302 and thief.get("/campaigns/").status_code == 302
    assert login(app.test_client(), staff).status_code == 200  # refused
    assert not db.session.get(User, staff.id).active
    assert audit_rows("user.deactivated")[0].user_id == admin.id
    # A deactivated user gets no password link.
    refused = admin_client.post(f"/admin/users/{staff.id}/password-link", follow_redirects=True)
    assert says(refused.get_data(as_text=True), "Reactivate it first", "Aktivera det först")
    assert admin_client.post(f"/admin/users/{staff.id}/reactivate").status_code == 302
    assert login(app.test_client(), staff).status_code == 302
    assert audit_rows("user.reactivated")[0].user_id == admin.id


def test_an_admin_cannot_deactivate_themself_nor_demote_the_last_admin(app, people):
    _norrby, admin, _staff = people
    client = _admin_client(app, admin)
    page = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert page.status_code == 200 and says(page.get_data(as_text=True), "cannot deactivate your own", "inte inaktivera ditt eget")
    page = client.post(f"/admin/users/{admin.id}", data={"name": "", "role": "nns", "forbund": ""})
    assert page.status_code == 200 and says(page.get_data(as_text=True), "last active system administrator",
                                            "sista aktiva systemadministratören")
    assert db.session.get(User, admin.id).role == "admin" and db.session.get(User, admin.id).active
    assert client.get("/admin/users").status_code == 200  # still signed in
    assert not audit_rows("user.deactivated") and not audit_rows("user.role_changed")


def test_role_change_ends_sessions_and_checks_the_forbund(app, people, factory):
    norrby, admin, staff = people
    browser = app.test_client()
    assert login(browser, staff).status_code == 302
    client = _admin_client(app, admin)
    # A förbund role needs a förbund; other roles none; a förbund id that is not one is an error.
    for data in ({"role": "forbund_admin", "forbund": ""}, {"role": "nns", "forbund": str(norrby.id)},
                 {"role": "forbund_admin", "forbund": "99999999999999999999"}, {"role": "boss", "forbund": ""},
                 {"role": "forbund_admin", "forbund": "abc"}):
        page = client.post(f"/admin/users/{staff.id}", data={"name": "Kim", **data})
        assert page.status_code == 200 and 'class="error-message"' in page.get_data(as_text=True), data
    assert db.session.get(User, staff.id).role == "forbund_user"
    assert browser.get("/campaigns/").status_code == 200
    other = factory.forbund("sodervik")
    done = client.post(f"/admin/users/{staff.id}", data={"name": "Kim Ek", "role": "forbund_admin", "forbund": str(other.id)})
    assert done.status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, staff.id)
    assert (changed.role, changed.forbund_id, changed.name) == ("forbund_admin", other.id, "Kim Ek")
    assert browser.get("/campaigns/").status_code == 302
    row = audit_rows("user.role_changed")[0]
    assert row.user_id == admin.id and detail(row)["before"] == {"role": "forbund_user", "forbund": "norrby"}
    assert detail(row)["after"] == {"role": "forbund_admin", "forbund": "sodervik"}
    assert audit_rows("user.renamed")[0].user_id == admin.id


def test_a_name_change_alone_keeps_the_sessions(app, people):
    _norrby, admin, staff = people
    browser = app.test_client()
    assert login(browser, staff).status_code == 302
    client = _admin_client(app, admin)
    form = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert 'value="forbund_user" selected' in form or "selected value=\"forbund_user\"" in form
    assert client.post(f"/admin/users/{staff.id}", data={"name": "Kim", "role": "forbund_user",
                                                         "forbund": str(staff.forbund_id)}).status_code == 302
    assert browser.get("/campaigns/").status_code == 200


def test_unlock(app, people):
    _norrby, admin, staff = people
    staff.locked_until, staff.failed_logins = utcnow() + timedelta(minutes=10), 3
    db.session.commit()
    assert login(app.test_client(), staff).status_code == 200  # locked
    client = _admin_client(app, admin)
    assert says(client.get(f"/admin/users/{staff.id}").get_data(as_text=True), "Unlock account", "Lås upp kontot")
    assert client.post(f"/admin/users/{staff.id}/unlock").status_code == 302
    assert login(app.test_client(), staff).status_code == 302
    assert audit_rows("user.unlocked")[0].user_id == admin.id


def test_odd_input_gives_form_errors_or_404_never_500(app, people):
    norrby, admin, staff = people
    client = _admin_client(app, admin)
    for url in (f"/admin/users/{2**31 - 1}", "/admin/users/99999999999999999999", f"/admin/forbund/{2**31 - 1}"):
        assert client.get(url).status_code == 404, url
    for action in ("deactivate", "reactivate", "unlock", "password-link"):
        assert client.post(f"/admin/users/424242/{action}").status_code == 404
    long = "å" * 201
    for url, data in [("/admin/users/new", {"email": long + "@example.se", "name": long, "role": "nns", "forbund": ""}),
                      ("/admin/users/new", {"email": "not an address", "role": "nns"}),
                      ("/admin/users/new", {"email": staff.email.upper(), "role": "nns", "forbund": ""}),
                      (f"/admin/users/{staff.id}", {"name": long, "role": "nns", "forbund": ""}),
                      (f"/admin/forbund/{norrby.id}", {"name": long}), (f"/admin/forbund/{norrby.id}", {"name": " "})]:
        page = client.post(url, data=data)
        assert page.status_code == 200 and 'class="error-message"' in page.get_data(as_text=True), (url, data)
    assert db.session.scalar(select(User).where(User.role == "nns")) is None
    assert "/account/set-password/" not in client.get("/admin/users").get_data(as_text=True)
    assert app.test_client().get("/account/set-password/" + "x" * 5000).status_code == 404


def test_forbund_name_can_be_edited_code_cannot(app, people):
    norrby, admin, _staff = people
    client = _admin_client(app, admin)
    page = client.get(f"/admin/forbund/{norrby.id}").get_data(as_text=True)
    assert "norrby" in page and 'name="code"' not in page
    done = client.post(f"/admin/forbund/{norrby.id}", data={"name": "Samordningsförbundet Norrby-Ost", "code": "hacked"})
    assert done.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Forbund, norrby.id)
    assert (edited.code, edited.name) == ("norrby", "Samordningsförbundet Norrby-Ost")
    row = audit_rows("forbund.updated")[0]
    assert row.user_id == admin.id and row.forbund_id == norrby.id
    assert detail(row)["after"] == {"name": "Samordningsförbundet Norrby-Ost"}


def test_the_users_list_links_every_user(app, people):
    _norrby, admin, staff = people
    html = _admin_client(app, admin).get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{staff.id}"' in html and 'href="/admin/users/new"' in html


def test_an_admin_who_gives_up_the_role_is_logged_out(app, people, factory):
    _norrby, admin, _staff = people
    factory.user("admin", email="second-admin@example.se")
    client = _admin_client(app, admin)
    done = client.post(f"/admin/users/{admin.id}", data={"name": "", "role": "nns", "forbund": ""})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert client.get("/admin/users").status_code == 302
    assert db.session.get(User, admin.id).role == "nns"
