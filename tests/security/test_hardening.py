"""Login throttling and lockout, password hashing, cookies, security headers, size limit, odd
bytes: the defences every page relies on."""
from __future__ import annotations

import http.client
import re
import urllib.parse
from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

from survey import create_app
from survey.config import ConfigError
from survey.extensions import db, limiter
from survey.models import utcnow
from tests.support.factories import PASSWORD, forget_cached_user_per_request, login

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_secure_headers(response, what: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, f"{what}: {name}"
    assert "Permissions-Policy" in response.headers, what


# ---------------------------------------------------------------------------------- throttling
def test_21st_login_post_in_a_minute_gets_a_clear_429(app_config, factory):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    with limited.app_context():
        limiter.reset()
        user = factory.user("admin")
        client = limited.test_client()
        codes = [client.post("/login", data={"email": user.email, "password": "wrong"}).status_code
                 for _ in range(20)]
        assert codes == [200] * 20
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 429
        assert b"Too many attempts" in response.data or "För många".encode() in response.data
        assert b"<h1>" in response.data and b"Traceback" not in response.data
        assert_secure_headers(response, "429 page")
        # Reading the page is never throttled: only attempts are.
        assert client.get("/login").status_code == 200
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_report_generation_and_imports_are_rate_limited_per_account(app_config, factory):
    """Issue 12: report generation (seconds of a core for a national PDF) and import checks had
    no limit. The budget is the account's: a colleague at the same address keeps hers."""
    import io

    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    forget_cached_user_per_request(limited)

    with limited.app_context():
        limiter.reset()
        forbund = factory.forbund()
        first, second = factory.user("forbund_admin", forbund), factory.user("forbund_admin", forbund, "two@example.se")
        client, colleague = limited.test_client(), limited.test_client()
        assert login(client, first).status_code == 302 and login(colleague, second).status_code == 302
        report = f"/reports/forbund/{forbund.code}.html"
        codes = [client.get(report).status_code for _ in range(7)]
        assert codes[:6] == [302] * 6 and codes[6] == 429  # no data yet: back to the dashboard
        assert colleague.get(report).status_code == 302
        upload = {"kind": "responses"}
        codes = [client.post("/data/import", data={**upload, "file": (io.BytesIO(b"x"), "a.csv")},
                             content_type="multipart/form-data").status_code for _ in range(21)]
        assert 429 not in codes[:20] and codes[20] == 429
        assert client.get("/data/import").status_code == 200  # reading the form is never limited
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_logging_out_ends_every_session_of_the_user_copied_cookies_included(app, client, factory):
    """Issue 12: a session cookie kept working after logout (up to 31 days)."""
    forget_cached_user_per_request(app)
    user = factory.user("admin")
    other_browser = app.test_client()
    assert login(client, user).status_code == 302 and login(other_browser, user).status_code == 302
    stolen = client.get_cookie("session").value
    assert client.get("/campaigns/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/campaigns/").status_code == 302  # to the login page
    assert other_browser.get("/campaigns/").status_code == 302  # every session of the user ended
    assert login(client, user).status_code == 302 and client.get("/campaigns/").status_code == 200


def test_the_csrf_token_rotates_at_login(app_config, factory):
    """Issue 12: the anonymous session's CSRF token (which a page before login could have read)
    must not carry over into the signed-in session."""
    csrf_on = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    with csrf_on.app_context():
        user = factory.user("admin")
        client = csrf_on.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        with client.session_transaction() as session:
            before = session["csrf_token"]
        response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        with client.session_transaction() as session:
            assert session.get("csrf_token") != before  # gone; the next form gets a new one
        db.session.remove()
        db.engine.dispose()


def _csrf_login(base: str, cookie_jar: dict, email: str, password: str, get_from: str | None = None) -> int:
    """One login POST with a real CSRF token (the servers have CSRF on), returns the status."""
    def request(url, method="GET", body=None):
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookie_jar.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, parts.path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookie_jar[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode()

    if "token" not in cookie_jar:
        _, page = request(f"{get_from or base}/login")
        cookie_jar["token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": cookie_jar["token"], "email": email, "password": password})
    status, _ = request(f"{base}/login", "POST", body)
    return status


@pytest.mark.parametrize("storage", ["redis", "memory"])
def test_login_limit_is_shared_by_several_app_servers_through_redis(tmp_path, sqlite_template, storage):
    """Two separate gunicorn servers (same SECRET_KEY): with RATELIMIT_STORAGE_URI on Redis the
    limit counts attempts on both together; with memory:// (one server only) each counts alone."""
    import shutil

    from tests.reliability.servers import Gunicorn, RedisServer

    path = tmp_path / "db.sqlite"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with RedisServer() as redis:
        env = {"RATELIMIT_STORAGE_URI": redis.url if storage == "redis" else "memory://"}
        with Gunicorn(url, workers=1, env=env) as a, Gunicorn(url, workers=1, env=env) as b:
            jar: dict = {}
            statuses = [_csrf_login(server.url, jar, "nobody@example.se", "wrong", get_from=a.url)
                        for server in [a, b] * 10]
            last = _csrf_login(b.url, jar, "nobody@example.se", "wrong", get_from=a.url)
    assert statuses == [200] * 20
    assert last == (429 if storage == "redis" else 200)


# ---------------------------------------------------------------------------------- lockout
def test_lockout_after_five_failures_for_fifteen_minutes(client, factory):
    user = factory.user("forbund_admin", factory.forbund())
    for _ in range(4):
        page = login(client, user, "wrong password")
        assert page.status_code == 200 and b"locked" not in page.data
    page = login(client, user, "wrong password")  # the fifth
    db.session.refresh(user)
    assert user.locked_until is not None
    locked_until = user.locked_until if user.locked_until.tzinfo else user.locked_until.replace(tzinfo=utcnow().tzinfo)
    assert timedelta(minutes=14) < locked_until - utcnow() <= timedelta(minutes=15)
    page = login(client, user)  # the right password, but locked
    assert page.status_code == 200
    assert "15 minutes" in page.get_data(as_text=True) or "15 minuter" in page.get_data(as_text=True)
    assert client.get("/campaigns/").status_code == 302, "not logged in"
    # When the lock has run out, the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, user).status_code == 302
    assert client.get("/campaigns/").status_code == 200


# ---------------------------------------------------------------------------------- passwords
def test_passwords_are_hashed_with_salted_scrypt(app, factory, runner):
    result = runner.invoke(args=["user", "add", "ny@example.se", "--role", "nns"],
                           env={"FINSAM_PASSWORD": "a long enough secret"})
    assert result.exit_code == 0, result.output
    from sqlalchemy import select

    from survey.models import User

    stored = db.session.scalar(select(User).where(User.email == "ny@example.se")).password_hash
    assert stored.startswith("scrypt:") and "a long enough secret" not in stored
    assert check_password_hash(stored, "a long enough secret")
    other = factory.user("admin").password_hash
    again = factory.user("nns", email="nns2@example.se").password_hash
    assert other != again, "the same password gets a different salt every time"


# ---------------------------------------------------------------------------------- cookies
def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.get_all("Set-Cookie") if c.startswith("session=")]
    assert cookies, "a session cookie was set"
    return cookies[0]


def test_session_cookie_is_httponly_samesite_and_secure_in_production(monkeypatch, database_url, factory):
    monkeypatch.setenv("FINSAM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret-0123456789")
    monkeypatch.setenv("PUBLIC_URL", "https://finsam.example.se")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        user = factory.user("admin")
        response = login(app.test_client(), user)
        assert response.status_code == 302
        cookie = _session_cookie(response)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()
        db.engine.dispose()


def test_session_cookie_in_development_is_httponly_and_samesite(client, factory):
    response = login(client, factory.user("admin"))
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("secret", [None, "", "dev-only-not-secret"])
def test_refuses_to_start_in_production_without_a_real_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("FINSAM_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_a_server_database_without_finsam_env_counts_as_production(monkeypatch, tmp_path):
    monkeypatch.delenv("FINSAM_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_refuses_to_start_in_production_without_a_public_address(monkeypatch, tmp_path):
    monkeypatch.setenv("FINSAM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret-0123456789")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    monkeypatch.setenv("PUBLIC_URL", "javascript:alert(1)")
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_links_qr_codes_and_posters_follow_the_public_address_never_the_host_header(app_config, factory):
    """Issue 12: with `Host: evil.example` the campaign page, its poster and its code cards
    used to send participants to evil.example."""
    configured = create_app({**app_config, "PUBLIC_URL": "https://finsam.example.se"})
    with configured.app_context():
        forbund = factory.forbund()
        campaign = factory.campaign(forbund)
        user = factory.user("forbund_admin", forbund)
        client = configured.test_client()
        assert login(client, user).status_code == 302
        link = f"https://finsam.example.se/e/{campaign.token}"
        for url in (f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/poster"):
            response = client.get(url, headers={"Host": "evil.example"})
            body = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert link in body and "evil.example" not in body, url
        pdf = client.get(f"/campaigns/{campaign.id}/poster.pdf", headers={"Host": "evil.example"})
        assert pdf.status_code == 200 and b"evil.example" not in pdf.data
        import io

        from pypdf import PdfReader

        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert "finsam.example.se" in text and "evil.example" not in text  # the printed link
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------------------------- headers
def test_security_headers_on_every_kind_of_response(app, client, factory):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/test-only-boom")
    def boom():
        raise RuntimeError("boom")

    campaign = factory.campaign()
    cases = {
        "start page": client.get("/"),
        "login page": client.get("/login"),
        "health": client.get("/healthz"),
        "redirect to login": client.get("/campaigns/"),
        "404": client.get("/no-such-page"),
        "405": client.delete("/login"),
        "500": client.get("/test-only-boom"),
        "static file": client.get("/static/site.css"),
        "blueprint static file": client.get("/campaigns/static/campaigns.css"),
        "participant page": client.get(f"/e/{campaign.token}"),
        "participant unknown": client.get("/e/unknown-token"),
    }
    assert cases["500"].status_code == 500 and b"Traceback" not in cases["500"].data
    assert cases["static file"].status_code == 200
    for what, response in cases.items():
        assert response.status_code < 500 or what == "500", what
        assert_secure_headers(response, what)
    for what in ("start page", "login page", "404", "500", "participant page"):
        assert b"<script>" not in cases[what].data and b" style=" not in cases[what].data, \
            f"{what}: inline script or style would be blocked by the CSP"


def test_signed_in_pages_and_exports_are_never_stored_by_the_browser(client, factory):
    """Issue 12: Back on a shared computer after logging out must not show staff pages."""
    user = factory.user("forbund_admin", factory.forbund())
    assert login(client, user).status_code == 302
    for url in ("/campaigns/", f"/results/forbund/{user.forbund.code}/", "/campaigns/information"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url
    static = client.get("/static/site.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")  # files keep their own rule
    client.post("/logout")
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


# ---------------------------------------------------------------------------------- size, bytes
def test_request_over_the_size_limit_gets_a_clear_413(client, factory):
    campaign = factory.campaign()
    big = "x" * (8 * 1024 * 1024 + 10)
    for url in ("/login", f"/e/{campaign.token}/start"):
        response = client.post(url, data={"email": big, "password": "p"})
        assert response.status_code == 413, url
        assert b"<h1>" in response.data and b"Traceback" not in response.data
        assert_secure_headers(response, "413")


BAD_QUERIES = ["%FF%FE", "lang=%FF", "lang=%00", "next=%0d%0aSet-Cookie:%20x=1", "q=%1b%5b31m",
               "lang=" + "a" * 5000, "%C0%AF", "lang=sv%00en", "x=\ud800".encode("utf-8", "surrogatepass").decode("latin-1")]


def test_invalid_utf8_and_control_characters_in_query_strings_are_no_500(client, factory):
    campaign = factory.campaign()
    for path in ("/", "/login", "/campaigns/", f"/e/{campaign.token}", "/healthz", "/no-such-page"):
        for query in BAD_QUERIES:
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, query, response.status_code)
            assert b"Set-Cookie: x=1" not in response.data
            assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_invalid_utf8_and_control_characters_in_forms_are_no_500(client, factory):
    campaign = factory.campaign()
    bodies = [b"email=%FF%FE&password=%00", b"email=\xff\xfe&password=\x00\x01", b"email=a%40b.se&password=" + b"%C3" * 50,
              b"\x00\x01\x02", b"email=" + b"%E2%80%AE" * 20 + b"&password=x"]
    for body in bodies:
        for path in ("/login", f"/e/{campaign.token}/start"):
            response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (path, body)
        response = client.post("/login", data=body, content_type="multipart/form-data; boundary=zz")
        assert response.status_code < 500


def test_control_characters_in_a_staff_form_get_a_message_in_the_users_language(client, factory):
    """A NUL in the login's e-mail reached the user lookup, which PostgreSQL refuses (a 500 found
    by the fuzz test). Every staff form (form_fields.Form) refuses control characters first."""
    from tests.campaigns.conftest import error_summary

    for email, password in (("\x00", "x"), ("a\x00@b.se", "secret"), ("a@b.se", "pass\x01word")):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 200, (email, password)
        html = response.get_data(as_text=True)
        assert "Ta bort de osynliga styrtecknen (till exempel NUL) ur fältet." in html
        assert any("styrtecknen" in message for _field, message in error_summary(html))
    import flask_babel

    flask_babel.refresh()  # the test client's requests share the fixture's `g`, and its locale
    response = client.post("/login?lang=en", data={"email": "\x00", "password": "x"})
    assert "Remove the invisible control characters" in response.get_data(as_text=True)


def test_limits_count_per_visitor_behind_a_trusted_proxy_and_cannot_be_dodged_without(app_config, factory):
    """Behind one reverse proxy (TRUSTED_PROXIES=1) each visitor has their own count; without a
    trusted proxy a forged X-Forwarded-For changes nothing."""
    for proxies, expected in ((1, 200), (0, 429)):
        limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": proxies})
        with limited.app_context():
            limiter.reset()
            client = limited.test_client()
            for i in range(20):
                assert client.post("/login", data={"email": "x@example.se", "password": "wrong"},
                                   headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 200
            other = client.post("/login", data={"email": "x@example.se", "password": "wrong"},
                                headers={"X-Forwarded-For": "10.0.0.2"})
            assert other.status_code == expected, proxies
            limiter.reset()
            db.session.remove()
            db.engine.dispose()


def test_trusted_proxies_must_be_a_whole_number(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "many")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app()


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0aSet-Cookie:%20x=1",
                                    "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/%20/evil.example", "%2F%2Fevil.example"])
def test_login_never_redirects_off_site_and_never_fails(client, factory, target):
    """Issue 12: next=/%09/evil.example gave Location: //evil.example (browsers drop the tab)."""
    user = factory.user("admin")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urllib.parse.urlsplit(location).netloc in ("", "localhost"), location
    assert not location.startswith("//") and "evil" not in location
    client.post("/logout")
    ok = client.post("/login?next=/results/", data={"email": user.email, "password": PASSWORD})
    assert ok.headers["Location"] == "/results/"


def test_huge_numbers_in_urls_and_answers_are_no_500(client, factory):
    """Issue 12: a 5,000-digit answer value and a 20-digit campaign id answered 500."""
    from tests.answer.helpers import answer, begin

    campaign = factory.campaign()
    first = begin(client, campaign)
    response = answer(client, first, "9" * 5000)
    assert response.status_code == 200  # the question again, with its message
    assert client.get(first.replace("/q/1", "/q/" + "9" * 20)).status_code == 404
    login(client, factory.user("admin"))
    for path in ("/campaigns/" + "9" * 20, "/campaigns/" + "9" * 20 + "/qr.svg", "/insatser/" + "9" * 20 + "/edit"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
