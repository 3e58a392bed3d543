"""Small builders for test data, so tests say what matters and nothing else."""
from __future__ import annotations

from datetime import date, timedelta

from survey.credentials.passwords import hash_password
from survey.extensions import db
from survey.models import Campaign, Forbund, Insats, User

PASSWORD = "correct horse battery"


class Factory:
    def forbund(self, code: str = "norrby", name: str | None = None) -> Forbund:
        f = Forbund(code=code, name=name or f"Samordningsförbundet {code.title()}")
        db.session.add(f)
        db.session.commit()
        return f

    def insats(self, forbund: Forbund, code: str = "steget", name: str | None = None) -> Insats:
        i = Insats(forbund=forbund, code=code, name=name or code.title())
        db.session.add(i)
        db.session.commit()
        return i

    def user(self, role: str, forbund: Forbund | None = None, email: str | None = None) -> User:
        u = User(email=email or f"{role}-{forbund.code if forbund else 'x'}@example.se", role=role,
                 forbund=forbund, password_hash=hash_password(PASSWORD))
        db.session.add(u)
        db.session.commit()
        return u

    def campaign(self, forbund: Forbund | None = None, insats: Insats | None = None,
                 group: str = "deltagare_avslut", version: str = "2021-A", opens: date | None = None,
                 closes: date | None = None, optional: list[str] | None = None) -> Campaign:
        forbund = forbund or self.forbund()
        if insats is None and group.startswith("deltagare"):
            insats = self.insats(forbund)
        today = date.today()
        c = Campaign(forbund=forbund, insats=insats, respondent_group=group, instrument_version=version,
                     opens_on=opens or today - timedelta(days=1), closes_on=closes or today + timedelta(days=30),
                     optional_questions=optional or [], title="Test")
        db.session.add(c)
        db.session.commit()
        return c


def login(client, user, password: str = PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def forget_cached_user_per_request(app) -> None:
    """Requests made inside a test's app context share its `g`, so Flask-Login's cached user would
    leak from one client to the next; in production every request has its own `g`."""
    from flask import g

    @app.before_request
    def forget_cached_user():
        g.pop("_login_user", None)


def speak_english(app) -> None:
    """Pages in English for tests that read the English texts (Swedish is the default). Requests
    share the test's app context and so Flask-Babel's cached locale: forget it on every request."""
    import flask_babel
    from flask import g

    @app.before_request
    def english():
        g.lang = "en"
        flask_babel.refresh()
