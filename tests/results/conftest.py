"""Fixtures for the results and report tests: the demo data set, logins, CSV parsing."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from survey.demo import PASSWORD as DEMO_PASSWORD

DEMO_EMAILS = {
    "admin": "admin@demo.se", "nns": "nns@demo.se",
    "forbund_admin": "forbundsadmin@demo.se", "forbund_user": "handlaggare@demo.se",
}
OWN, OTHER = "norra-kusten", "mittland"


@pytest.fixture
def demo(app):
    from survey.demo import load_demo

    load_demo()
    return app


@pytest.fixture
def login_demo(client):
    def log_in(role: str):
        client.post("/logout")
        response = client.post("/login", data={"email": DEMO_EMAILS[role], "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{role} could not log in"
        return client
    return log_in


def page(client, url: str) -> str:
    """GET a page as text. Flask-Babel keeps the chosen locale in `g`, which the test client's
    requests share with the fixture's app context: forget it, so ?lang= counts for each request."""
    import flask_babel

    flask_babel.refresh()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def table_text(html: str, table_id: str) -> str:
    """The visible text of one result table (from its heading to its download links)."""
    start = html.index(">", html.index(f'id="table-{table_id}"')) + 1
    end = html.find('<p class="export-links', start)
    return text_of(html[start:end if end > 0 else None])


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed (non-breaking spaces kept as spaces)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).replace("\xa0", " ").strip()


def export_links(html: str) -> list[str]:
    return sorted(set(unescape(u) for u in re.findall(r'href="(/results/[^"]+/export/[^"]+)"', html)))


def chart_links(html: str) -> list[str]:
    return sorted(set(unescape(u) for u in re.findall(r'src="(/results/[^"]+\.svg[^"]*)"', html)))
