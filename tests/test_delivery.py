"""Static files kept for a year under addresses that change with their content; participant
pages and static files compressed, staff pages not (survey/delivery.py)."""
import gzip
import os
import re
import uuid
from pathlib import Path

from flask import url_for

STATIC = Path(__file__).resolve().parent.parent / "survey" / "static"


def test_static_addresses_change_with_content_and_are_kept_a_year(app, client):
    name = f"test-{uuid.uuid4().hex}.css"
    path = STATIC / name
    try:
        path.write_text("body { color: black; }")
        with app.test_request_context():
            first = url_for("static", filename=name)
        assert re.fullmatch(rf"/static/{name}\?v=[0-9a-f]{{10}}", first)
        kept = client.get(first)
        assert kept.status_code == 200
        assert kept.cache_control.immutable and kept.cache_control.max_age == 365 * 24 * 3600
        path.write_text("body { color: navy; }")
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
        with app.test_request_context():
            second = url_for("static", filename=name)
        assert second != first
        stale = client.get(first)  # an old address is asked again, not kept
        assert not stale.cache_control.immutable
    finally:
        path.unlink(missing_ok=True)


def test_participant_pages_use_versioned_static_files(client, factory):
    campaign = factory.campaign()
    html = client.get(f"/e/{campaign.token}").data.decode()
    assert re.search(r'href="/static/answer\.css\?v=[0-9a-f]{10}"', html)
    assert re.search(r'src="/static/answer\.js\?v=[0-9a-f]{10}"', html)


def test_participant_pages_are_compressed_and_staff_pages_are_not(client, factory):
    campaign = factory.campaign()
    page = client.get(f"/e/{campaign.token}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    assert "<h1>" in html and len(page.data) < len(html.encode()) / 2
    staff = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in staff.headers  # CSRF token next to reflected text: no BREACH
    css = client.get("/static/site.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
