"""The README's first command really serves the demo (issue 12): `flask --app survey demo` in a
subprocess, on a throwaway SQLite file and a free port, answers a page."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_flask_demo_serves_the_app(tmp_path):
    port = free_port()
    env = {**os.environ, "FINSAM_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite"}
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]
    server = subprocess.Popen([*command, "--app", "survey", "demo", "--port", str(port)], env=env,
                              cwd=Path(__file__).resolve().parents[1],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status, deadline = None, time.monotonic() + 90
        while status is None and time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    status, body = response.status, response.read().decode()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert status == 200, "the demo command did not serve a page within 90 s"
        assert "<form" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
