"""Load benchmark: many participants answer whole questionnaires at once, on loopback only.

    python benchmarks/load.py [--participants 200] [--duration 120] [--workers 4]
                              [--databases sqlite,postgresql] [--think 1.0]

For each database (a temporary SQLite file; a throwaway PostgreSQL cluster from
tests/support/postgres.py) it migrates a fresh database, creates a förbund, an insats and an open
campaign (with the optional comment question), starts the app under gunicorn with --workers sync
workers on 127.0.0.1, and runs N simulated participants in threads. Each participant answers
whole questionnaires one after the other (landing page, Start, every question, review, Send,
thank-you page), waiting `think` seconds on average between pages like a person does, until the
duration is over; a questionnaire under way then finishes (bounded by a grace period). Every
request has a timeout, and a Send that fails is retried (idempotent), like the retry page asks.

Each questionnaire writes a unique marker into its comment, so the check is exact: every
completed questionnaire must be stored exactly once, and nothing else stored. It prints completed
questionnaires, requests, errors, p50/p95/p99 latency per request, and stored vs completed
(lost = completed but not stored, duplicated = stored more than once or never completed).
Exit status 1 when there were errors, lost or duplicated responses.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OPTION = re.compile(r'name="answer" value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea[^>]*name="answer"')
MARKER = "load-"


class UnexpectedStatus(Exception):
    pass


# ---------------------------------------------------------------------------------- participant
def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class HttpFetch:
    """One participant's phone: plain HTTP/1.1 to 127.0.0.1, a new connection per request (as a
    phone on a bad connection would), with a timeout, timing every request."""

    def __init__(self, port: int, latencies: list | None = None, timeout: float = 30, lang: str = "sv",
                 address: str | None = None):
        self.port, self.latencies, self.timeout, self.lang = port, latencies, timeout, lang
        self.address = address  # the phone's own address, as the reverse proxy in front reports it
        self.cookies: dict[str, str] = {}

    def __call__(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Accept-Language": f"{self.lang};q=0.9"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(form or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        if self.latencies is not None:
            self.latencies.append(time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.getheader("Location", "") or "", data


class FlaskFetch:
    """The same interface over Flask's test client (in-process fault tests)."""

    def __init__(self, client, lang: str = "sv"):
        self.client, self.lang = client, lang

    def __call__(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Accept-Language": f"{self.lang};q=0.9"}
        if method == "POST":
            response = self.client.post(path, data=form or {}, headers=headers)
        else:
            response = self.client.get(path, headers=headers)
        return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def expect(status: int, wanted: int, what: str) -> None:
    if status != wanted:
        raise UnexpectedStatus(f"{what}: HTTP {status}, expected {wanted}")


@dataclass
class Participant:
    """Answers one questionnaire through `fetch`. `marker` goes into the comment, so that the
    stored response can be told apart from all others."""
    fetch: object
    token: str
    rng: random.Random = field(default_factory=random.Random)
    lang: str = "sv"
    think: float = 0.0
    marker: str = field(default_factory=lambda: MARKER + uuid.uuid4().hex)
    base: str = ""

    def pause(self) -> None:
        if self.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def start(self) -> str:
        status, _, _ = self.fetch("GET", f"/e/{self.token}?lang={self.lang}")
        expect(status, 200, "landing page")
        self.pause()
        status, location, _ = self.fetch("POST", f"/e/{self.token}/start?lang={self.lang}")
        expect(status, 303, "start")
        self.base = path_of(location).split("?")[0].rsplit("/q/", 1)[0]
        return path_of(location)

    def answer_all(self, first: str) -> int:
        """Every question in order; returns how many were answered."""
        url, answered = first, 0
        while "/q/" in url:
            status, _, page = self.fetch("GET", url)
            expect(status, 200, f"question page {url}")
            self.pause()
            if TEXTAREA.search(page):
                form = {"action": "next", "answer": f"Bra stöd, tack. {self.marker}"}
            else:
                options = OPTION.findall(page)
                if not options:
                    raise UnexpectedStatus(f"no answer options on {url}")
                form = {"action": "next", "answer": self.rng.choice(options)}
            status, location, _ = self.fetch("POST", url, form)
            expect(status, 303, f"answer {url}")
            url, answered = path_of(location), answered + 1
            if answered > 100:
                raise UnexpectedStatus("the questionnaire does not end")
        return answered

    def review(self) -> str:
        status, _, page = self.fetch("GET", f"{self.base}/review")
        expect(status, 200, "review")
        return page

    def send(self) -> tuple[int, str, str]:
        return self.fetch("POST", f"{self.base}/send")

    def send_until_thanks(self, tries: int = 5, wait: float = 0.5) -> int:
        """Send, and on a "try again" page or a dropped connection try again (idempotent).
        Returns the number of retries needed."""
        for attempt in range(tries):
            try:
                status, location, _ = self.send()
            except (OSError, http.client.HTTPException):
                status, location = 0, ""
            if status == 303 and "/thanks" in location:
                status, _, _ = self.fetch("GET", path_of(location))
                expect(status, 200, "thank-you page")
                return attempt
            if status not in (0, 503):
                raise UnexpectedStatus(f"send: HTTP {status}")
            time.sleep(wait)
        raise UnexpectedStatus(f"send failed {tries} times")


# ---------------------------------------------------------------------------------- database
def prepare_database(database_url: str) -> str:
    """Migrate a fresh database and create an open campaign; returns its token."""
    os.environ.setdefault("FINSAM_ENV", "test")
    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db
    from survey.models import Campaign, Forbund, Insats

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load-benchmark"})
    with app.app_context():
        upgrade()
        forbund = Forbund(code="lasttest", name="Samordningsförbundet Lasttest")
        insats = Insats(forbund=forbund, code="steget", name="Steget")
        today = date.today()
        campaign = Campaign(forbund=forbund, insats=insats, respondent_group="deltagare_avslut",
                            instrument_version="2021-A", title="Load", opens_on=today - timedelta(days=1),
                            closes_on=today + timedelta(days=30), optional_questions=["omsorg", "kommentar"])
        db.session.add(campaign)
        db.session.commit()
        token = campaign.token
        db.session.remove()
        db.engine.dispose()
    return token


def stored_markers(database_url: str) -> Counter:
    """How often each load marker is stored (each must be exactly once)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            comments = conn.execute(sa.text("SELECT kommentar FROM response WHERE kommentar LIKE :m"),
                                    {"m": f"%{MARKER}%"}).scalars().all()
    finally:
        engine.dispose()
    found = Counter()
    for comment in comments:
        match = re.search(MARKER + r"[0-9a-f]{32}", comment)
        if match:
            found[match.group(0)] += 1
    return found


# ---------------------------------------------------------------------------------- the run
@dataclass
class Result:
    database: str
    participants: int
    workers: int
    seconds: float
    completed: int
    started: int
    requests: int
    errors: int
    retries: int
    stored: int
    lost: int
    duplicated: int
    p50: float
    p95: float
    p99: float
    error_samples: list

    def ok(self) -> bool:
        return self.errors == 0 and self.lost == 0 and self.duplicated == 0 and self.completed > 0

    def report(self) -> str:
        return "\n".join([
            f"== {self.database}: {self.participants} participants, gunicorn {self.workers} workers, "
            f"{self.seconds:.0f} s",
            f"   completed questionnaires: {self.completed} (of {self.started} started)"
            f" — {self.completed / self.seconds * 60:.0f} per minute",
            f"   requests: {self.requests} ({self.requests / self.seconds:.0f}/s), errors: {self.errors}, "
            f"send retries: {self.retries}",
            f"   latency per request: p50 {self.p50 * 1000:.0f} ms, p95 {self.p95 * 1000:.0f} ms, "
            f"p99 {self.p99 * 1000:.0f} ms",
            f"   stored responses: {self.stored}, completed sessions: {self.completed}, "
            f"lost: {self.lost}, duplicated: {self.duplicated}",
            *(f"   error: {e}" for e in self.error_samples[:5]),
        ])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_load(database_url: str, label: str, participants: int = 200, duration: float = 120,
             workers: int = 4, think: float = 1.0, grace: float = 60, seed: int = 1) -> Result:
    from tests.reliability.servers import Gunicorn

    token = prepare_database(database_url)
    latencies: list[float] = []
    completed: list[str] = []
    errors: list[str] = []
    counters = Counter()
    lock = threading.Lock()
    # Participants come from many addresses through one reverse proxy (TRUSTED_PROXIES=1), so the
    # per-address limits on Start and login count per phone as in production, not per loopback.
    with Gunicorn(database_url, workers=workers, timeout=60, env={"TRUSTED_PROXIES": "1"}) as server:
        end = time.monotonic() + duration
        hard_end = end + grace

        def one_participant(number: int) -> None:
            rng = random.Random(seed * 100003 + number)
            local: list[float] = []
            fetch = HttpFetch(server.port, local, timeout=30, lang=rng.choice(["sv", "sv", "sv", "en", "ar", "so"]),
                              address=f"10.{seed % 250}.{number // 250}.{number % 250 + 1}")
            while time.monotonic() < end:
                participant = Participant(fetch, token, rng, lang=fetch.lang, think=think)
                with lock:
                    counters["started"] += 1
                try:
                    participant.answer_all(participant.start())
                    participant.review()
                    participant.pause()
                    retries = participant.send_until_thanks()
                except Exception as exc:  # counted and reported: the benchmark must not hide any
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.5)
                    continue
                finally:
                    if time.monotonic() > hard_end:
                        break
                with lock:
                    completed.append(participant.marker)
                    counters["retries"] += retries
            with lock:
                latencies.extend(local)

        started = time.monotonic()
        threads = [threading.Thread(target=one_participant, args=(i,), daemon=True) for i in range(participants)]
        for i, thread in enumerate(threads):
            thread.start()
            if i % 20 == 19:
                time.sleep(0.05)  # a rush, not a single instant
        for thread in threads:
            thread.join(max(0.1, hard_end - time.monotonic()))
        seconds = time.monotonic() - started
        stragglers = sum(t.is_alive() for t in threads)
        if stragglers:
            errors.append(f"{stragglers} participants still running at the hard deadline")
    stored = stored_markers(database_url)
    done = Counter(completed)
    lost = sum(1 for m in done if stored[m] == 0)
    duplicated = sum(n - 1 for n in stored.values() if n > 1) + sum(1 for m in stored if m not in done)
    return Result(
        database=label, participants=participants, workers=workers, seconds=seconds, completed=len(completed),
        started=counters["started"], requests=len(latencies), errors=len(errors), retries=counters["retries"],
        stored=sum(stored.values()), lost=lost, duplicated=duplicated, p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95), p99=percentile(latencies, 0.99), error_samples=errors,
    )


def run_on(kind: str, **options) -> Result:
    """One run on a fresh database of `kind` (sqlite or postgresql), cleaned up afterwards."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="finsam-load-"))
        try:
            return run_load(f"sqlite:///{folder / 'load.sqlite'}", "SQLite", **options)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if kind == "postgresql":
        from tests.support.postgres import PostgresServer

        server = PostgresServer().start()
        try:
            server.execute("CREATE DATABASE finsam_load")
            return run_load(server.url("finsam_load"), "PostgreSQL", **options)
        finally:
            server.stop()
    raise ValueError(f"unknown database kind {kind!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--duration", type=float, default=120, help="seconds of new questionnaires")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (at least 4 for the proof)")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a participant waits between pages")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    if not (1 <= args.participants <= 1000 and 1 <= args.duration <= 1800):
        parser.error("participants 1–1000 and duration 1–1800 s keep the run bounded")
    os.environ.setdefault("FINSAM_ENV", "test")
    # Ctrl+C or kill: unwind, so gunicorn and the PostgreSQL cluster are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    failed = False
    for kind in args.databases.split(","):
        result = run_on(kind.strip(), participants=args.participants, duration=args.duration,
                        workers=args.workers, think=args.think)
        print(result.report(), flush=True)
        failed |= not result.ok()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
