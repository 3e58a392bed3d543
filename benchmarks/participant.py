"""Benchmark: the participant questionnaire on loopback, SQLite, a real multi-threaded server.

    python benchmarks/participant.py [--participants 50] [--deadline 120] [--server gunicorn|werkzeug]

Creates a temporary SQLite file with a demo-like campaign (deltagare_avslut with omsorg and
kommentar: 13 questions), starts the app in a child process (gunicorn gthread workers if
installed, else Werkzeug's threaded server), then
  (a) fetches each page type of one questionnaire and prints its bytes together with the CSS and
      JS it loads (target: under 25 KB per page, uncompressed);
  (b) runs N concurrent simulated participants through whole questionnaires and prints the
      server time per page type, p50 and p95 (target: p95 under 50 ms), measured inside the
      server by a timing wrapper around the app, next to the time the client waited;
  (c) compares the responses stored with the questionnaires completed;
  (d) drives one questionnaire in headless Chromium (Debian's, as the tests do) on emulated slow
      3G: 400 kbps each way and 400 ms round trip (Chrome DevTools' network emulation), and
      prints the time of each question step (press Continue until the next question has
      loaded: POST, redirect, GET, with the CSS and JS the browser keeps) and the bytes it
      carried (target: under 1.0 s, the page under 25 KB). Skipped with --no-browser.
Bounded: every request has a 15 s timeout and the run stops at the deadline.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TIMING_HEADER = "X-Bench-Server-Ms"


# --------------------------------------------------------------------------- server side
def server_app(database_url: str):
    """The app with a wrapper that reports the time spent inside it, per request."""
    os.environ["FINSAM_ENV"] = "development"
    from survey import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark-only"})
    inner = app.wsgi_app

    def timed(environ, start_response):
        started = time.perf_counter()

        def timed_start(status, headers, exc_info=None):
            headers.append((TIMING_HEADER, f"{(time.perf_counter() - started) * 1000:.3f}"))
            return start_response(status, headers, exc_info)

        return inner(environ, timed_start)

    app.wsgi_app = timed
    return app


def serve(port: int, database_url: str, kind: str) -> None:
    app = server_app(database_url)
    if kind == "gunicorn":
        from gunicorn.app.base import BaseApplication

        class Server(BaseApplication):
            def load_config(self):
                # One process: SQLite has one writer at a time, and the app queues its threads'
                # writes on a lock; more processes would only meet in SQLite's busy handler.
                for key, value in {"bind": f"127.0.0.1:{port}", "workers": 1, "threads": 32,
                                   "worker_class": "gthread", "timeout": 30, "loglevel": "warning",
                                   "accesslog": None}.items():
                    self.cfg.set(key, value)

            def load(self):
                return app

        Server().run()
    else:
        from werkzeug.serving import make_server

        make_server("127.0.0.1", port, app, threaded=True).serve_forever()


# --------------------------------------------------------------------------- set-up
def prepare(database_path: Path) -> tuple[str, str, list]:
    """Schema and a demo-like open campaign (plus a closed one); returns their tokens and the
    number of questions."""
    os.environ["FINSAM_ENV"] = "development"
    from flask_migrate import upgrade

    from indicators.instrument import get_instrument
    from survey import create_app
    from survey.extensions import db
    from survey.models import Campaign, Forbund, Insats

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}", "SECRET_KEY": "benchmark-only"})
    with app.app_context():
        upgrade()
        forbund = Forbund(code="norrby", name="Samordningsförbundet Norrby")
        insats = Insats(forbund=forbund, code="steget", name="Steget")
        today = date.today()
        common = dict(forbund=forbund, insats=insats, respondent_group="deltagare_avslut",
                      instrument_version="2021-A", optional_questions=["omsorg", "kommentar"])
        open_c = Campaign(title="Steget, avslut", opens_on=today - timedelta(days=3),
                          closes_on=today + timedelta(days=30), **common)
        closed_c = Campaign(title="Steget, förra året", opens_on=today - timedelta(days=400),
                            closes_on=today - timedelta(days=35), **common)
        db.session.add_all([open_c, closed_c])
        db.session.commit()
        plan = []  # (page kind, values a participant may pick) per question, in order
        for q in get_instrument("2021-A").questionnaire("deltagare_avslut", optional={"omsorg", "kommentar"}):
            if q.kind == "scale":
                plan.append(("scale", [str(v) for v in sorted(q.allowed_values())]))
            elif q.kind == "choice":
                plan.append(("choice", list(q.choice_codes)))
            else:
                plan.append(("text", ["Bra bemötande.", "Tack!"]))
        tokens = open_c.token, closed_c.token
        db.engine.dispose()
    return tokens[0], tokens[1], plan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


# --------------------------------------------------------------------------- client side
class Client:
    """One participant's browser: plain HTTP on loopback, timing every request."""

    def __init__(self, port: int, log: list | None = None):
        self.port, self.log = port, log

    def request(self, kind: str, method: str, path: str, form: dict | None = None):
        body = urlencode(form or {}) if method == "POST" else None
        headers = {"Accept-Language": "sv-SE,sv;q=0.9"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        waited = (time.perf_counter() - started) * 1000
        server_ms = float(response.getheader(TIMING_HEADER, "nan"))
        if self.log is not None:
            self.log.append((kind, server_ms, waited, response.status))
        return response.status, response.getheader("Location", ""), data


def location_path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def questionnaire(client: Client, token: str, plan: list, rng: random.Random, think: float = 0.0) -> bool:
    """A whole questionnaire as a participant answers it; True when the thank-you page came.
    `think`: mean seconds a participant reads before the next request (0: as fast as possible)."""
    real_request = client.request

    def request(*args, **kwargs):
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        return real_request(*args, **kwargs)

    client.request = request
    status, _, _ = client.request("landing", "GET", f"/e/{token}")
    assert status == 200, status
    status, location, _ = client.request("start", "POST", f"/e/{token}/start")
    assert status == 303, status
    base = location_path(location).rsplit("/q/", 1)[0]
    for n, (kind, allowed) in enumerate(plan, 1):
        kind = f"question {kind}"
        status, _, _ = client.request(f"GET {kind}", "GET", f"{base}/q/{n}")
        assert status == 200, status
        form = {"action": "next", "answer": rng.choice(allowed)}
        if rng.random() < 0.05:
            form = {"action": "skip"}
        status, _, data = client.request(f"POST {kind}", "POST", f"{base}/q/{n}", form)
        assert status == 303, (n, form, status, re.findall(rb'<li><a href="#[^"]+">([^<]+)', data))
    status, _, _ = client.request("review", "GET", f"{base}/review")
    assert status == 200, status
    status, location, _ = client.request("send", "POST", f"{base}/send")
    assert status == 303, status
    status, _, data = client.request("thanks", "GET", location_path(location))
    return status == 200 and "Tack för dina svar" in data.decode()


def page_sizes(port: int, token: str, closed_token: str, n_questions: int) -> list[tuple[str, int, int, int]]:
    """(page, html bytes, css+js bytes, total) for each participant page type."""
    client = Client(port)
    assets: dict[str, int] = {}

    def with_assets(name: str, html: bytes):
        total_assets = 0
        for ref in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
            path = ref.decode()
            if path not in assets:
                assets[path] = len(client.request("asset", "GET", path)[2])
            total_assets += assets[path]
        return name, len(html), total_assets, len(html) + total_assets

    rows = [with_assets("landing", client.request("", "GET", f"/e/{token}")[2])]
    _, location, _ = client.request("", "POST", f"/e/{token}/start")
    base = location_path(location).rsplit("/q/", 1)[0]
    rows.append(with_assets("question (scale)", client.request("", "GET", f"{base}/q/1")[2]))
    rows.append(with_assets("question (error state)",
                            client.request("", "POST", f"{base}/q/1", {"action": "next", "answer": "7"})[2]))
    rows.append(with_assets("question (choice: ålder)", client.request("", "GET", f"{base}/q/10")[2]))
    rows.append(with_assets("question (choice: utfall)", client.request("", "GET", f"{base}/q/11")[2]))
    rows.append(with_assets("question (free text)", client.request("", "GET", f"{base}/q/{n_questions}")[2]))
    for n in range(1, n_questions + 1):
        client.request("", "POST", f"{base}/q/{n}", {"action": "next", "answer": "kvinna" if n == 9 else "1"})
    rows.append(with_assets("review", client.request("", "GET", f"{base}/review")[2]))
    _, location, _ = client.request("", "POST", f"{base}/send")
    rows.append(with_assets("thank you", client.request("", "GET", location_path(location))[2]))
    rows.append(with_assets("closed campaign", client.request("", "GET", f"/e/{closed_token}")[2]))
    rows.append(with_assets("unknown campaign", client.request("", "GET", "/e/no-such-link")[2]))
    return rows


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def concurrent_run(label: str, port: int, token: str, plan: list, participants: int, think: float,
                   deadline_s: float) -> tuple[int, int]:
    """N participants at once through whole questionnaires; prints server time per page type."""
    log: list = []
    lock = threading.Lock()
    deadline = time.monotonic() + deadline_s
    completed = failed = 0

    def participant(i: int) -> bool:
        if time.monotonic() > deadline:
            return False
        own: list = []
        try:
            return questionnaire(Client(port, own), token, plan, random.Random(i), think)
        finally:
            with lock:
                log.extend(own)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=participants) as pool:
        futures = [pool.submit(participant, i) for i in range(participants)]
        for future in as_completed(futures, timeout=deadline_s + 30):
            try:
                completed += bool(future.result())
            except Exception as exc:  # a failed participant is reported, not hidden
                failed += 1
                print(f"    participant failed: {exc!r}")
    elapsed = time.monotonic() - started
    pace = f"reading {think:.1f} s on average before each request" if think else "no pause between requests (stress)"
    print(f"({label}) {participants} concurrent participants, whole questionnaires, {pace}: "
          f"{len(log)} requests in {elapsed:.1f} s, {completed} completed")
    print(f"    {'page':<26}{'n':>6}{'server p50':>12}{'server p95':>12}{'client p95':>12}  (ms)")
    by_kind: dict[str, list] = defaultdict(list)
    for kind, server_ms, waited, _status in log:
        by_kind[kind].append((server_ms, waited))
    order = ["landing", "start", "GET question scale", "POST question scale", "GET question choice",
             "POST question choice", "GET question text", "POST question text", "review", "send", "thanks"]
    for kind in order + sorted(set(by_kind) - set(order)):
        rows = by_kind.get(kind)
        if not rows:
            continue
        server_times = [r[0] for r in rows]
        client_times = [r[1] for r in rows]
        print(f"    {kind:<26}{len(rows):>6}{percentile(server_times, 50):>12.1f}"
              f"{percentile(server_times, 95):>12.1f}{percentile(client_times, 95):>12.1f}")
    all_server = [r[1] for r in log]
    p95 = percentile(all_server, 95)
    print(f"    {'all pages':<26}{len(log):>6}{percentile(all_server, 50):>12.1f}{p95:>12.1f}"
          f"{percentile([r[2] for r in log], 95):>12.1f}   target p95 < 50 ms: {'ok' if p95 < 50 else 'MISSED'}")
    print(f"    HTTP 5xx answers: {sum(1 for r in log if r[3] >= 500)}\n")
    return completed, failed


# --------------------------------------------------------------------------- slow 3G
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def slow_3g(port: int, token: str, steps: int = 8) -> float:
    """(d) Question steps in Chromium on emulated slow 3G; returns the median step in seconds."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM_ARGS, PHONE, chromium_path

    print("(d) A question step on emulated slow 3G (400 kbps, 400 ms round trip), Chromium at 360 px")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True,
                                     ignore_default_args=["--disable-back-forward-cache"])
        try:
            page = browser.new_context(viewport=PHONE, locale="sv-SE").new_page()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            carried = {"bytes": 0, "requests": 0}

            def finished(event):  # what came over the network (cached CSS and JS carry nothing)
                if event.get("encodedDataLength", 0) > 0:
                    carried["bytes"] += event["encodedDataLength"]
                    carried["requests"] += 1

            cdp.on("Network.loadingFinished", finished)
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/e/{token}")
            page.wait_for_timeout(100)
            print(f"    landing page, nothing cached:   {time.perf_counter() - started:5.2f} s, "
                  f"{carried['bytes'] / 1000:5.1f} KB in {carried['requests']} requests")
            times = []
            with page.expect_navigation():
                page.get_by_role("button", name="Börja", exact=True).click()
            for n in range(1, steps + 1):
                radio = page.locator("input[name=answer]")
                if radio.count():
                    radio.first.check()
                carried.update(bytes=0, requests=0)
                started = time.perf_counter()
                with page.expect_navigation(wait_until="load"):
                    page.get_by_role("button", name="Fortsätt", exact=True).click()
                times.append(time.perf_counter() - started)
                page.wait_for_timeout(100)  # the last network events arrive just after "load"
                print(f"    step {n}: {times[-1]:5.2f} s, {carried['bytes'] / 1000:5.1f} KB in "
                      f"{carried['requests']} requests")
        finally:
            browser.close()
    median = statistics.median(times)
    print(f"    median step {median:5.2f} s, slowest {max(times):5.2f} s (target under 1.0 s)\n")
    return median


# --------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--deadline", type=float, default=120, help="seconds for each concurrent run")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds between a participant's requests in run (b); a second run uses 0")
    try:
        import gunicorn  # noqa: F401
        default_server = "gunicorn"
    except ImportError:
        default_server = "werkzeug"
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default=default_server)
    parser.add_argument("--no-browser", action="store_true", help="skip (d), the slow 3G run in Chromium")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATABASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.server)
        return 0

    with tempfile.TemporaryDirectory(prefix="finsam-bench-") as tmp:
        database = Path(tmp) / "bench.sqlite"
        token, closed_token, plan = prepare(database)
        n_questions = len(plan)
        port = free_port()
        server_process = subprocess.Popen(
            [sys.executable, __file__, "--server", args.server, "--serve", str(port), f"sqlite:///{database}"],
            cwd=ROOT,
        )
        try:
            wait_for(port)
            print(f"Participant benchmark: SQLite, {args.server} on 127.0.0.1:{port}, "
                  f"{n_questions} questions per questionnaire\n")
            print("(a) Bytes per page, uncompressed, with the CSS and JS it loads (target < 25 KB)")
            print(f"    {'page':<28}{'HTML':>8}{'CSS+JS':>9}{'total':>9}")
            worst = 0
            for name, html, extra, total in page_sizes(port, token, closed_token, n_questions):
                worst = max(worst, total)
                print(f"    {name:<28}{html:>8,}{extra:>9,}{total:>9,}  {'ok' if total < 25_000 else 'OVER'}")
            print(f"    largest page: {worst / 1000:.1f} KB\n")
            if not args.no_browser:
                slow_3g(port, token)

            completed = failed = 0
            for label, think in (("b1", args.think), ("b2", 0.0)):
                ok, bad = concurrent_run(label, port, token, plan, args.participants, think, args.deadline)
                completed += ok
                failed += bad
        finally:
            server_process.terminate()
            try:
                server_process.wait(10)
            except subprocess.TimeoutExpired:
                server_process.kill()
        with sqlite3.connect(database) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM response").fetchone()[0]
            leftover = conn.execute("SELECT COUNT(*) FROM draft").fetchone()[0]
        # one questionnaire of (a) was sent too
        print(f"(c) completed questionnaires: {completed} (+1 from (a)), failed: {failed}; "
              f"responses stored: {stored}; unsent drafts left: {leftover}")
        ok = stored == completed + 1 and failed == 0
        print("    stored == completed: " + ("yes" if ok else "NO"))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
