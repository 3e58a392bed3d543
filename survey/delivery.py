"""How pages and static files travel to a slow phone (issue 10: slow 3G, 400 kbps and 400 ms).

- Static files have addresses that change with their content (`?v=<digest>`, added by url_for
  itself), so a phone keeps them for a year without asking again ("immutable"); a changed file
  gets a new address. Asked for without the current digest they are revalidated as before.
- Participant pages and static files are compressed (Flask-Compress: gzip, or Brotli where the
  package is installed). Staff pages are not: they carry CSRF tokens next to text a visitor can
  put into the page, which compression would let an eavesdropper guess (BREACH).
"""
from __future__ import annotations

import hashlib
import os

from flask import Flask, current_app, request
from flask_compress import Compress

compress = Compress()
YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_REGISTER", False)  # only where after_response below says
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/javascript",
                                                 "application/javascript", "image/svg+xml"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress.init_app(app)
    app.url_defaults(_static_version)
    app.after_request(_after_response)


def _is_static(endpoint: str | None) -> bool:
    return bool(endpoint) and (endpoint == "static" or endpoint.endswith(".static"))


def _static_folder(endpoint: str) -> str | None:
    if endpoint == "static":
        return current_app.static_folder
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint else None


_digests: dict[tuple[str, float], str] = {}


def static_digest(endpoint: str, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256 (kept per path and modification time)."""
    folder = _static_folder(endpoint)
    if not folder:
        return None
    path = os.path.join(folder, filename)
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return None
    key = (path, mtime)
    if key not in _digests:
        with open(path, "rb") as fh:
            _digests[key] = hashlib.sha256(fh.read()).hexdigest()[:10]
    return _digests[key]


def _static_version(endpoint: str, values: dict) -> None:
    if _is_static(endpoint) and "filename" in values and "v" not in values:
        digest = static_digest(endpoint, values["filename"])
        if digest:
            values["v"] = digest


def _after_response(response):
    endpoint = request.endpoint
    if _is_static(endpoint):
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if response.status_code == 200 and version and version == static_digest(endpoint, filename):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        if response.status_code == 200:
            response.direct_passthrough = False
            response.make_sequence()  # a few KB: read whole, so that gzip is offered as well as Brotli
        return compress.after_request(response)
    if request.blueprint == "answer":
        return compress.after_request(response)
    return response
