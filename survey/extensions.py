"""Flask extensions, created unbound and attached in create_app with init_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so that Alembic can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are keyed by address in memory only for the request; nothing of it is stored with answers.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def per_user() -> str:
    """Limit key of a signed-in action (reports, imports): the account, not the address, so that
    colleagues behind one office address do not share a budget."""
    from flask_login import current_user

    return f"user:{current_user.get_id()}"


EXPENSIVE = "6 per minute;60 per hour"
"""Report generation: a national PDF takes seconds of a core."""
UPLOADS = "20 per minute;300 per hour"
"""Import checks and confirmations: a file is read and checked whole each time."""
