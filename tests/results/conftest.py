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


CURRENT_FORBUND = ("norra-kusten", "mittland", "sjobygden")


@pytest.fixture
def current_year_data(demo):
    """The demo data plus the first responses of the running year: twelve each from three förbund,
    in one participant group (deltagare_pagaende), so the running year has a few figures and every
    other group none. Returns the running year."""
    from datetime import date

    from survey import importing
    from survey.figures import tables

    year = date.today().year
    rows = [{"key": f"now-{code}-{i}", "forbund": code, "insats": "steget", "year": year, "month": f"{year}-03",
             "respondent_group": "deltagare_pagaende", "instrument_version": "2021-A",
             "kon": "kvinna" if i % 2 else "man", "alder": "30-39", "utfall": None, "kommentar": None,
             "answers": {"D1": 4, "D2": 3}}
            for code in CURRENT_FORBUND for i in range(12)]
    importing.store(importing.Checked("responses", rows=rows), user_id=None, source="test")
    tables.clear()
    return year
