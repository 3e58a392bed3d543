"""Real servers on loopback for the fault, scale-out and load tests: gunicorn running the app, and
a throwaway Redis. Each is started on a free 127.0.0.1 port and stopped by whoever started it."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


class Gunicorn:
    """`gunicorn -w N` on 127.0.0.1 with the app from `app_spec` and the given environment."""

    def __init__(self, database_url: str, workers: int = 4, app_spec: str = "survey:create_app()",
                 env: dict | None = None, timeout: int = 30, threads: int = 1) -> None:
        self.port = free_port()
        self.workers = workers
        self.app_spec = app_spec
        self.timeout = timeout
        self.threads = threads
        self.log = Path(tempfile.mkstemp(prefix="finsam-gunicorn-", suffix=".log")[1])
        self.env = {
            **os.environ, "DATABASE_URL": database_url, "FINSAM_ENV": "test",
            "SECRET_KEY": "the-same-secret-on-every-server", "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "--threads", str(self.threads),
                 "-b", f"127.0.0.1:{self.port}", "--timeout", str(self.timeout), "--graceful-timeout", "5",
                 "--backlog", "512", self.app_spec],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in time:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces: the fields after the closing parenthesis are fixed.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own session: master and its workers
            self.process.wait(5)

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class RedisServer:
    """A throwaway redis-server on a free loopback port, nothing written to disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is needed for the scale-out tests: apt-get install redis-server")
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import socket

        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
