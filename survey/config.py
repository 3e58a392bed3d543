"""Configuration from the environment (EXCHANGE.md: DATABASE_URL, SECRET_KEY, DISCLOSURE_K)."""
import os
import re

from indicators.disclosure import check_k

DEV_SECRET = "dev-only-not-secret"


class ConfigError(RuntimeError):
    pass


def from_environment(instance_path: str) -> dict:
    env = os.environ
    # Local use on the embedded SQLite file is development unless said otherwise; any server
    # database is production unless said otherwise, so a forgotten variable fails safe.
    mode = env.get("FINSAM_ENV") or ("production" if env.get("DATABASE_URL") else "development")
    production = mode not in ("development", "test")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'finsam.sqlite')}"
    try:
        k = int(env.get("DISCLOSURE_K", "5"))
        check_k(k)
    except ValueError as exc:
        raise ConfigError(f"DISCLOSURE_K must be a whole number of at least 5 ({exc})") from None
    return {
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DISCLOSURE_K": k,
        "PRODUCTION": production,
        # Who waits for new tables after a data change (figures/cache.py): in production the
        # previous ones are served while one thread per process builds the new ones.
        "FIGURES_REFRESH": env.get("FIGURES_REFRESH") or ("background" if production else "wait"),
        # Drafts resume for 7 days (issue 2); a participant never waits for more than that.
        "DRAFT_DAYS": 7,
        # Days in which an import can be undone as a whole; then `flask retention` clears the
        # link between the imported rows and the import (its time) (survey/corrections.py).
        "IMPORT_UNDO_DAYS": _whole_number(env.get("IMPORT_UNDO_DAYS", "30"), "IMPORT_UNDO_DAYS"),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # Database errors name their statement, never its parameters (answers, comments) in logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe (0: none),
        # so that rate limits count per visitor, not per proxy.
        "TRUSTED_PROXIES": _whole_number(env.get("TRUSTED_PROXIES", "0"), "TRUSTED_PROXIES"),
        # The address participants and staff reach the app at (e.g. https://finsam.example.se):
        # participant links, QR codes and posters are built from it, never from the Host header
        # a request brings. Required in production (or SERVER_NAME).
        "PUBLIC_URL": _public_url(env.get("PUBLIC_URL", "")),
    }


def _public_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?", value):
        raise ConfigError(f"PUBLIC_URL must be an http(s) address such as https://finsam.example.se, not {value!r}")
    return value


def _whole_number(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigError(f"{name} must be a whole number of at least 0, not {value!r}")
    return number


def check_production(config: dict) -> None:
    if config.get("FIGURES_REFRESH") not in ("wait", "background"):
        raise ConfigError(f"FIGURES_REFRESH must be 'wait' or 'background', not {config.get('FIGURES_REFRESH')!r}")
    if config.get("PRODUCTION") and config.get("SECRET_KEY") in (None, "", DEV_SECRET):
        raise ConfigError(
            "SECRET_KEY must be set to a real secret outside development "
            "(or set FINSAM_ENV=development for local use)."
        )
    if config.get("PRODUCTION") and not (config.get("PUBLIC_URL") or config.get("SERVER_NAME")):
        raise ConfigError(
            "PUBLIC_URL must be set outside development (e.g. https://finsam.example.se): participant "
            "links, QR codes and posters are built from it, never from a request's Host header."
        )
