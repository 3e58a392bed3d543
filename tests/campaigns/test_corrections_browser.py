"""The correction pages and the audit log in real headless Chromium at phone width: no WCAG 2.1
A/AA violation found by axe-core, nothing blocked by the strict CSP, no sideways scrolling of the
page, and Undo reachable from the keyboard."""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.models import AuditLog, AvslutRecord, ImportBatch
from tests.campaigns.test_campaigns_browser import log_in
from tests.support.browser import PHONE, axe_violations


@pytest.fixture
def contexts(browser, live_server):
    strict = browser.new_context(viewport=PHONE, locale="en-GB")
    audit = browser.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True)
    yield strict, audit
    strict.close()
    audit.close()


def test_correction_pages_pass_axe_and_csp_at_phone_width(contexts, live_server, world, artifacts_dir, request):
    strict, audit = contexts
    base = live_server.url
    db_kind = request.node.callspec.params.get("database_url", "db")
    record = AvslutRecord(forbund_id=world.own.id, year=2024, kon="kvinna", utfall="arbete", insats_id=world.own_insats.id)
    batch = ImportBatch(kind="responses", forbund_id=world.own.id, user_id=world.users["forbund_admin"].id,
                        source="web upload: svar-från-norrby-hösten-2024-med-ett-långt-namn.xlsx", rows=12)
    db.session.add_all([record, batch, AuditLog(user_id=world.users["admin"].id, forbund_id=world.own.id,
                                                action="correction.import_undone",
                                                detail='{"deleted": 12, "import_id": 1, "kind": "responses"}')])
    world.other_insats.archived = True
    db.session.commit()
    pages = {
        "audit": "/admin/audit/", "audit-filtered": "/admin/audit/?date_from=2026-13-01&action=x",
        "imports": "/data/imports", "records": f"/data/avslut/records?forbund={world.own.code}",
        "records-choose": "/data/avslut/records", "edit": f"/data/avslut/{record.id}/edit",
        "archived-insatser": "/insatser/?archived=1", "campaign": f"/campaigns/{world.own_campaign.id}",
    }
    blocked: list[str] = []
    strict_page = log_in(strict, base, world.users["admin"].email)
    strict_page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    audit_page = log_in(audit, base, world.users["admin"].email)
    problems, wide = {}, {}
    for name, path in pages.items():
        response = strict_page.goto(base + path)
        assert response.status == 200, path
        width = strict_page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
        audit_page.goto(base + path)
        found = axe_violations(audit_page)
        if found:
            problems[name] = found
        strict_page.screenshot(path=str(artifacts_dir / f"corrections-{name}-360-{db_kind}.png"), full_page=True)
    # The correction form with its error summary.
    audit_page.goto(base + f"/data/avslut/{record.id}/edit")
    audit_page.fill("#year", "19")
    with audit_page.expect_navigation():
        audit_page.click("main form:first-of-type button[type=submit]")
    assert audit_page.locator(".error-summary a[href='#year']").count() == 1
    found = axe_violations(audit_page)
    if found:
        problems["edit-errors"] = found
    assert problems == {} and blocked == [] and wide == {}
    # Undo by keyboard alone: Tab to the button, Enter.
    strict_page.goto(base + "/data/imports")
    for _ in range(60):
        strict_page.keyboard.press("Tab")
        if strict_page.evaluate("document.activeElement.textContent").strip().startswith("Undo the import"):
            break
    else:
        pytest.fail("the Undo button cannot be reached with Tab")
    with strict_page.expect_navigation():
        strict_page.keyboard.press("Enter")
    assert "The import was undone" in strict_page.content()
