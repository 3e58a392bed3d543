"""The staff pages of the campaigns area in real headless Chromium at phone width: no WCAG 2.1
A/AA violation found by axe-core, nothing blocked by the strict CSP, screenshots as artefacts."""
import pytest

from tests.support.browser import PHONE, axe_violations
from tests.support.factories import PASSWORD


@pytest.fixture
def staff_page(browser, live_server):
    """Two phone-sized contexts: one obeys the CSP (to catch what it blocks), one lets axe in."""
    strict = browser.new_context(viewport=PHONE, locale="en-GB")
    audit = browser.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True)
    yield strict, audit
    strict.close()
    audit.close()


def log_in(context, base: str, email: str):
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_staff_pages_pass_axe_and_csp(staff_page, live_server, world, artifacts_dir, request):
    strict, audit = staff_page
    base = live_server.url
    db_kind = request.node.callspec.params.get("database_url", "db")
    c, i = world.own_campaign.id, world.own_insats.id
    pages = {
        "list": "/campaigns/", "insatser": "/insatser/", "campaign": f"/campaigns/{c}",
        "campaign-form": "/campaigns/new", "edit": f"/campaigns/{c}/edit", "insats-form": f"/insatser/{i}/edit",
        "poster": f"/campaigns/{c}/poster", "admin-forbund": "/admin/forbund", "admin-users": "/admin/users",
    }
    blocked: list[str] = []
    strict_page = log_in(strict, base, world.users["admin"].email)
    strict_page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    audit_page = log_in(audit, base, world.users["admin"].email)
    problems = {}
    for name, path in pages.items():
        response = strict_page.goto(base + path)
        assert response.status == 200, path
        audit_page.goto(base + path)
        found = axe_violations(audit_page)
        if found:
            problems[name] = found
        strict_page.screenshot(path=str(artifacts_dir / f"campaigns-{name}-360-{db_kind}.png"), full_page=True)
    # The form with its error summary, too.
    audit_page.goto(base + "/campaigns/new")
    audit_page.fill("#title", "")
    audit_page.fill("#closes_on", "2000-01-01")
    with audit_page.expect_navigation():
        audit_page.click("main button[type=submit]")
    assert audit_page.locator(".error-summary a[href='#title']").count() == 1
    found = axe_violations(audit_page)
    if found:
        problems["campaign-form-errors"] = found
    audit_page.screenshot(path=str(artifacts_dir / f"campaigns-form-errors-360-{db_kind}.png"), full_page=True)
    assert problems == {}
    assert blocked == []
    # The poster's QR image really loads (an SVG from the app, allowed by the CSP).
    strict_page.goto(base + f"/campaigns/{c}/poster")
    assert strict_page.evaluate("document.querySelector('.qr img').naturalWidth") > 0
