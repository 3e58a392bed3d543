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
        # Earlier SECRET_KEYs, while they are being rotated out: sessions signed and TOTP keys
        # sealed under them still open (space- or comma-separated).
        "SECRET_KEY_FALLBACKS": env.get("SECRET_KEY_FALLBACKS", "").replace(",", " ").split(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DISCLOSURE_K": k,
        "PRODUCTION": production,
        # Who waits for new tables after a data change (figures/cache.py): in production the
        # previous ones are served while one thread per process builds the new ones.
        "FIGURES_REFRESH": env.get("FIGURES_REFRESH") or ("background" if production else "wait"),
        # Seconds a request waits for a table another thread is computing before its page says
        # "being computed, reload in a minute" (503); unset: as long as it takes.
        "FIGURES_WAIT": (_whole_number(env["FIGURES_WAIT"], "FIGURES_WAIT") if env.get("FIGURES_WAIT") else None),
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
        # Retention (`flask --app survey retention`, nightly): how long each kind of stored data
        # is kept (maintenance/retention.py). Indicator follow-up compares a year with the years
        # before, so responses and avslut records are kept five whole years after their year;
        # the audit log as long, so that who exported or deleted what can be checked for as long
        # as the data it is about may exist. "never" keeps a kind for good.
        "RETENTION_RESPONSES_YEARS": _retention(env, "RETENTION_RESPONSES_YEARS", "5"),
        "RETENTION_AVSLUT_YEARS": _retention(env, "RETENTION_AVSLUT_YEARS", "5"),
        "RETENTION_AUDIT_MONTHS": _retention(env, "RETENTION_AUDIT_MONTHS", "60"),
        # Checked import files waiting for confirmation hold raw participant data: a day at most
        # by default, and never kept for good.
        "RETENTION_UPLOAD_HOURS": _retention(env, "RETENTION_UPLOAD_HOURS", "24", never=False),
        # The key `backup` encrypts with and `restore` decrypts with (maintenance/backup.py);
        # checked when used, so a web server without it starts.
        "BACKUP_KEY": env.get("FINSAM_BACKUP_KEY", "").strip(),
        # Roles that must log in with a code from an app (survey/credentials/twofactor.py), e.g. "admin,nns";
        # empty: each administrator and NNS analyst chooses.
        "REQUIRE_TWO_FACTOR": _two_factor_roles(env.get("REQUIRE_TWO_FACTOR", "")),
    }


def _retention(env, name: str, default: str, *, never: bool = True) -> int | None:
    """A retention period: a whole number of at least 1, or "never" (None: kept for good)."""
    value = env.get(name, default).strip().lower()
    if never and value == "never":
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        allowed = 'a whole number of at least 1 or "never"' if never else "a whole number of at least 1"
        raise ConfigError(f"{name} must be {allowed}, not {value!r}")
    return number


TWO_FACTOR_ROLES = ("admin", "nns")


def _two_factor_roles(value: str) -> tuple[str, ...]:
    """REQUIRE_TWO_FACTOR as roles: "admin,nns", one of them, or yes/true/1 for both."""
    value = value.strip().lower()
    if value in ("", "0", "no", "false"):
        return ()
    if value in ("1", "yes", "true"):
        return TWO_FACTOR_ROLES
    roles = tuple(r.strip() for r in value.split(",") if r.strip())
    if not roles or any(r not in TWO_FACTOR_ROLES for r in roles):
        raise ConfigError(f"REQUIRE_TWO_FACTOR must be roles among {', '.join(TWO_FACTOR_ROLES)} "
                          f"(e.g. admin,nns) or yes/no, not {value!r}")
    return roles


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
