"""Property-based fuzzing (hypothesis) of forms, URL parameters and import files: whatever comes
in, never a 500. And free text and names with markup are escaped on every page that shows them."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.extensions import db
from survey.models import Draft, Response

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text with everything awkward: control characters, RTL marks, markup, quotes, very long runs.
nasty = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=50),
    st.sampled_from(["<script>alert(1)</script>", "\u202e", "' OR 1=1 --", "%00", "../../etc/passwd",
                     "=HYPERLINK(\"x\")", "\x00", "a" * 5000, "٣", "1e309", "-1", "99999999999999999999"]),
)


def ok(response, what="") -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    assert b"Traceback" not in response.data


def log_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def setting(app, factory):
    forbund = factory.forbund("norrby")
    campaign = factory.campaign(forbund, optional=["omsorg", "kommentar"])
    users = {role: factory.user(role, forbund if role.startswith("forbund") else None)
             for role in ("admin", "nns", "forbund_admin", "forbund_user")}
    return forbund, campaign, users


def new_draft(campaign) -> str:
    from survey.answer.routes import today

    draft = Draft(campaign_id=campaign.id, language="sv", answers={}, expires_on=today() + timedelta(days=7))
    db.session.add(draft)
    db.session.commit()
    return draft.token


@FUZZ
@given(email=nasty, password=nasty, extra=st.dictionaries(nasty, nasty, max_size=3))
def test_login_form(client, setting, email, password, extra):
    ok(client.post("/login", data={**extra, "email": email, "password": password}), "login")
    db.session.rollback()


@FUZZ
@given(n=st.integers(min_value=-5, max_value=10 ** 12), answer=nasty, action=nasty,
       lang=st.one_of(st.none(), nasty))
def test_participant_question_pages(app, setting, n, answer, action, lang):
    _, campaign, _ = setting
    client = app.test_client()
    draft = new_draft(campaign)
    query = {"lang": lang} if lang is not None else {}
    base = f"/e/{campaign.token}/{draft}"
    ok(client.get(f"{base}/q/{n}", query_string=query), "question GET")
    ok(client.post(f"{base}/q/{max(n, 0)}", data={"answer": answer, "action": action}, query_string=query),
       "question POST")
    ok(client.get(f"{base}/review", query_string=query), "review")
    db.session.rollback()


@FUZZ
@given(token=nasty, draft=nasty, lang=nasty)
def test_participant_urls(client, setting, token, draft, lang):
    from urllib.parse import quote

    t, d = quote(token, safe="") or "x", quote(draft, safe="") or "x"
    for path in (f"/e/{t}", f"/e/{t}/thanks", f"/e/{t}/{d}/review", f"/e/{t}/{d}/q/1"):
        ok(client.get(path, query_string={"lang": lang}), path)
    ok(client.post(f"/e/{t}/{d}/send"), "send")
    ok(client.post(f"/e/{t}/start", query_string={"lang": lang}), "start")
    db.session.rollback()


STAFF_GETS = ["/", "/campaigns/", "/insatser/", "/data/", "/data/avslut", "/data/export/indicators.csv",
              "/data/export/outcomes.csv", "/data/export/norrby/responses.csv", "/admin/users", "/login",
              "/admin/audit/", "/data/imports", "/data/avslut/records"]


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["year", "forbund", "by", "group", "lang", "next", "page", "insats",
                                               "source", "gender", "q", "action", "user", "date_from",
                                               "date_to", "archived"]), nasty, max_size=4),
       role=st.sampled_from(["admin", "nns", "forbund_admin", "forbund_user"]))
def test_url_parameters_on_staff_pages(app, setting, params, role):
    _, _, users = setting
    client = app.test_client()
    log_in(client, users[role])
    for path in STAFF_GETS:
        with app.app_context():
            ok(client.get(path, query_string=params), f"{role} {path} {params!r}")
    db.session.rollback()


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(["code", "name", "title", "respondent_group", "instrument_version",
                                               "opens_on", "closes_on", "insats", "kon", "alder", "utfall",
                                               "manader", "year", "optional_questions", "forbund"]),
                              nasty, max_size=8))
def test_staff_forms(app, setting, fields):
    forbund, campaign, users = setting
    from survey.models import AvslutRecord

    record = AvslutRecord(forbund_id=forbund.id, year=2024, kon="man", utfall="arbete")
    db.session.add(record)
    db.session.commit()
    client = app.test_client()
    log_in(client, users["forbund_admin"])
    for path in ("/campaigns/new", f"/campaigns/{campaign.id}/edit", "/insatser/new", "/data/avslut/new",
                 f"/data/avslut/{record.id}/edit"):
        with app.app_context():
            ok(client.post(path, data=fields), path)
    admin = app.test_client()
    log_in(admin, users["admin"])
    with app.app_context():
        ok(admin.post("/admin/forbund", data=fields), "/admin/forbund")
    db.session.rollback()


csv_like = st.lists(st.lists(nasty, max_size=6).map(lambda cells: ",".join(cells)), max_size=6).map(
    lambda lines: "\n".join(["response_id,forbund,insats,year,respondent_group,instrument_version,kon,D1,kommentar",
                             *lines]).encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), csv_like), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", ""]),
       kind=st.sampled_from(["responses", "avslut", "bogus"]))
def test_import_files(app, setting, data, name, kind):
    """Any bytes as an upload: a clear page (form error, error report or preview), never a 500,
    and nothing stored before confirmation."""
    _, _, users = setting
    client = app.test_client()
    log_in(client, users["forbund_admin"])
    with app.app_context():
        response = client.post("/data/import", data={"kind": kind, "file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
    ok(response, "upload")
    assert db.session.query(Response).count() == 0
    db.session.rollback()


# ---------------------------------------------------------------------------------- XSS
SCRIPT = "<script>alert('x')</script>"


def test_names_and_free_text_are_escaped_everywhere(app, factory):
    forbund = factory.forbund("norrby", name=f"Förbund {SCRIPT}")
    insats = factory.insats(forbund, "steget", name=f"Insats {SCRIPT}")
    campaign = factory.campaign(forbund, insats, optional=["omsorg", "kommentar"])
    campaign.title = f"Kampanj {SCRIPT}"
    admin = factory.user("admin")
    admin.name = f"Admin {SCRIPT}"
    fa = factory.user("forbund_admin", forbund)
    db.session.commit()

    # A participant writes markup into the comment and sees it on the review page, escaped.
    from benchmarks.load import FlaskFetch, Participant

    participant = Participant(FlaskFetch(app.test_client()), campaign.token)
    participant.marker = SCRIPT + "\"><img src=x onerror=alert(1)>"
    participant.answer_all(participant.start())
    pages = {"review": participant.review()}
    status, _, _ = participant.send()
    assert status == 303

    staff_pages = {
        fa: ["/campaigns/", f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/edit", f"/campaigns/{campaign.id}/poster",
             "/insatser/", f"/insatser/{insats.id}/edit", "/data/", "/data/avslut", "/data/avslut/new"],
        admin: ["/admin/forbund", "/admin/users", "/campaigns/", f"/campaigns/{campaign.id}"],
    }
    for user, paths in staff_pages.items():
        client = app.test_client()
        log_in(client, user)
        for path in paths:
            with app.app_context():
                response = client.get(path)
            assert response.status_code == 200, path
            pages[f"{user.role} {path}"] = response.get_data(as_text=True)
    shown = 0
    for what, html in pages.items():
        assert "<script>alert" not in html, f"unescaped markup on {what}"
        assert "<img src=x" not in html, f"unescaped markup on {what}"
        shown += "&lt;script&gt;" in html
    assert shown >= 5, "the names with markup are shown (escaped) on the pages checked"
    assert "&lt;script&gt;" in pages["review"]
