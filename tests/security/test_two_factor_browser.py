"""Two-step login in real headless Chromium at 360 px: turn it on from the QR page (key read as
text), log out, log in with the password and then a code; no WCAG 2.1 A/AA violation found by
axe-core on the new pages, nothing blocked by the CSP (the QR code is an inline data: image)."""
from __future__ import annotations

import re
import time

import pyotp

from survey.credentials import twofactor
from tests.support.browser import axe_violations
from tests.support.factories import PASSWORD


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_turn_on_and_log_in_with_a_code(phone, live_server, factory, artifacts_dir, request):
    db_kind = request.node.callspec.params.get("database_url", "db")
    user = factory.user("admin")
    base, page = live_server.url, phone
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(base + "/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    _submit(page)
    page.goto(base + "/login/two-factor")
    qr = page.locator("main img")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code is shown"
    key = page.locator("code.secret-key").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    assert axe_violations(page) == [], "enrolment page"
    assert page.evaluate("document.documentElement.scrollWidth <= 360"), "no sideways scrolling"
    page.screenshot(path=str(artifacts_dir / f"auth-two-factor-360-{db_kind}.png"), full_page=True)
    page.fill("#code", pyotp.TOTP(key).now())
    _submit(page)
    assert page.locator("ul.recovery-codes li").count() == twofactor.RECOVERY_CODES
    assert axe_violations(page) == [], "recovery codes page"
    page.goto(base + "/login/two-factor")
    assert page.locator("#new-code").count() == 1 and page.locator("#code").count() == 1
    assert axe_violations(page) == [], "two-step login is on: new codes, turn off"
    page.screenshot(path=str(artifacts_dir / f"auth-two-factor-on-360-{db_kind}.png"), full_page=True)

    with page.expect_navigation():
        page.click("header form button[type=submit]")  # log out
    page.goto(base + "/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    _submit(page)
    assert page.url == base + "/login/code"
    assert page.locator("#code").get_attribute("autocomplete") == "one-time-code"
    assert axe_violations(page) == [], "code page"
    page.screenshot(path=str(artifacts_dir / f"auth-code-360-{db_kind}.png"), full_page=True)
    # The enrolment spent the current step: the next one (within the accepted window) logs in.
    page.fill("#code", pyotp.TOTP(key).at(time.time() + twofactor.STEP))
    _submit(page)
    assert page.url == base + "/"
    assert page.locator("header form button[type=submit]").count() == 1, "logged in"
    assert blocked == []
