"""Finsam Indikatorer: the Flask application (app factory)."""
import os

from flask import Flask, render_template
from werkzeug.routing import IntegerConverter

from . import config as config_module


class DatabaseInteger(IntegerConverter):
    """<int:…> in a URL holds at most what a database INTEGER holds: a 20-digit campaign id is a
    404, not an overflow error from the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _shipped(name: str) -> str:
    """templates/ and translations/ live at the top of a checkout; a wheel carries them inside
    the package (pyproject.toml's force-include)."""
    inside = os.path.join(os.path.dirname(__file__), name)
    return inside if os.path.isdir(inside) else os.path.join(os.path.dirname(__file__), os.pardir, name)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__, instance_relative_config=True,
        template_folder=_shipped("templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = DatabaseInteger  # before any route is added
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    config_module.check_production(app.config)
    translations = _shipped("translations")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translations)
    from .catalogs import compile_catalogs
    compile_catalogs(translations)

    from . import delivery, i18n, logs, navigation, security
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    security.init_app(app)
    logs.init_app(app)
    delivery.init_app(app)
    _enable_sqlite_foreign_keys(app)
    from .figures import cells  # noqa: F401 - registers the flush events that keep the count cells

    from .auth import bp as auth_bp
    app.register_blueprint(auth_bp)
    from .campaigns import bp as campaigns_bp
    app.register_blueprint(campaigns_bp)
    from .admin import bp as admin_bp
    app.register_blueprint(admin_bp)
    from .account import bp as account_bp
    app.register_blueprint(account_bp)
    from .answer import bp as answer_bp
    app.register_blueprint(answer_bp)
    from .exchange import bp as exchange_bp
    app.register_blueprint(exchange_bp)
    from .results import bp as results_bp
    app.register_blueprint(results_bp)
    from .reports import bp as reports_bp
    app.register_blueprint(reports_bp)
    from .audit import bp as audit_bp
    app.register_blueprint(audit_bp)

    from .cli import register_cli
    register_cli(app)
    _register_error_pages(app)

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def _enable_sqlite_foreign_keys(app: Flask) -> None:
    """SQLite needs foreign keys and a busy timeout per connection; WAL lets readers and the
    single writer work side by side under a campaign rush."""
    from sqlalchemy import event

    from .extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Deleted rows (a sent draft with its language) are overwritten, not left in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()


def _register_error_pages(app: Flask) -> None:
    from flask_babel import gettext as _

    messages = {
        400: lambda: _("The request could not be understood. Please go back and try again."),
        403: lambda: _("You do not have access to this page."),
        404: lambda: _("The page could not be found."),
        405: lambda: _("That action is not possible on this page."),
        413: lambda: _("What you sent is too large."),
        429: lambda: _("Too many attempts. Please wait a moment and try again."),
        500: lambda: _("Something went wrong on our side. Nothing you already sent has been lost. Please try again."),
        503: lambda: _("The service is busy right now. Please try again in a moment."),
    }

    def handler(error):
        code = getattr(error, "code", 500) or 500
        # An error may say more than its code (figures/cache.py: the figures are being computed).
        message = str(getattr(error, "message", None) or messages.get(code, messages[500])())
        retry = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else {}
        return render_template("error.html", code=code, message=message), code, headers

    for code in messages:
        app.register_error_handler(code, handler)
