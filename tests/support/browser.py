"""Real headless Chromium (Debian's) through Playwright, and a live server for it to load."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Debian's chromium is required for the browser tests: apt-get install chromium")
    return path


class LiveServer:
    """Serves the app on a free loopback port in a thread, for the browser to talk to."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def back(page) -> None:
    """The Back button. A page restored from the cache fires no load event: wait for the commit,
    then for whatever the page does on being shown again (a questionnaire page reloads)."""
    from playwright.sync_api import Error

    page.go_back(wait_until="commit")
    for _ in range(50):
        page.wait_for_timeout(100)
        try:
            if page.evaluate("document.readyState === 'complete' && document.documentElement.style.visibility !== 'hidden'"):
                return
        except Error:  # the page navigated while asked (its reload): ask the new one
            continue
    raise AssertionError("the page did not settle after Back")


def axe_source() -> str:
    import axe_core_python

    return (Path(axe_core_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """WCAG 2.0/2.1 A and AA violations axe-core finds on the page as it is now.

    axe-core is evaluated through the DevTools protocol, not added as a script tag: our CSP
    (rightly) blocks inline scripts, and keeping the CSP on proves the pages work under it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
