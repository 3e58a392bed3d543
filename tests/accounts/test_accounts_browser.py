"""The account pages in real headless Chromium at phone width: no WCAG 2.1 A/AA violation found
by axe-core, nothing blocked by the strict CSP, and the whole path from "create user" to the new
user's first login done with the keyboard-reachable controls a person would use."""
import pytest

from tests.support.browser import PHONE, axe_violations
from tests.support.factories import PASSWORD

NEW_PASSWORD = "tre glada tranor flyger"


@pytest.fixture
def contexts(browser, live_server):
    strict = browser.new_context(viewport=PHONE, locale="en-GB")
    audit = browser.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True)
    yield strict, audit
    strict.close()
    audit.close()


def _log_in(context, base: str, email: str, password: str = PASSWORD):
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_account_pages_pass_axe_and_csp(contexts, live_server, factory, artifacts_dir, request):
    strict, audit = contexts
    base = live_server.url
    db_kind = request.node.callspec.params.get("database_url", "db")
    norrby = factory.forbund("norrby")
    admin = factory.user("admin")
    staff = factory.user("forbund_user", norrby, email="kim@example.se")
    blocked, problems = [], {}
    page = _log_in(strict, base, admin.email)
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    checker = _log_in(audit, base, admin.email)

    def check(name: str, path: str | None = None):
        if path:
            checker.goto(base + path)
        found = axe_violations(checker)
        if found:
            problems[name] = found
        checker.screenshot(path=str(artifacts_dir / f"accounts-{name}-360-{db_kind}.png"), full_page=True)

    for name, path in {"users": "/admin/users", "user-new": "/admin/users/new", "user-edit": f"/admin/users/{staff.id}",
                       "forbund-edit": f"/admin/forbund/{norrby.id}", "own-password": "/account/password",
                       "link-invalid": "/account/set-password/nothing-here"}.items():
        assert page.goto(base + path).status in (200, 404), path
        check(name, path)
    # Form errors, tied to their fields.
    checker.goto(base + "/admin/users/new")
    checker.fill("#email", "nope")
    with checker.expect_navigation():
        checker.click("main form.stack button[type=submit]")
    assert checker.locator(".error-summary a[href='#email']").count() == 1
    check("user-new-errors")

    # The whole path: create, copy the link, the newcomer sets a password and logs in.
    page.goto(base + "/admin/users/new")
    page.fill("#email", "ny@example.se")
    page.select_option("#role", "forbund_admin")
    page.select_option("#forbund", str(norrby.id))
    with page.expect_navigation():
        page.click("main form.stack button[type=submit]")
    link = page.input_value("#password-link")
    assert link.startswith(base + "/account/set-password/")
    newcomer = audit.browser.new_context(viewport=PHONE, locale="en-GB")
    first = newcomer.new_page()
    first.goto(link)
    check_page = audit.new_page()
    check_page.goto(link)
    found = axe_violations(check_page)
    if found:
        problems["set-password"] = found
    first.fill("#new_password", NEW_PASSWORD)
    first.fill("#confirm", NEW_PASSWORD)
    with first.expect_navigation():
        first.click("main button[type=submit]")
    assert first.url.endswith("/login")
    newcomer.close()
    later = strict.browser.new_context(viewport=PHONE)
    _log_in(later, base, "ny@example.se", NEW_PASSWORD)
    later.close()
    assert problems == {}
    assert blocked == []
