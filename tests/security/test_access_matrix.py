"""Who may reach which route: EVERY route of the app against a table of rules.

The table below is the source of truth. `test_every_route_has_a_rule` fails when a route exists
without a rule (or a rule names a route that is gone), so whoever adds a route must decide here
who may use it. Each rule says, per HTTP method, what every kind of visitor gets:

- anonymous:      no login, no participant link (participant routes get an unknown token)
- participant:    no login, holds a live questionnaire link and draft
- admin, nns, forbund_admin, forbund_user: logged in, own förbund "norrby" where they have one
- other_forbund:  forbund_admin of ANOTHER förbund, reaching for norrby's objects

Outcomes: ok (2xx or a redirect that is not to the login page), login (redirect to log in),
403, 404, 400.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from survey.extensions import db
from survey.models import Campaign, Draft, Forbund, Insats, User

ACTORS = ("anonymous", "participant", "admin", "nns", "forbund_admin", "forbund_user", "other_forbund")
STAFF = ("admin", "nns", "forbund_admin", "forbund_user")


def everyone(outcome: str = "ok") -> dict:
    return {a: outcome for a in ACTORS}


def staff(*roles: str, other: str = "ok", **exceptions: str) -> dict:
    """Logged-in `roles` get through; other roles 403; not logged in: to the login page.
    `other` is what the other förbund's administrator gets when forbund_admin is allowed
    (404 where the route shows one of norrby's objects, ok for lists of one's own)."""
    rule = {"anonymous": "login", "participant": "login"}
    for role in STAFF:
        rule[role] = "ok" if role in roles else "403"
    rule["other_forbund"] = other if "forbund_admin" in roles else "403"
    rule.update(exceptions)
    return rule


def participant(draft_route: bool) -> dict:
    """The link is the credential: whoever holds it gets through; an unknown campaign is a 404;
    a draft of another campaign under this campaign's link is a 404 too."""
    rule = everyone("ok")
    rule["anonymous"] = "404"
    if draft_route:
        rule["other_forbund"] = "404"
    return rule


RULES: dict[str, dict[str, dict]] = {
    # public
    "/": {"GET": everyone()},
    "/healthz": {"GET": everyone()},
    "/login": {"GET": everyone(), "POST": everyone()},
    "/logout": {"POST": everyone()},
    # Two-step login (issue 12): the code step redirects to /login without a half-done login; the
    # page to turn it on or off is for administrators and NNS analysts themselves.
    "/login/code": {"GET": everyone(), "POST": everyone()},
    "/login/two-factor": {"GET": staff("admin", "nns"), "POST": staff("admin", "nns")},
    "/login/two-factor/disable": {"POST": staff("admin", "nns")},
    "/login/two-factor/recovery-codes": {"POST": staff("admin", "nns")},
    "/static/<path:filename>": {"GET": everyone()},
    "/campaigns/static/<path:filename>": {"GET": everyone()},
    "/data/exchange/static/<path:filename>": {"GET": everyone()},
    # participants (issue 2)
    "/e/<token>": {"GET": participant(False)},
    "/e/<token>/start": {"POST": participant(False)},
    "/e/<token>/<draft>/q/<int:n>": {"GET": participant(True), "POST": participant(True)},
    "/e/<token>/<draft>/review": {"GET": participant(True)},
    "/e/<token>/<draft>/send": {"POST": participant(True)},
    "/e/<token>/<draft>/delete": {"POST": participant(True)},
    "/e/<token>/thanks": {"GET": participant(False)},
    "/e/<token>/om": {"GET": participant(False)},
    "/e/<token>/tillganglighet": {"GET": participant(False)},
    # system administration
    "/admin/forbund": {"GET": staff("admin"), "POST": staff("admin")},
    "/admin/users": {"GET": staff("admin")},
    # account management (issue 12): admin only; actions on a user who is none of the actors
    "/admin/forbund/<int:forbund_id>": {"GET": staff("admin"), "POST": staff("admin")},
    "/admin/users/new": {"GET": staff("admin"), "POST": staff("admin")},
    "/admin/users/<int:user_id>": {"GET": staff("admin"), "POST": staff("admin")},
    "/admin/users/<int:user_id>/deactivate": {"POST": staff("admin")},
    "/admin/users/<int:user_id>/reactivate": {"POST": staff("admin")},
    "/admin/users/<int:user_id>/unlock": {"POST": staff("admin")},
    "/admin/users/<int:user_id>/two-factor-off": {"POST": staff("admin")},
    "/admin/users/<int:user_id>/password-link": {"POST": staff("admin")},
    # own password: every signed-in user; set password: the one-time link is the credential
    # (filled with a live link for everyone but anonymous, who holds an unknown one)
    "/account/password": {"GET": staff(*STAFF), "POST": staff(*STAFF)},
    "/account/set-password/<token>": {"GET": participant(False), "POST": participant(False)},
    # campaigns and insatser (förbund staff; admin sees all)
    "/campaigns/": {"GET": staff("admin", "forbund_admin", "forbund_user")},
    "/campaigns/new": {"GET": staff("admin", "forbund_admin"), "POST": staff("admin", "forbund_admin")},
    "/campaigns/information": {"GET": staff("admin", "forbund_admin"), "POST": staff("admin", "forbund_admin")},
    "/campaigns/<int:campaign_id>": {"GET": staff("admin", "forbund_admin", "forbund_user", other="404")},
    "/campaigns/<int:campaign_id>/edit": {"GET": staff("admin", "forbund_admin", other="404"),
                                          "POST": staff("admin", "forbund_admin", other="404")},
    "/campaigns/<int:campaign_id>/poster": {"GET": staff("admin", "forbund_admin", "forbund_user", other="404")},
    "/campaigns/<int:campaign_id>/poster.pdf": {"GET": staff("admin", "forbund_admin", "forbund_user", other="404")},
    "/campaigns/<int:campaign_id>/codes": {"POST": staff("admin", "forbund_admin", other="404")},
    "/campaigns/<int:campaign_id>/qr.png": {"GET": staff("admin", "forbund_admin", "forbund_user", other="404")},
    "/campaigns/<int:campaign_id>/qr.svg": {"GET": staff("admin", "forbund_admin", "forbund_user", other="404")},
    "/insatser/": {"GET": staff("admin", "forbund_admin", "forbund_user")},
    "/insatser/new": {"GET": staff("admin", "forbund_admin"), "POST": staff("admin", "forbund_admin")},
    "/insatser/<int:insats_id>/edit": {"GET": staff("admin", "forbund_admin", other="404"),
                                       "POST": staff("admin", "forbund_admin", other="404")},
    # corrections (issue 12 point 3): archive, avslut records, undo of an import; audit log
    "/campaigns/<int:campaign_id>/archive": {"POST": staff("admin", "forbund_admin", other="404")},
    "/insatser/<int:insats_id>/archive": {"POST": staff("admin", "forbund_admin", other="404")},
    "/data/avslut/records": {"GET": staff("admin", "forbund_admin")},
    "/data/avslut/<int:record_id>/edit": {"GET": staff("admin", "forbund_admin", other="404"),
                                          "POST": staff("admin", "forbund_admin", other="404")},
    "/data/avslut/<int:record_id>/delete": {"POST": staff("admin", "forbund_admin", other="404")},
    "/data/imports": {"GET": staff("admin", "forbund_admin")},
    "/data/imports/<int:batch_id>/undo": {"POST": staff("admin", "forbund_admin", other="404")},
    "/admin/audit/": {"GET": staff("admin")},
    # data exchange
    "/data/": {"GET": staff(*STAFF)},
    "/data/avslut": {"GET": staff("forbund_admin", "forbund_user")},
    "/data/avslut/new": {"GET": staff("forbund_admin", "forbund_user"), "POST": staff("forbund_admin", "forbund_user")},
    "/data/export/indicators.<fmt>": {"GET": staff(*STAFF)},
    "/data/export/outcomes.<fmt>": {"GET": staff(*STAFF)},
    # Raw responses only to the owning förbund's administrator (DISCLOSURE.md).
    "/data/export/<code>/responses.<fmt>": {"GET": staff("forbund_admin", other="403")},
    "/data/export/<code>/comments.<fmt>": {"GET": staff("forbund_admin", other="403")},
    "/data/export/<code>/avslut.<fmt>": {"GET": staff("forbund_admin", other="403")},
    "/data/import": {"GET": staff("forbund_admin"), "POST": staff("forbund_admin")},
    # An upload is confirmed only by the user who made it.
    "/data/import/<token>": {"POST": staff("forbund_admin", other="404")},
    "/data/import/template-<kind>.<fmt>": {"GET": staff("forbund_admin")},
    # results and reports: a förbund's figures for its own staff and for admin/NNS; riket for admin/NNS
    "/results/": {"GET": staff(*STAFF)},
    "/results/forbund/<code>/": {"GET": staff(*STAFF, other="404")},
    "/results/forbund/<code>/genuskompass": {"GET": staff(*STAFF, other="404")},
    "/results/forbund/<code>/compare": {"GET": staff(*STAFF, other="404")},
    "/results/outcomes/": {"GET": staff(*STAFF)},
    "/results/forbund/<code>/outcomes": {"GET": staff(*STAFF, other="404")},
    "/results/riket/outcomes": {"GET": staff("admin", "nns")},
    # Free text only to the förbund's own staff; NNS and the system administrator never (DISCLOSURE.md).
    "/results/forbund/<code>/comments": {"GET": staff("forbund_admin", "forbund_user", other="404")},
    "/results/riket/": {"GET": staff("admin", "nns")},
    "/results/riket/genuskompass": {"GET": staff("admin", "nns")},
    # Filled with an unknown chart/table id: past the login gate everyone gets 404 (not a 500).
    "/results/<kind>/<code>/chart/<chart_id>.svg": {"GET": staff(*STAFF, other="404", **{r: "404" for r in STAFF})},
    "/results/<kind>/<code>/export/<table_id>.<fmt>": {"GET": staff(*STAFF, other="404", **{r: "404" for r in STAFF})},
    "/results/results/static/<path:filename>": {"GET": everyone()},
    "/reports/national.<fmt>": {"GET": staff("admin", "nns")},
    "/reports/forbund/<code>.<fmt>": {"GET": staff(*STAFF, other="404")},
}


@dataclass
class World:
    own: Forbund
    other: Forbund
    insats: Insats
    campaign: Campaign
    other_campaign: Campaign
    users: dict[str, User]


@pytest.fixture
def world(factory) -> World:
    own, other = factory.forbund("norrby"), factory.forbund("sodervik")
    insats = factory.insats(own, "steget")
    campaign = factory.campaign(own, insats)
    other_campaign = factory.campaign(other, factory.insats(other, "vagen"))
    users = {role: factory.user(role, own if role.startswith("forbund") else None) for role in STAFF}
    users["other_forbund"] = factory.user("forbund_admin", other, email="other-admin@example.se")
    return World(own, other, insats, campaign, other_campaign, users)


def _draft(campaign: Campaign) -> str:
    from survey.answer.routes import today

    draft = Draft(campaign_id=campaign.id, language="sv", answers={}, expires_on=today() + timedelta(days=7))
    db.session.add(draft)
    db.session.commit()
    return draft.token


def _upload_token(app, world: World) -> str:
    """A checked upload waiting for confirmation, made by norrby's administrator."""
    from survey.exchange import routes

    from flask_login import login_user

    owner = world.users["forbund_admin"]
    with app.test_request_context():
        login_user(owner)
        return routes._save_upload(b"forbund,year\n", forbund=world.own, kind="responses", filename="x.csv",
                                   create=False)


def _target_user(world: World) -> User:
    """The user the account actions act on: none of the actors, so that one actor deactivating
    them does not end another actor's session."""
    from survey.accounts import find_user_by_email

    user = find_user_by_email("target@example.se")
    if user is None:
        user = User(email="target@example.se", role="forbund_user", forbund_id=world.own.id, password_hash="x")
        db.session.add(user)
        db.session.commit()
    return user


def _password_token(world: World) -> str:
    from survey.accounts import issue_password_link

    url = issue_password_link(_target_user(world))
    db.session.commit()
    return url.rsplit("/", 1)[1]


def _avslut_record(world: World) -> int:
    from survey.models import AvslutRecord

    record = AvslutRecord(forbund_id=world.own.id, year=2024, kon="kvinna", utfall="arbete")
    db.session.add(record)
    db.session.commit()
    return record.id


def _import_batch(world: World) -> int:
    """An import of norrby's (with no rows left), fresh per visitor: an undo uses it up."""
    from survey.models import ImportBatch

    batch = ImportBatch(kind="avslut", forbund_id=world.own.id, source="test", rows=0)
    db.session.add(batch)
    db.session.commit()
    return batch.id


STATIC_FILES = {"static": "site.css", "campaigns.static": "campaigns.css", "exchange.static": "exchange.css",
                "results.static": "results.css"}


def build_url(app, rule, actor: str, world: World) -> str:
    values = {}
    for name in rule.arguments:
        if name == "campaign_id":
            values[name] = world.campaign.id
        elif name == "insats_id":
            values[name] = world.insats.id
        elif name == "token" and rule.endpoint.startswith("answer."):
            values[name] = "no-such-campaign-token" if actor == "anonymous" else world.campaign.token
        elif name == "token" and rule.endpoint == "exchange.confirm":
            values[name] = _upload_token(app, world)
        elif name == "token" and rule.endpoint == "account.set_password":
            values[name] = "no-such-link" if actor == "anonymous" else _password_token(world)
        elif name == "user_id":
            values[name] = _target_user(world).id
        elif name == "forbund_id":
            values[name] = world.own.id
        elif name == "draft":
            values[name] = _draft(world.other_campaign if actor == "other_forbund" else world.campaign)
        elif name == "n":
            values[name] = 1
        elif name == "record_id":  # a fresh one per visitor: a delete takes it away
            values[name] = _avslut_record(world)
        elif name == "batch_id":
            values[name] = _import_batch(world)
        elif name == "filename":
            values[name] = STATIC_FILES[rule.endpoint]
        elif name == "code":
            values[name] = world.own.code
        elif name == "fmt":
            values[name] = "html" if rule.endpoint.startswith("reports.") else "csv"
        elif name == "kind":
            values[name] = "responses" if rule.endpoint == "exchange.template" else "dashboard"
        elif name in ("chart_id", "table_id"):
            values[name] = "no-such-id"
        else:
            raise AssertionError(f"test_access_matrix does not know how to fill <{name}> of {rule.rule}: add it")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        return "login" if "/login" in location and "next=" in location else "ok"
    if 200 <= code < 300:
        return "ok"
    return str(code)


def client_for(app, actor: str, world: World):
    client = app.test_client()
    if actor in world.users:
        with client.session_transaction() as session:
            session["_user_id"] = world.users[actor].get_id()
            session["_fresh"] = True
    elif actor == "participant":
        client.set_cookie("finsam_draft", _draft(world.campaign), path=f"/e/{world.campaign.token}")
    return client


POST_BODY = {"action": "cancel"}  # cancels the upload on confirm; other forms just show their errors


def _rules(app):
    return {r.rule: r for r in app.url_map.iter_rules()}


def test_every_route_has_a_rule(app):
    missing, methods = [], []
    for rule in app.url_map.iter_rules():
        if rule.rule not in RULES:
            missing.append(f"{rule.rule} ({rule.endpoint})")
            continue
        wanted = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if sorted(RULES[rule.rule]) != wanted:
            methods.append(f"{rule.rule}: route has {wanted}, table has {sorted(RULES[rule.rule])}")
    gone = sorted(set(RULES) - {r.rule for r in app.url_map.iter_rules()})
    assert not missing, "routes without an access rule in tests/security/test_access_matrix.py: " + ", ".join(missing)
    assert not methods, "methods differ: " + "; ".join(methods)
    assert not gone, f"rules for routes that no longer exist: {gone}"
    for actor_rules in (m for r in RULES.values() for m in r.values()):
        assert set(actor_rules) == set(ACTORS)


def test_table_is_never_looser_than_the_decorators(app):
    """Where a view says which roles it allows (roles_required), the table may be stricter, never
    looser: a role the decorator refuses must be refused in the table too."""
    for rule in app.url_map.iter_rules():
        allowed = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        if allowed is None or rule.rule not in RULES:
            continue
        for method, actors in RULES[rule.rule].items():
            for role in STAFF:
                if role not in allowed:
                    assert actors[role] == "403", f"{method} {rule.rule}: table lets {role} in, decorator does not"
            assert actors["anonymous"] == "login", f"{method} {rule.rule} needs a login"


@pytest.mark.parametrize("path,method", [(p, m) for p, ms in RULES.items() for m in ms])
def test_access(app, world, path, method):
    rule = _rules(app).get(path)
    assert rule is not None, f"{path} is in the table but not a route"
    wrong = []
    for actor in ACTORS:
        url = build_url(app, rule, actor, world)
        client = client_for(app, actor, world)
        with app.app_context():  # a fresh `g` per visitor: Flask-Login caches the user there
            response = client.get(url) if method == "GET" else client.post(url, data=POST_BODY)
        got, expected = outcome(response), RULES[path][method][actor]
        assert response.status_code < 500, f"{method} {url} as {actor}: {response.status_code}"
        if got != expected:
            wrong.append(f"{actor}: expected {expected}, got {got} ({response.status_code})")
        db.session.rollback()
    assert not wrong, f"{method} {path}: " + "; ".join(wrong)


def test_csrf_token_is_required_on_every_staff_post(app_config, world):
    """With CSRF on, a POST without a token is refused (400) on every staff form, logged in as a
    role that may use it. The participant routes are exempt by design (see survey/answer)."""
    from survey import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    checked = []
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or rule.endpoint.startswith("answer."):
                continue
            actors = RULES[rule.rule]["POST"]
            actor = next((a for a in ("forbund_admin", "admin", "forbund_user", "nns") if actors[a] == "ok"), "anonymous")
            url = build_url(app, rule, actor, world)
            client = client_for(app, actor, world)
            with app.app_context():
                response = client.post(url, data={"email": "a@b.se", "password": "x", "action": "cancel"})
            assert response.status_code == 400, f"POST {url} as {actor} without a CSRF token: {response.status_code}"
            assert b"<h1>" in response.data
            checked.append(rule.rule)
        db.session.remove()
        db.engine.dispose()
    assert {"/login", "/logout", "/campaigns/new", "/data/import", "/admin/forbund"} <= set(checked)
    assert {"/account/password", "/account/set-password/<token>", "/admin/users/new",
            "/admin/users/<int:user_id>/deactivate", "/admin/users/<int:user_id>/password-link"} <= set(checked)
