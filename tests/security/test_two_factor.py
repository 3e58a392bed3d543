"""Issue 12 point 2: TOTP two-step login for administrators and NNS analysts, optional or
required by the installation (survey/credentials/twofactor.py)."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from survey import create_app
from survey.credentials import twofactor
from survey.config import ConfigError
from survey.extensions import db, limiter
from tests.support.factories import PASSWORD, forget_cached_user_per_request, login

NATIONAL = "/results/riket/"  # admin and NNS only


@pytest.fixture(autouse=True)
def english(request):
    """These tests read the English texts."""
    from tests.support.factories import speak_english

    for name in ("app", "required"):
        if name in request.fixturenames:
            speak_english(request.getfixturevalue(name))


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * twofactor.STEP)


def _turn_on(user) -> tuple[str, list[str]]:
    """Two-step login on for `user`, the step before the current one spent (as enrolment does)."""
    secret = pyotp.random_base32()
    codes = twofactor.turn_on(user, secret, int(time.time() // twofactor.STEP) - 2)
    db.session.commit()
    return secret, codes


def _signed_in(client) -> bool:
    return client.get(NATIONAL).status_code == 200


def _enrol_key(html: str) -> str:
    match = re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', html)
    assert match, "the key is shown as text"
    return match.group(1).replace(" ", "")


def test_enrolment_shows_a_qr_code_and_the_key_and_is_confirmed_with_a_code(app, client, factory):
    user = factory.user("admin")
    assert login(client, user).status_code == 302
    page = client.get("/login/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'src="data:image/svg+xml' in html
    key = _enrol_key(html)
    assert client.get("/login/two-factor").get_data(as_text=True).count(key[:4]) >= 1
    assert _enrol_key(client.get("/login/two-factor").get_data(as_text=True)) == key, "the same key until confirmed"
    wrong = client.post("/login/two-factor", data={"code": "000000" if _code(key) != "000000" else "111111"})
    assert wrong.status_code == 200 and "wrong" in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret is None
    done = client.post("/login/two-factor", data={"code": _code(key)})
    codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == twofactor.RECOVERY_CODES
    db.session.refresh(user)
    assert twofactor.unseal(user) == key and len(user.recovery_codes) == twofactor.RECOVERY_CODES
    assert key not in user.totp_secret, "the key is stored sealed"
    assert not any(c in str(user.recovery_codes) for c in codes), "only hashes are stored"
    assert _signed_in(client), "this session goes on"
    assert "is on" in client.get("/login/two-factor").get_data(as_text=True)


def test_forbund_roles_cannot_turn_it_on(client, factory):
    user = factory.user("forbund_admin", factory.forbund())
    assert login(client, user).status_code == 302
    assert client.get("/login/two-factor").status_code == 403


def test_login_asks_for_the_code_after_the_password_and_never_logs_in_before(app, client, factory):
    user = factory.user("nns")
    secret, _codes = _turn_on(user)
    response = client.post("/login?next=/results/riket/", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert not _signed_in(client), "half-way is not logged in"
    page = client.get("/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    done = client.post("/login/code", data={"code": _code(secret)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/results/riket/"), "next kept"
    assert _signed_in(client)
    with client.session_transaction() as session:
        assert "login_pending" not in session and session["_user_id"] == user.get_id()


def test_a_wrong_code_does_not_log_in_and_five_send_back_to_the_password(client, factory):
    user = factory.user("admin")
    secret, _codes = _turn_on(user)
    assert login(client, user).status_code == 302
    wrong = "123456" if _code(secret) != "123456" else "654321"
    for attempt in range(4):
        page = client.post("/login/code", data={"code": wrong})
        assert page.status_code == 200 and "wrong" in page.get_data(as_text=True)
    assert client.post("/login/code", data={"code": wrong}).headers["Location"].endswith("/login")
    assert client.post("/login/code", data={"code": _code(secret)}).headers["Location"].endswith("/login"), \
        "the half-done login is gone"
    assert not _signed_in(client)


def test_a_used_code_cannot_be_used_again(app, factory):
    forget_cached_user_per_request(app)
    user = factory.user("admin")
    secret, _codes = _turn_on(user)
    code = _code(secret)
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 200 and not _signed_in(second)
    # Nor an older one (the step before the one used).
    assert second.post("/login/code", data={"code": _code(secret, -1)}).status_code == 200
    assert not _signed_in(second)


def test_a_recovery_code_works_once(app, factory):
    forget_cached_user_per_request(app)
    user = factory.user("nns")
    _secret, codes = _turn_on(user)
    first = app.test_client()
    login(first, user)
    assert first.post("/login/code", data={"code": codes[3].upper().replace("-", " ")}).status_code == 302
    assert _signed_in(first)
    db.session.refresh(user)
    assert len(user.recovery_codes) == twofactor.RECOVERY_CODES - 1
    second = app.test_client()
    login(second, user)
    assert second.post("/login/code", data={"code": codes[3]}).status_code == 200
    assert not _signed_in(second)


def test_new_recovery_codes_replace_the_old_ones_for_a_code(app, factory):
    forget_cached_user_per_request(app)
    user = factory.user("admin")
    secret, old_codes = _turn_on(user)
    client = app.test_client()
    login(client, user)
    client.post("/login/code", data={"code": _code(secret)})
    assert client.post("/login/two-factor/recovery-codes", data={"new-code": "000000"}).status_code == 200
    page = client.post("/login/two-factor/recovery-codes", data={"new-code": _code(secret, 1)})
    new_codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", page.get_data(as_text=True))
    assert page.status_code == 200 and len(new_codes) == twofactor.RECOVERY_CODES
    assert not set(new_codes) & set(old_codes)
    other = app.test_client()
    login(other, user)
    assert other.post("/login/code", data={"code": old_codes[0]}).status_code == 200, "old codes stop working"
    assert other.post("/login/code", data={"code": new_codes[0]}).status_code == 302


def test_the_half_done_login_expires(client, factory):
    user = factory.user("admin")
    secret, _codes = _turn_on(user)
    login(client, user)
    with client.session_transaction() as session:
        pending = session["login_pending"]
        pending["x"] = int(time.time()) - 1
        session["login_pending"] = pending
    assert client.post("/login/code", data={"code": _code(secret)}).headers["Location"].endswith("/login")
    assert not _signed_in(client)


def test_a_logout_elsewhere_ends_the_half_done_login(app, factory):
    """The session epoch (User.get_id) holds for the code step too: ending every session of the
    user ends a login waiting for its code."""
    forget_cached_user_per_request(app)
    user = factory.user("admin")
    secret, _codes = _turn_on(user)
    waiting = app.test_client()
    login(waiting, user)
    user.end_sessions()
    db.session.commit()
    assert waiting.post("/login/code", data={"code": _code(secret)}).headers["Location"].endswith("/login")
    assert not _signed_in(waiting)


def test_turning_it_off_needs_the_password_and_a_code(client, factory):
    user = factory.user("admin")
    secret, _codes = _turn_on(user)
    login(client, user)
    client.post("/login/code", data={"code": _code(secret)})
    assert _signed_in(client)
    page = client.post("/login/two-factor/disable", data={"password": "wrong", "code": _code(secret, 1)})
    assert page.status_code == 200 and "password is wrong" in page.get_data(as_text=True)
    page = client.post("/login/two-factor/disable", data={"password": PASSWORD, "code": "000000"})
    assert page.status_code == 200
    db.session.refresh(user)
    assert user.totp_secret is not None
    done = client.post("/login/two-factor/disable", data={"password": PASSWORD, "code": _code(secret, 1)})
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None and user.recovery_codes is None
    client.post("/logout")
    assert login(client, user).headers["Location"].endswith("/"), "the password alone again"


@pytest.fixture
def required(app_config):
    app = create_app({**app_config, "REQUIRE_TWO_FACTOR": ("admin", "nns")})
    with app.app_context():
        forget_cached_user_per_request(app)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_an_installation_can_require_it_enrolment_comes_right_after_the_password(required, factory):
    user = factory.user("nns")
    client = required.test_client()
    response = client.post("/login?next=/results/riket/", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor")
    assert not _signed_in(client), "nothing before the enrolment"
    assert client.get("/login/code").headers["Location"].endswith("/login/two-factor")
    html = client.get("/login/two-factor").get_data(as_text=True)
    assert "requires two-step login" in html
    key = _enrol_key(html)
    done = client.post("/login/two-factor", data={"code": _code(key)})
    assert done.status_code == 200 and 'href="/results/riket/"' in done.get_data(as_text=True)
    assert _signed_in(client)
    db.session.refresh(user)
    assert twofactor.unseal(user) == key
    page = client.post("/login/two-factor/disable", data={"password": PASSWORD, "code": _code(key, 1)})
    assert page.status_code == 302
    db.session.refresh(user)
    assert twofactor.unseal(user) == key, "required: cannot be turned off"
    # Other roles are not asked.
    forbund_user = factory.user("forbund_user", factory.forbund())
    assert login(required.test_client(), forbund_user).headers["Location"].endswith("/")


def test_a_session_from_before_the_requirement_reaches_only_the_enrolment(required, factory):
    user = factory.user("admin")
    client = required.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    for path in ("/", NATIONAL, "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor"), path
    assert client.get("/login/two-factor").status_code == 200


def test_code_attempts_are_rate_limited(app_config, factory):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        user = factory.user("admin")
        _turn_on(user)
        client = limited.test_client()
        login(client, user)
        statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(11)]
        # Five wrong codes end the half-done login (and lock untrusted clients out, as five wrong
        # passwords would); the per-address limit holds whatever the state.
        assert statuses[:5] == [200] * 4 + [302]
        assert statuses[10] == 429
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("value,expected", [("", ()), ("admin,nns", ("admin", "nns")), ("nns", ("nns",)),
                                            ("yes", ("admin", "nns"))])
def test_require_two_factor_setting(monkeypatch, value, expected):
    monkeypatch.setenv("REQUIRE_TWO_FACTOR", value)
    assert create_app().config["REQUIRE_TWO_FACTOR"] == expected


def test_require_two_factor_refuses_roles_that_cannot_use_it(monkeypatch):
    monkeypatch.setenv("REQUIRE_TWO_FACTOR", "admin,forbund_user")
    with pytest.raises(ConfigError, match="REQUIRE_TWO_FACTOR"):
        create_app()


def test_an_administrator_turns_it_off_for_a_user_who_lost_the_phone(app, factory, runner):
    """Web and command line: the user logs in with the password alone afterwards, every session
    of theirs has ended, and the audit log says who did it."""
    from survey.models import AuditLog

    forget_cached_user_per_request(app)
    analyst, admin = factory.user("nns"), factory.user("admin", email="it@example.se")
    _turn_on(analyst)
    old_session = app.test_client()
    with old_session.session_transaction() as session:
        session["_user_id"] = analyst.get_id()
    assert _signed_in(old_session)
    it = app.test_client()
    assert login(it, admin).status_code == 302
    assert "two-factor-off" in it.get(f"/admin/users/{analyst.id}").get_data(as_text=True)
    assert it.post(f"/admin/users/{analyst.id}/two-factor-off").status_code == 302
    db.session.refresh(analyst)
    assert analyst.totp_secret is None and not analyst.recovery_codes
    assert not _signed_in(old_session), "their sessions ended"
    fresh = app.test_client()
    assert login(fresh, analyst).status_code == 302 and _signed_in(fresh), "the password alone"
    row = db.session.query(AuditLog).filter_by(action="user.two_factor_turned_off").one()
    assert row.user_id == admin.id
    again = it.post(f"/admin/users/{analyst.id}/two-factor-off", follow_redirects=True)
    assert again.status_code == 200, "turning off what is off is a message, not an error"
    _turn_on(analyst)
    result = runner.invoke(args=["user", "two-factor-off", analyst.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(analyst)
    assert analyst.totp_secret is None
    assert runner.invoke(args=["user", "two-factor-off", analyst.email]).exit_code != 0


def test_the_key_is_stored_sealed_bound_to_its_user_and_survives_a_rotated_secret_key(app, client, factory):
    """A database copy alone gives no TOTP key: it is AES-GCM sealed under a key derived from
    SECRET_KEY and bound to the user's id (another user's sealed key does not open as one's
    own). After SECRET_KEY is rotated, the old one in SECRET_KEY_FALLBACKS still opens it, and
    the login seals it again under the new one; with no matching key the code is refused, never
    a 500."""
    forget_cached_user_per_request(app)  # two clients in one test: each request loads its own user
    user, other = factory.user("admin"), factory.user("nns")
    secret, _codes = _turn_on(user)
    stored = user.totp_secret
    assert stored.startswith(twofactor.SEALED) and secret not in stored and len(stored) <= 160
    other.totp_secret = stored  # copied over in the database
    db.session.commit()
    assert twofactor.unseal(other) is None
    assert twofactor.seal(user.id, secret) != stored, "a fresh nonce every time"

    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = old_key + "-rotated"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    try:
        assert login(client, user).headers["Location"].endswith("/login/code")
        assert client.post("/login/code", data={"code": _code(secret)}).status_code == 302
        assert _signed_in(client)
        db.session.refresh(user)
        assert user.totp_secret != stored and twofactor.unseal(user) == secret  # sealed anew
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert twofactor.unseal(user) == secret, "the new key opens it alone"
        app.config["SECRET_KEY"] = "another-installation"
        fresh = app.test_client()
        assert login(fresh, user).headers["Location"].endswith("/login/code")
        refused = fresh.post("/login/code", data={"code": _code(secret, 1)})
        assert refused.status_code == 200 and not _signed_in(fresh)
    finally:
        app.config["SECRET_KEY"] = old_key
        app.config.pop("SECRET_KEY_FALLBACKS", None)
