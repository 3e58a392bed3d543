"""Issue 12 point 4: the login tells nobody whether an account exists or is locked, and nobody
can use the lockout to keep an owner out (device cookies, survey/credentials/passwords.py)."""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

from survey.credentials.passwords import DEVICE_COOKIE, MAX_FAILURES
from survey.extensions import db
from survey.models import LoginDevice, utcnow
from tests.support.factories import PASSWORD, forget_cached_user_per_request, login

UNKNOWN = "nobody-here@example.se"


def _post(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def _answer(response, email: str) -> tuple[int, str]:
    """Status and page with the e-mail the form shows back taken out."""
    return response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")


def _signed_in(client) -> bool:
    return client.get("/campaigns/").status_code == 200


def test_unknown_inactive_locked_and_known_accounts_get_one_answer(app, factory):
    forget_cached_user_per_request(app)
    known = factory.user("forbund_admin", factory.forbund())
    inactive = factory.user("admin", email="left@example.se")
    inactive.active = False
    db.session.commit()
    client = app.test_client()
    first = _answer(_post(client, known.email, "wrong password"), known.email)
    assert first[0] == 200
    assert _answer(_post(client, UNKNOWN, "wrong password"), UNKNOWN) == first
    assert _answer(_post(client, inactive.email, PASSWORD), inactive.email) == first, "the right password of a leaver"
    # Locked: the known account after MAX_FAILURES, the unknown one after as many tries.
    for _ in range(MAX_FAILURES):
        _post(client, known.email, "wrong password")
        _post(client, UNKNOWN, "wrong password")
    db.session.refresh(known)
    assert known.locked_until is not None
    assert _answer(_post(client, known.email, "wrong password"), known.email) == first
    assert _answer(_post(client, UNKNOWN, "wrong password"), UNKNOWN) == first
    assert _answer(_post(client, known.email, PASSWORD), known.email) == first, "locked, right password"
    assert not _signed_in(client)


def _median_ms(client, email: str, password: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert _post(client, email, password).status_code == 200
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def test_unknown_inactive_and_locked_accounts_take_as_long_as_a_wrong_password(app, factory):
    """Relative times only, with a generous margin (3×) and medians of interleaved tries, so a
    busy machine does not make it flaky; before, an unknown e-mail took 4–5 ms against
    100–150 ms (about 25×)."""
    known = factory.user("forbund_admin", factory.forbund())
    inactive = factory.user("admin", email="left@example.se")
    locked = factory.user("nns", email="locked@example.se")
    inactive.active = False
    locked.locked_until = utcnow() + timedelta(hours=1)
    db.session.commit()
    client = app.test_client()
    _post(client, UNKNOWN, "warm-up")  # the dummy hash is made once per process
    medians = {"known": [], "unknown": [], "inactive": [], "locked": []}
    for _ in range(3):  # interleaved, so a slow spell of the machine hits every kind
        medians["known"].append(_median_ms(client, known.email, "wrong password", 3))
        medians["unknown"].append(_median_ms(client, UNKNOWN, "wrong password", 3))
        medians["inactive"].append(_median_ms(client, inactive.email, "wrong password", 3))
        medians["locked"].append(_median_ms(client, locked.email, PASSWORD, 3))
        known.failed_logins = 0  # stays below the lock, which would change nothing but is not the point
        db.session.commit()
    typical = {kind: statistics.median(values) for kind, values in medians.items()}
    for kind in ("unknown", "inactive", "locked"):
        ratio = typical[kind] / typical["known"]
        assert 1 / 3 < ratio < 3, f"{kind}: {typical[kind]:.1f} ms vs a wrong password {typical['known']:.1f} ms"


def _lock_from_outside(app, user) -> None:
    attacker = app.test_client()
    for _ in range(MAX_FAILURES * 2):
        _post(attacker, user.email, "guess")
    db.session.refresh(user)
    assert user.locked_until is not None


def test_a_locked_account_still_lets_its_owner_in_from_a_browser_that_signed_in_before(app, factory):
    forget_cached_user_per_request(app)
    user = factory.user("forbund_admin", factory.forbund())
    owner = app.test_client()
    response = login(owner, user)
    assert response.status_code == 302 and owner.get_cookie(DEVICE_COOKIE, path="/login") is not None
    owner.post("/logout")
    _lock_from_outside(app, user)
    stranger = app.test_client()
    assert login(stranger, user).status_code == 200 and not _signed_in(stranger), "untrusted clients stay locked"
    assert login(owner, user).status_code == 302 and _signed_in(owner)


def test_an_attackers_failures_never_reach_the_owners_own_count(app, factory):
    """The owner's browser has its own count: her own typos count there, an attacker's do not,
    and while her count is low she gets in however often the account is attacked."""
    forget_cached_user_per_request(app)
    user = factory.user("admin")
    owner = app.test_client()
    assert login(owner, user).status_code == 302
    owner.post("/logout")
    for _ in range(MAX_FAILURES - 1):
        assert login(owner, user, "typo").status_code == 200
    _lock_from_outside(app, user)
    _lock_from_outside(app, user)
    device = db.session.query(LoginDevice).filter_by(user_id=user.id).one()
    assert device.failed_logins == MAX_FAILURES - 1 and device.locked_until is None
    assert login(owner, user).status_code == 302 and _signed_in(owner)


def test_the_owners_own_failures_lock_only_her_browser_not_the_account(app, factory):
    forget_cached_user_per_request(app)
    user = factory.user("admin")
    owner = app.test_client()
    assert login(owner, user).status_code == 302
    owner.post("/logout")
    for _ in range(MAX_FAILURES):
        login(owner, user, "typo")
    db.session.refresh(user)
    assert user.locked_until is None and (user.failed_logins or 0) == 0
    colleague_pc = app.test_client()
    assert login(colleague_pc, user).status_code == 302


def test_a_device_cookie_counts_only_for_its_own_account_and_only_when_genuine(app, factory):
    forget_cached_user_per_request(app)
    forbund = factory.forbund()
    own = factory.user("forbund_admin", forbund)
    target = factory.user("forbund_user", forbund)
    browser = app.test_client()
    assert login(browser, own).status_code == 302
    genuine = browser.get_cookie(DEVICE_COOKIE, path="/login").value
    browser.post("/logout")
    _lock_from_outside(app, target)
    assert login(browser, target).status_code == 200, "a cookie of another account is no pass"
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"), path="/login")
    _lock_from_outside(app, own)
    assert login(forged, own).status_code == 200, "a tampered cookie is no pass"
    assert login(browser, own).status_code == 302


def test_the_lock_runs_out_after_fifteen_minutes(client, factory):
    user = factory.user("forbund_admin", factory.forbund())
    for _ in range(MAX_FAILURES):
        login(client, user, "wrong password")
    db.session.refresh(user)
    locked_until = user.locked_until if user.locked_until.tzinfo else user.locked_until.replace(tzinfo=utcnow().tzinfo)
    assert timedelta(minutes=14) < locked_until - utcnow() <= timedelta(minutes=15)
    assert login(client, user).status_code == 200
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, user).status_code == 302


def test_an_administrators_unlock_also_frees_the_owners_own_browser(app, factory):
    """The owner locked her own browser with typos while strangers locked the account: the
    admin's unlock lets her in (her locked browser counts as a stranger's, and the account's
    lock is lifted)."""
    forget_cached_user_per_request(app)
    user = factory.user("forbund_admin", factory.forbund())
    admin = factory.user("admin", email="it@example.se")
    owner = app.test_client()
    assert login(owner, user).status_code == 302
    owner.post("/logout")
    for _ in range(MAX_FAILURES):
        login(owner, user, "typo")
    _lock_from_outside(app, user)
    assert login(owner, user).status_code == 200, "her browser is locked, and so is the account"
    it = app.test_client()
    assert login(it, admin).status_code == 302
    assert it.post(f"/admin/users/{user.id}/unlock").status_code == 302
    assert login(owner, user).status_code == 302 and _signed_in(owner)
