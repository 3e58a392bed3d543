"""Web pages: upload with preview and confirm, avslut form and list, downloads and who may see what."""
import csv
import io
import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, AvslutRecord, PendingUpload, Response
from tests.exchange.helpers import response
from tests.support.factories import forget_cached_user_per_request, login

HEAD = "response_id,forbund,insats,year,respondent_group,instrument_version,kon,D1,S1"


@pytest.fixture(autouse=True)
def fresh_user_per_request(app):
    forget_cached_user_per_request(app)


@pytest.fixture
def setup(factory):
    alfa, beta = factory.forbund("alfa"), factory.forbund("beta")
    factory.insats(alfa, "steget")
    users = {
        "alfa_admin": factory.user("forbund_admin", alfa),
        "alfa_user": factory.user("forbund_user", alfa),
        "beta_admin": factory.user("forbund_admin", beta),
        "nns": factory.user("nns"),
        "admin": factory.user("admin"),
    }
    return alfa, beta, users


def _upload(client, text: str, kind="responses", name="svar.csv", **extra):
    data = {"kind": kind, "file": (io.BytesIO(text.encode("utf-8")), name), **extra}
    return client.post("/data/import", data=data, content_type="multipart/form-data")


def _responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def test_upload_preview_then_confirm(client, setup, app):
    alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    text = "\n".join([HEAD, "w1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,1,",
                      "w2,alfa,,2023,styrelse,2021-A,,,2", "w3,alfa,,2023,styrelse,2021-A,,,9"])
    page = _upload(client, text)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="new-rows">3<' in html and 'id="known-rows">0<' in html
    assert "Styrelseledamöter" in html or "Board members" in html
    assert _responses() == 0  # nothing stored before confirming
    token = html.split("/data/import/")[1].split('"')[0]
    # The checked file waits in the database (any app server can take the confirm), not on disk.
    assert db.session.get(PendingUpload, token).data == text.encode("utf-8")
    assert not os.path.exists(os.path.join(app.instance_path, "uploads", f"{token}.bin"))
    # Another förbund's admin cannot confirm someone else's upload.
    other = app.test_client()
    login(other, users["beta_admin"])
    assert other.post(f"/data/import/{token}", data={"action": "confirm"}).status_code == 404
    done = client.post(f"/data/import/{token}", data={"action": "confirm"})
    assert done.status_code == 302
    assert _responses() == 3
    db.session.expire_all()
    assert db.session.get(PendingUpload, token) is None
    # A repeated confirm (a double click, a retry) finds nothing and stores nothing twice.
    assert client.post(f"/data/import/{token}", data={"action": "confirm"}).status_code == 404
    assert _responses() == 3
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "import_responses"))
    assert log.user_id == users["alfa_admin"].id and log.forbund_id == alfa.id
    # The same file again: all rows known, nothing new.
    again = _upload(client, text).get_data(as_text=True)
    assert 'id="new-rows">0<' in again and 'id="known-rows">3<' in again


def test_unconfirmed_uploads_expire_after_a_day(client, setup):
    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    text = "\n".join([HEAD, "x1,alfa,,2023,styrelse,2021-A,,,2"])
    first = _upload(client, text).get_data(as_text=True).split("/data/import/")[1].split('"')[0]
    db.session.get(PendingUpload, first).created_at = datetime.now(timezone.utc) - timedelta(hours=25)
    db.session.commit()
    second = _upload(client, text).get_data(as_text=True).split("/data/import/")[1].split('"')[0]
    db.session.expire_all()
    assert db.session.get(PendingUpload, first) is None and db.session.get(PendingUpload, second) is not None
    assert client.post(f"/data/import/{first}", data={"action": "confirm"}).status_code == 404
    assert _responses() == 0


def test_upload_errors_are_listed_with_line_and_column(client, setup):
    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    text = "\n".join([HEAD, "e1,beta,,2024,styrelse,2021-A,,,1", "e2,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,7,",
                      "e3,alfa,,2024,styrelse,2021-A,,,<script>alert(1)</script>"])
    page = _upload(client, text)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "&#39;beta&#39; är ett annat förbund" in html  # rows for another förbund are errors (in Swedish)
    assert "<td class=\"num\">3</td><td><code>D1</code></td>" in html
    assert "<td class=\"num\">4</td><td><code>S1</code></td>" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert _responses() == 0


def test_upload_errors_are_in_the_page_language(client, setup):
    """The problems are written in the page's language: Swedish by default, English when asked."""
    import flask_babel

    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    text = "\n".join([HEAD + ",farg", "y1,alfa,,20x4,styrelse,2021-A,,,1,bla"])
    flask_babel.refresh()  # the tests' requests share `g`, where Flask-Babel keeps the locale
    swedish = _upload(client, text).get_data(as_text=True)
    assert "Filen har problem" in swedish
    assert "okänd kolumn (kolumn 10); tillåtna är" in swedish
    assert "&#39;20x4&#39; är inte ett år mellan 2000 och" in swedish
    assert "unknown column" not in swedish and "is not a year" not in swedish
    # The browser's language first: ?lang=en is then remembered in a cookie.
    for english_request in ({"headers": {"Accept-Language": "en"}}, {"query_string": {"lang": "en"}}):
        flask_babel.refresh()
        data = {"kind": "responses", "file": (io.BytesIO(text.encode("utf-8")), "svar.csv")}
        english = client.post("/data/import", data=data, content_type="multipart/form-data",
                              **english_request).get_data(as_text=True)
        assert "unknown column (column 10); allowed are" in english
        assert "&#39;20x4&#39; is not a year between 2000 and" in english
        assert "okänd kolumn" not in english and "är inte ett år" not in english
    flask_babel.refresh()


def test_upload_cancel_and_bad_token(client, setup, app):
    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    html = _upload(client, "\n".join([HEAD, "c1,alfa,,2024,styrelse,2021-A,,,1"])).get_data(as_text=True)
    token = html.split("/data/import/")[1].split('"')[0]
    assert client.post(f"/data/import/{token}", data={"action": "cancel"}).status_code == 302
    assert client.post(f"/data/import/{token}", data={"action": "confirm"}).status_code == 404
    assert client.post("/data/import/..%2F..%2Fetc", data={"action": "confirm"}).status_code == 404
    assert _responses() == 0
    assert _upload(client, "").status_code in (200, 422)  # an empty file: a message, not a 500


def test_upload_is_for_forbund_admins_only(client, setup):
    _alfa, _beta, users = setup
    for role in ("alfa_user", "nns", "admin"):
        c = client.application.test_client()
        login(c, users[role])
        assert c.get("/data/import").status_code == 403, role
    assert client.get("/data/import").status_code == 302  # not logged in: to the login page


def test_avslut_form_and_list(client, setup):
    alfa, _beta, users = setup
    login(client, users["alfa_user"])
    page = client.get("/data/avslut/new").get_data(as_text=True)
    # Anonymous by design: no field for a name, personal number or birth date (the page may warn
    # against writing them, so only the fields are checked).
    fields = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', page))
    assert {"year", "kon", "utfall"} <= fields
    assert not [f for f in fields if any(w in f.lower() for w in ("personnummer", "namn", "name", "fodelse", "birth"))]
    bad = client.post("/data/avslut/new", data={"year": "24", "kon": "", "manader": "1.5", "utfall": "jobb"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "error-summary" in html
    assert html.count('class="error-message"') == 4  # year, kon, manader, utfall
    assert db.session.scalar(select(func.count()).select_from(AvslutRecord)) == 0
    ok = client.post("/data/avslut/new", data={"insats": "steget", "year": "2024", "kon": "man", "alder": "25-29",
                                               "manader": "14", "forsorjning_fore": "forsorjningsstod",
                                               "forsorjning_efter": "lon", "utfall": "subventionerat_arbete"})
    assert ok.status_code == 302
    record = db.session.scalar(select(AvslutRecord))
    assert (record.forbund_id, record.insats.code, record.manader, record.utfall) == (alfa.id, "steget", 14, "subventionerat_arbete")
    assert client.post("/data/avslut/new", data={"year": "2024", "kon": "kvinna", "manader": "121",
                                                 "utfall": "studier"}).status_code == 200
    listing = client.get("/data/avslut").get_data(as_text=True)
    # One record: the year count and the outcome × gender cells show "–" with the reason,
    # never the 1 (DISCLOSURE.md rule 1).
    assert "2024" in listing and "<td class=\"num\">1</td>" not in listing
    assert "färre än 5 svar" in listing or "fewer than 5 responses" in listing
    assert "forsorjningsstod" not in listing  # the record table is for the förbund's admins
    admin = client.application.test_client()
    login(admin, users["alfa_admin"])
    assert "forsorjningsstod" in admin.get("/data/avslut?year=2024").get_data(as_text=True)
    nns = client.application.test_client()
    login(nns, users["nns"])
    assert nns.get("/data/avslut").status_code == 403


def test_downloads_and_raw_response_access(client, setup):
    alfa, beta, users = setup
    for i in range(6):
        response(alfa, "styrelse", {"S1": 1 + 2 * (i % 2)})  # 1 3 1 3 1 3
        response(beta, "styrelse", {"S1": 1})
    login(client, users["alfa_user"])
    text = client.get("/data/export/indicators.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["forbund"] for r in rows} == {"alfa", "riket"}  # own rows and the national row
    alfa12 = [r for r in rows if r["forbund"] == "alfa" and r["indicator"] == "12"][0]
    assert (alfa12["n_responses"], alfa12["positive"], alfa12["value"]) == ("6", "3", "50.0")
    xlsx = client.get("/data/export/outcomes.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(xlsx.data)).worksheets[0].cell(1, 1).value == "Förbund"
    assert client.get("/data/export/indicators.csv?year=20x").status_code == 302
    assert client.get("/data/export/indicators.pdf").status_code == 404
    # Raw responses: the förbund's own admin only.
    assert client.get("/data/export/alfa/responses.csv").status_code == 403  # förbund_user
    for role in ("nns", "admin", "beta_admin"):
        c = client.application.test_client()
        login(c, users[role])
        assert c.get("/data/export/alfa/responses.csv").status_code == 403, role
    nns = client.application.test_client()
    login(nns, users["nns"])
    assert {r["forbund"] for r in csv.DictReader(io.StringIO(
        nns.get("/data/export/indicators.csv").get_data(as_text=True)))} == {"alfa", "beta", "riket"}
    owner = client.application.test_client()
    login(owner, users["alfa_admin"])
    raw = owner.get("/data/export/alfa/responses.csv")
    assert raw.status_code == 200 and len(raw.get_data(as_text=True).splitlines()) == 7
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "export_responses"))
    assert log.user_id == users["alfa_admin"].id
    page = owner.get("/data/").get_data(as_text=True)
    assert "/data/export/alfa/responses.csv" in page and "/data/import" in page


def test_web_errors_speak_of_the_forms_own_checkbox_not_the_command_line(client, setup):
    """Issue 12: an unknown insats used to say "import with --create", which a web user cannot."""
    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    page = _upload(client, "\n".join([HEAD, "w1,alfa,nytt-steg,2024,deltagare_avslut,2021-A,kvinna,3,"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "--create" not in html
    assert "Lägg till insatskoder som inte finns än" in html and "nytt-steg" in html
    added = _upload(client, "\n".join([HEAD, "w1,alfa,nytt-steg,2024,deltagare_avslut,2021-A,kvinna,3,"]),
                    create_insats="y")
    assert added.status_code == 200  # ticked: the preview, no problem


def test_import_templates_carry_the_columns_the_import_reads(client, setup):
    """Issue 12: a downloadable template per file kind, CSV and .xlsx, and the columns described on
    the upload page; a filled-in template imports."""
    from openpyxl import load_workbook

    from survey import importing

    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    page = client.get("/data/import").get_data(as_text=True)
    for kind in importing.KINDS:
        assert f"/data/import/template-{kind}.csv" in page and f"/data/import/template-{kind}.xlsx" in page
        csv_file = client.get(f"/data/import/template-{kind}.csv")
        assert csv_file.status_code == 200 and "attachment" in csv_file.headers["Content-Disposition"]
        header = csv_file.get_data(as_text=True).lstrip("\ufeff").splitlines()[0].split(",")
        assert header == importing.columns(kind)
        xlsx = client.get(f"/data/import/template-{kind}.xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).worksheets[0]
        assert [c for c in next(sheet.iter_rows(values_only=True))] == importing.columns(kind)
        for column in importing.required_columns(kind):
            assert f"<strong><code>{column}</code></strong>" in page
    assert client.get("/data/import/template-other.csv").status_code == 404
    header = importing.columns("responses")
    row = {"response_id": "t1", "forbund": "alfa", "year": "2024", "respondent_group": "styrelse",
           "instrument_version": "2021-A", "S1": "2"}
    filled = ",".join(header) + "\n" + ",".join(row.get(c, "") for c in header) + "\n"
    assert _upload(client, filled).status_code == 200  # the preview: no problem


def test_an_upload_past_its_hours_cannot_be_confirmed_even_before_the_sweep(client, setup):
    """Nothing has swept it yet (no new upload, no nightly retention): the confirm itself refuses
    a checked file older than RETENTION_UPLOAD_HOURS, deletes it and says so."""
    _alfa, _beta, users = setup
    login(client, users["alfa_admin"])
    text = "\n".join([HEAD, "x1,alfa,,2023,styrelse,2021-A,,,2"])
    token = _upload(client, text).get_data(as_text=True).split("/data/import/")[1].split('"')[0]
    db.session.get(PendingUpload, token).created_at = datetime.now(timezone.utc) - timedelta(hours=25)
    db.session.commit()
    page = client.post(f"/data/import/{token}", data={"action": "confirm"}, follow_redirects=True)
    assert page.status_code == 200 and "24" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PendingUpload, token) is None
    assert _responses() == 0
