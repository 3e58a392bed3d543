"""A förbund next to riket and förbund of similar size, and the comments page (issue 11 point 4).

The comparison shows only published cells (the same figure and hidden flag as the published
table), chooses at least three peers by the published number of responses and never ranks by a
hidden one. The comments page shows exactly what the comments export allows, to the förbund's own
staff only, and records each reading."""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from survey.extensions import db
from survey.figures import exports, tables
from survey.models import AuditLog, Forbund
from survey.pages import compare as peers
from tests.results.conftest import OWN, page, read_csv, text_of

YEAR, GROUP = 2025, "deltagare_avslut"


def _published_counts(year: int, group: str) -> dict[str, int]:
    per = tables.responses()
    per = per[per["year"].eq(year) & per["respondent_group"].eq(group) & per["forbund"].ne("riket")
              & per["suppressed"].astype(int).eq(0)]
    return {r["forbund"]: int(r["n"]) for r in per.to_dict("records")}


def test_peers_are_the_three_nearest_by_published_responses(demo, login_demo):
    counts = _published_counts(YEAR, GROUP)
    distance = sorted((abs(n - counts[OWN]), code) for code, n in counts.items() if code != OWN)
    expected = [code for d, code in distance if d <= distance[2][0]]
    chosen, why = peers.similar_size(OWN, YEAR, GROUP)
    assert why is None and chosen == expected and len(chosen) >= 3

    client = login_demo("forbund_user")
    html = page(client, f"/results/forbund/{OWN}/compare?year={YEAR}&group={GROUP}&lang=en")
    names = dict(db.session.query(Forbund.code, Forbund.name).all())
    start = html.index('id="table-peers"')
    header = text_of(html[start:html.index("</thead>", start)])  # the column headings
    for code in [OWN, *expected]:
        assert names[code] in header
    assert "Riket (participating förbund)" in header
    for code in set(names) - {OWN, *expected}:
        assert names[code] not in header, f"{code} is not of similar size"


def test_every_compared_figure_is_the_published_cell(demo, login_demo):
    client = login_demo("forbund_user")
    published = tables.indicators()
    published = published[published["insats"].eq("alla")].set_index(
        ["forbund", "year", "respondent_group", "indicator", "gender"])
    checked = hidden = 0
    for table_id in ("peers", "gender"):
        response = client.get(f"/results/compare/{OWN}/export/{table_id}.csv?year={YEAR}&group={GROUP}")
        assert response.status_code == 200
        for row in read_csv(response.data):
            cell = published.loc[(row["forbund"], int(row["year"]), row["respondent_group"], int(row["indicator"]),
                                  row["gender"])]
            assert int(row["suppressed"]) == int(cell["suppressed"])
            if int(cell["suppressed"]):
                hidden += 1
                assert row["value"] == ""
            else:
                assert row["value"] == str(cell["value"]) and int(row["n_responses"]) == int(cell["n_responses"])
            checked += 1
    assert checked > 20 and hidden > 0


def test_no_peers_when_the_own_count_is_hidden_or_too_few_are_published(demo, login_demo):
    per = tables.responses()
    hidden = per[per["suppressed"].astype(int).eq(1) & per["forbund"].ne("riket")].iloc[0]
    with force_locale("en"):
        chosen, why = peers.similar_size(hidden["forbund"], int(hidden["year"]), hidden["respondent_group"])
    assert chosen == [] and "is not published" in why
    # A year nobody answered in: no peers, a page that says so, never an error.
    client = login_demo("forbund_user")
    text = text_of(page(client, f"/results/forbund/{OWN}/compare?year=2030&group=styrelse&lang=en"))
    assert "There are no figures for 2030" in text


def test_the_comparison_page_answers_for_every_group(demo, login_demo):
    from indicators.instrument import GROUP_ORDER
    from tests.results.conftest import chart_links

    client = login_demo("forbund_admin")
    for group in GROUP_ORDER:
        html = page(client, f"/results/forbund/{OWN}/compare?year={YEAR}&group={group}&lang=en")
        assert "next to riket and förbund of similar size" in text_of(html)
        for link in chart_links(html):
            assert client.get(link).status_code == 200, link


def _add_comments(year: int) -> None:
    """Twelve responses with comments in one group, six in another (too few to show)."""
    from survey import importing

    rows = []
    for group, n, text in (("deltagare_pagaende", 12, "Tolv svar, kommentar %s"),
                           ("insatspersonal", 6, "Sex svar, kommentar %s")):
        for i in range(n):
            rows.append({"key": f"c-{group}-{i}", "forbund": OWN, "insats": "steget", "year": year,
                         "month": f"{year}-02", "respondent_group": group, "instrument_version": "2021-A",
                         "kon": ("kvinna" if i % 2 else "man") if group.startswith("deltagare") else None,
                         "alder": "30-39" if group.startswith("deltagare") else None, "utfall": None,
                         "kommentar": text % i, "answers": {"D1": 4} if group.startswith("deltagare") else {"P1": 4}})
    importing.store(importing.Checked("responses", rows=rows), user_id=None, source="test")
    tables.clear()


def test_comments_page_shows_exactly_the_export_to_own_staff(demo, login_demo):
    year = date.today().year
    _add_comments(year)
    forbund = db.session.query(Forbund).filter_by(code=OWN).one()
    client = login_demo("forbund_user")
    for y in (YEAR, year):
        html = page(client, f"/results/forbund/{OWN}/comments?year={y}&lang=en")
        shown = {text_of(li) for li in html.split('<ul class="comments">')[1:] for li in li.split("</ul>")[0]
                 .split("<li>")[1:]}
        exported = set(exports.comments_export(forbund.id, year=y)["kommentar"])
        assert shown == {t.strip() for t in exported} and shown, y
        text = text_of(html)
        for split in ("Women", "Men", "Age", "Steget", "Outcome"):
            assert split not in text.split("Show", 1)[1], f"{split} next to a comment"
    assert "Tolv svar, kommentar 3" in text and "Sex svar" not in text  # a group of six is never shown
    assert f"{year} (preliminary: the year is ongoing)" in text
    assert db.session.query(AuditLog).filter_by(action="view_comments").count() == 2
    for role in ("nns", "admin"):
        assert login_demo(role).get(f"/results/forbund/{OWN}/comments").status_code == 403
    assert not any(c in text_of(page(login_demo("nns"), "/results/riket/?lang=en")) for c in ("Tolv svar",))
