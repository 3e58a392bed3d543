"""The audit log page (/admin/audit): administrators only, newest first, filters by action, user,
förbund and Swedish calendar days, paging; bad filter values are messages, never a 500."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from survey.extensions import db
from survey.models import AuditLog
from tests.support.factories import forget_cached_user_per_request, login


@pytest.fixture
def logged(app, factory):
    forget_cached_user_per_request(app)
    alfa, beta = factory.forbund("alfa"), factory.forbund("beta")
    admin, alfa_admin = factory.user("admin"), factory.user("forbund_admin", alfa)
    start = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(55):  # older exports of alfa, one an hour
        db.session.add(AuditLog(at=start + timedelta(hours=i), user_id=alfa_admin.id, forbund_id=alfa.id,
                                action="export_responses", detail=f'{{"n": {i}}}'))
    # 22:30 UTC on 31 May is 00:30 on 1 June in Stockholm (summer time).
    db.session.add(AuditLog(at=datetime(2026, 5, 31, 22, 30, tzinfo=timezone.utc), user_id=None,
                            forbund_id=beta.id, action="correction.import_undone", detail='{"deleted": 3}'))
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert login(client, admin).status_code == 302
    return client, alfa, beta, alfa_admin


def _times(html: str) -> list[str]:
    return re.findall(r'<td class="audit-at">([^<]+)</td>', html)


def test_newest_first_in_swedish_time_with_paging(logged):
    client, *_ = logged
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "56 entries" in html
    times = _times(html)
    assert len(times) == 50 and times[0] == "2026-06-01 00:30:00" and times == sorted(times, reverse=True)
    second = client.get("/admin/audit/?page=2").get_data(as_text=True)
    assert len(_times(second)) == 6 and _times(second)[-1] == "2026-03-01 13:00:00"  # 12:00 UTC, winter time


def test_filters(logged):
    client, alfa, beta, alfa_admin = logged
    by_action = client.get("/admin/audit/?action=correction.import_undone").get_data(as_text=True)
    assert "1 entry" in by_action and ("&#34;deleted&#34;: 3" in by_action or '"deleted": 3' in by_action)
    assert "55 entries" in client.get(f"/admin/audit/?user={alfa_admin.id}").get_data(as_text=True)
    assert "1 entry" in client.get("/admin/audit/?user=none").get_data(as_text=True)
    assert "1 entry" in client.get(f"/admin/audit/?forbund={beta.id}").get_data(as_text=True)
    # A Swedish day: 1 June holds the 00:30 entry, 31 May does not.
    assert "1 entry" in client.get("/admin/audit/?date_from=2026-06-01&date_to=2026-06-01").get_data(as_text=True)
    may = client.get("/admin/audit/?date_from=2026-05-31&date_to=2026-05-31").get_data(as_text=True)
    assert "0 entries" in may
    # 1 March from 13:00 to 23:00 Swedish time: 11 exports.
    assert "11 entries" in client.get("/admin/audit/?date_to=2026-03-01").get_data(as_text=True)
    # Filters are kept on the next page's link.
    paged = client.get(f"/admin/audit/?user={alfa_admin.id}").get_data(as_text=True)
    assert f"user={alfa_admin.id}" in paged and "page=2" in paged


@pytest.mark.parametrize("query", ["date_from=2026-13-45", "date_from=0001-01-01&date_to=9999-12-31",
                                   "action=nope", "user=abc", "forbund=99999999999999999999", "page=-3",
                                   "page=99999999999", "date_from=2026-06-02&date_to=2026-06-01"])
def test_bad_filters_are_messages_not_errors(logged, query):
    client, *_ = logged
    page = client.get(f"/admin/audit/?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if "date_to=2026-06-01" in query:
        assert "must not be before" in html
    if query.startswith(("action", "user", "forbund", "date_from=2026-13")):
        assert "error-message" in html
