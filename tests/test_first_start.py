"""First start (issue 12 point 1): the README's first command really serves the demo, and a wheel
built from the repository installs into a fresh virtual environment and serves the demo too,
templates, translations, static files and migrations included."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": "sv"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


@contextlib.contextmanager
def serving(flask: list[str], *, env: dict, cwd: Path):
    """`flask --app survey demo` on a free port; yields the base address once a page answers."""
    port = free_port()
    server = subprocess.Popen([*flask, "--app", "survey", "demo", "--port", str(port)], env=env, cwd=cwd,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300  # it builds every published table first (about 40 s on an idle demo)
        while True:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                fetch(f"http://127.0.0.1:{port}/login")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the demo command did not serve a page within 300 s"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_flask_demo_serves_the_app(tmp_path):
    env = {**os.environ, "FINSAM_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite"}
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]
    with serving(command, env=env, cwd=ROOT) as base:
        status, body = fetch(f"{base}/login")
        assert status == 200 and "<form" in body


def test_a_wheel_installs_into_a_fresh_venv_and_serves_the_demo(tmp_path):
    """Built and installed as a user outside the checkout would: nothing may be read from the
    repository (the server runs in an empty folder with the venv's own Python)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel, = (tmp_path / "dist").glob("finsam_indikatorer-*.whl")
    with zipfile.ZipFile(wheel) as packed:
        names = set(packed.namelist())
    assert {"survey/data/common_passwords.txt", "survey/data/common_passwords.LICENSE.txt",
            "survey/migrations/alembic.ini", "survey/translations/sv/LC_MESSAGES/messages.mo"} <= names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True)
    run_in = tmp_path / "elsewhere"
    run_in.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"FINSAM_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/wheel.sqlite",
            "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}"}
    where = subprocess.run([str(python), "-c", "import survey; print(survey.__file__)"], env=env, cwd=run_in,
                           check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(venv)), where  # the wheel's copy, not the checkout's
    init = subprocess.run([str(venv / "bin" / "flask"), "--app", "survey", "init-db"], env=env, cwd=run_in,
                          capture_output=True, text=True)
    assert init.returncode == 0 and "newest schema" in init.stdout, init.stdout + init.stderr
    with serving([str(venv / "bin" / "flask")], env=env, cwd=run_in) as base:
        status, login = fetch(f"{base}/login")
        assert status == 200 and "Lösenord" in login  # a template, translated from a shipped catalogue
        status, css = fetch(f"{base}/static/site.css")
        assert status == 200 and "{" in css
        status, css = fetch(f"{base}/campaigns/static/campaigns.css")  # a blueprint's own static folder
        assert status == 200 and "{" in css
