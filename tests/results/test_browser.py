"""Dashboard, genuskompass and national view in real headless Chromium at desktop (1280 × 900) and
phone (360 × 740) width: no axe-core WCAG 2.1 A/AA violation, nothing blocked by the strict CSP,
every chart image loads, nothing wider than the screen (at the phone's width also with 200 % text,
on these and the other staff pages); screenshots as artefacts."""
from __future__ import annotations

import pytest

from survey.demo import PASSWORD
from tests.results.conftest import DEMO_EMAILS, OWN
from tests.support.browser import PHONE, axe_violations

DESKTOP = {"width": 1280, "height": 900}
PAGES = {
    "dashboard": f"/results/forbund/{OWN}/?year=2024",
    "dashboard-small": "/results/forbund/skargarden/?year=2024&group=deltagare_avslut",
    "genuskompass": f"/results/forbund/{OWN}/genuskompass?year=2024",
    "national": "/results/riket/?year=2024",
    "national-empty-group": "/results/riket/?year=2024&group=styrelse",
    "compare": f"/results/forbund/{OWN}/compare?year=2024",
}

# Staff pages without charts, by who sees them, checked for sideways scrolling at 200 % text too.
STAFF_PAGES = {"nns": ("/results/", "/account/password"), "forbund_admin": ("/campaigns/", "/data/", "/results/"),
               "admin": ("/admin/users", "/admin/users/new", "/admin/forbund", "/admin/audit/")}


def _scroll_width_at_double_text(page) -> int:
    page.add_style_tag(content="html { font-size: 200% !important; }")
    return page.evaluate("document.documentElement.scrollWidth")


def _log_in(context, base: str, role: str = "nns"):
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#email", DEMO_EMAILS[role])
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")
    return page


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_results_pages_pass_axe_at_desktop_and_phone_width(demo, browser, live_server, artifacts_dir, request,
                                                           viewport):
    from survey.figures import tables

    tables.build_all()  # as `flask demo` does before serving: the cold solve is not what this tests
    db_kind = request.node.callspec.params.get("database_url", "db")
    width = viewport["width"]
    strict = browser.new_context(viewport=viewport, locale="sv-SE")
    audit = browser.new_context(viewport=viewport, locale="sv-SE", bypass_csp=True)
    try:
        blocked: list[str] = []
        strict_page = _log_in(strict, live_server.url)
        strict_page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        audit_page = _log_in(audit, live_server.url)
        problems = {}
        for name, path in PAGES.items():
            response = strict_page.goto(live_server.url + path)
            assert response.status == 200, path
            strict_page.wait_for_load_state("networkidle")
            widths = strict_page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
            assert widths and all(w > 0 for w in widths), (path, widths)  # every chart SVG loads
            # Nothing but the scrollable tables is wider than the screen.
            assert strict_page.evaluate("document.documentElement.scrollWidth") <= width, path
            strict_page.screenshot(path=str(artifacts_dir / f"results-{name}-{width}-{db_kind}.png"), full_page=True)
            audit_page.goto(live_server.url + path)
            found = axe_violations(audit_page)
            if found:
                problems[name] = found
            if viewport is PHONE:  # WCAG 1.4.4/1.4.10: at 200 % text nothing but the tables scrolls sideways
                assert _scroll_width_at_double_text(audit_page) <= width, path
        if viewport is PHONE:
            for role, paths in STAFF_PAGES.items():
                staff = browser.new_context(viewport=viewport, locale="sv-SE", bypass_csp=True)
                staff_page = _log_in(staff, live_server.url, role)
                for path in paths:
                    assert staff_page.goto(live_server.url + path).status == 200, (role, path)
                    assert _scroll_width_at_double_text(staff_page) <= width, (role, path)
                staff.close()
        assert problems == {}
        assert blocked == []
    finally:
        strict.close()
        audit.close()
