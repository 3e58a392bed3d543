"""Results pages on the demo data: every view for every role, who gets 403/404, and every export
of every table on every page obeys DISCLOSURE.md (no shown cell below k, never exactly one hidden
sibling under a shown total, hidden figures empty, never zero)."""
from __future__ import annotations

from collections import defaultdict

from survey.demo import COMMENTS
from survey.extensions import db
from survey.models import AuditLog
from tests.results.conftest import OTHER, OWN, chart_links, export_links, page, read_csv, text_of

K = 5
FORBUND_PAGES = [f"/results/forbund/{OWN}/", f"/results/forbund/{OWN}/genuskompass"]
NATIONAL_PAGES = ["/results/riket/", "/results/riket/genuskompass"]


def test_every_view_renders_for_each_role_and_others_are_refused(demo, login_demo):
    for role in ("admin", "nns", "forbund_admin", "forbund_user"):
        client = login_demo(role)
        national = role in ("admin", "nns")
        for path in FORBUND_PAGES:
            page = client.get(path)
            assert page.status_code == 200, (role, path)
            html = page.get_data(as_text=True)
            assert "Samordningsförbundet Norra Kusten" in html
            assert not any(comment in html for comment in COMMENTS), "free text on a results page"
        for path in NATIONAL_PAGES:
            assert client.get(path).status_code == (200 if national else 403), (role, path)
        index = client.get("/results/")
        if national:
            assert index.status_code == 200 and f"/results/forbund/{OTHER}/" in index.get_data(as_text=True)
        else:
            assert index.status_code == 302 and index.headers["Location"].endswith(f"/results/forbund/{OWN}/")

        # Another förbund by URL: page, genuskompass, chart, export and report are all a 404 for
        # förbund staff (so its existence is not even confirmed), open to NNS and admin.
        other = [f"/results/forbund/{OTHER}/", f"/results/forbund/{OTHER}/genuskompass",
                 f"/results/dashboard/{OTHER}/chart/indicators-deltagare_avslut.svg",
                 f"/results/dashboard/{OTHER}/export/indicators-deltagare_avslut.csv",
                 f"/results/genuskompass/{OTHER}/export/compare-1.xlsx",
                 f"/reports/forbund/{OTHER}.xlsx?year=2024"]
        for path in other:
            assert client.get(path).status_code == (200 if national else 404), (role, path)
        for path in ("/results/national/riket/export/forbund.csv", "/reports/national.xlsx?year=2024",
                     "/results/national/riket/chart/riket.svg"):
            assert client.get(path).status_code == (200 if national else 403), (role, path)

    # NNS never reaches raw responses or avslut records, and nothing is logged as exported.
    client = login_demo("nns")
    for path in (f"/data/export/{OWN}/responses.csv", f"/data/export/{OWN}/responses.xlsx",
                 f"/data/export/{OWN}/avslut.csv"):
        assert client.get(path).status_code == 403
    assert db.session.query(AuditLog).filter(AuditLog.action.like("export_%")).count() == 0


def _check_disclosure(rows: list[dict], name: str) -> int:
    """Assert the DISCLOSURE.md rules on one exported table; returns the number of hidden rows."""
    assert rows, f"{name} is empty"
    columns = rows[0].keys()
    assert "suppressed" in columns, name
    counts = [c for c in ("n_responses", "n", "n_women", "n_men") if c in columns]
    figures = [c for c in ("n_responses", "valid", "positive", "value", "n", "numerator", "women", "men",
                           "difference", "ci_low", "ci_high", "p_value") if c in columns]
    hidden = 0
    for row in rows:
        if row["suppressed"] == "1":
            hidden += 1
            assert all(row[c] == "" for c in figures), f"{name}: a hidden row carries figures: {row}"
        else:
            assert row["suppressed"] == "0", name
            for c in counts:
                assert row[c] != "" and int(row[c]) >= K, f"{name}: shown cell below k: {row}"
    # Gender siblings under a shown `alla`, and förbund under a shown riket: never one hidden alone.
    if "gender" in columns:
        for varying, total in (("gender", "alla"), ("forbund", "riket")):
            sets = defaultdict(dict)
            for row in rows:
                key = tuple(v for c, v in row.items() if c not in (varying, *figures, "suppressed"))
                sets[key][row[varying]] = row["suppressed"]
            for key, members in sets.items():
                if members.get(total) == "0":
                    lone = [m for m, s in members.items() if m != total and s == "1"]
                    assert len(lone) != 1, f"{name}: one hidden {varying} alone under {total}: {key} {members}"
    return hidden


def test_every_export_of_every_page_obeys_disclosure(demo, login_demo):
    client = login_demo("nns")
    pages = [
        f"/results/forbund/{OWN}/", f"/results/forbund/{OWN}/?year=2023&group=deltagare_pagaende",
        f"/results/forbund/{OWN}/?year=2024&insats=steget", f"/results/forbund/fjallbyn/?year=2025",
        f"/results/forbund/skargarden/?insats=steget&group=deltagare_avslut&indicator=3",
        f"/results/forbund/{OWN}/genuskompass", "/results/forbund/skargarden/genuskompass?year=2022",
        "/results/riket/", "/results/riket/?group=deltagare_pagaende&indicator=6&year=2021",
        "/results/riket/?group=styrelse", "/results/riket/genuskompass?year=2025",
    ]
    seen, hidden = 0, 0
    for path in pages:
        links = export_links(page(client, path))
        assert links, path
        for link in links:
            response = client.get(link)
            assert response.status_code == 200, link
            if link.split("?")[0].endswith(".csv"):
                rows = read_csv(response.data)
                if rows:
                    hidden += _check_disclosure(rows, link)
                    seen += 1
            else:
                assert response.data[:2] == b"PK"
    assert seen > 40 and hidden > 0  # the small förbund really have hidden cells to check

    # A förbund user's export of the same table is the same file: one disclosure everywhere.
    nns_file = client.get(f"/results/dashboard/{OWN}/export/indicators-deltagare_avslut.csv?year=2024").data
    user_file = login_demo("forbund_user").get(
        f"/results/dashboard/{OWN}/export/indicators-deltagare_avslut.csv?year=2024").data
    assert nns_file == user_file


def test_charts_are_svg_images_with_title_and_never_draw_hidden_cells(demo, login_demo):
    client = login_demo("forbund_user")
    html = client.get(f"/results/forbund/{OWN}/?year=2025").get_data(as_text=True)
    charts = chart_links(html)
    assert len(charts) >= 3
    for link in charts:
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", link
        svg = response.get_data(as_text=True)
        assert svg.startswith("<svg") and "<title>" in svg and 'role="img"' in svg
        assert "<script" not in svg and " style=" not in svg and "http://" not in svg.replace(
            "http://www.w3.org", "")
        assert client.get(link, headers={"If-None-Match": response.headers["ETag"].strip('"')}).status_code == 304
    # Every chart has a text alternative and sits right above its table.
    assert html.count('<figure class="chart"') == html.count("<figcaption>") == len(charts)
    assert html.count('alt="') >= len(charts)

    # A small förbund: hidden bars are left out and carry the reason in text, never a zero bar.
    nns = login_demo("nns")
    html = page(nns, "/results/forbund/skargarden/?year=2025&group=deltagare_avslut&lang=en")
    assert "fewer than 5 responses" in text_of(html)
    svg = nns.get("/results/dashboard/skargarden/chart/indicators-deltagare_avslut.svg?year=2025"
                  "&group=deltagare_avslut&lang=en").get_data(as_text=True)
    bars = svg.count('aria-roledescription="bar"')
    texts = svg.count("fewer than 5 responses</text>")
    assert texts > 0
    texts += svg.count("hidden to protect another figure</text>")  # each hidden bar gives its own reason
    assert bars + texts == 2 * 8  # women and men for the 8 indicators: each drawn or explained


def test_pages_are_in_swedish_and_english_with_locale_numbers(demo, login_demo):
    client = login_demo("nns")
    sv = text_of(page(client, "/results/riket/?year=2025&lang=sv"))
    en = text_of(page(client, "/results/riket/?year=2025&lang=en"))
    assert "Nationell" in sv or "Riket" in sv
    assert "National view" in en
    import re

    assert re.search(r"\b\d{1,3},\d %", sv) and not re.search(r"\b\d{1,3}\.\d%", sv)
    assert re.search(r"\b\d{1,3}\.\d%", en) and not re.search(r"\b\d{1,3},\d %", en)
    assert "Bemötande" in sv and "Treatment" in en
