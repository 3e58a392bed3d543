"""The participant questionnaire: landing page, one question per page, review, send, thank you.

Plain forms and POST-redirect-GET throughout, so everything works without JavaScript. The
unfinished questionnaire is a Draft on the server under an opaque token, which is both in the URL
path and in a cookie scoped to the campaign's path, so a reload, a closed tab or a dropped
connection resumes where the participant was.

No CSRF token on these forms (the blueprint is exempt): participants have no session and no
account, every POST that changes a draft carries the draft's unguessable token in its path, which
a cross-site page cannot know, and the one token-less POST (Start) only creates an empty draft.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from indicators.disclosure import free_text_allowed
from indicators.instrument import Instrument, Question, instruments, latest_version

from .. import answer_codes
from ..extensions import csrf, db, limiter
from ..i18n import current_language
from ..maintenance.retention import delete_expired_drafts
from ..models import Answer, Campaign, Draft, Response
from . import bp
from .forms import COMMENT_MAX, FIELD, AnswerError, field_id, parse_answer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DRAFT_COOKIE = "finsam_draft"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Choice questions of the instrument and the response column each is stored in.
CHOICE_COLUMNS = ("kon", "alder", "utfall")

csrf.exempt(bp)


# SQLite has one writer at a time. Its busy handler makes a waiting writer sleep in growing steps
# (up to 100 ms), so under a campaign rush the threads of one process queue on a lock instead
# and each write waits only as long as the ones before it take. PostgreSQL needs no such lock.
_sqlite_writer = threading.Lock()


@contextmanager
def writing():
    """Around one write transaction (its first write statement to its commit or rollback)."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


def today() -> date:
    return datetime.now(STOCKHOLM).date()


# ---------------------------------------------------------------------------------- context
@bp.before_request
def load_context():
    """Find the campaign (and draft) before anything is translated, so that the page language
    is the draft's and the offered languages fit the respondent group."""
    # A fresh start even where one app context serves several requests (as in tests).
    for name in ("lang", "campaign", "instrument", "draft", "languages"):
        g.pop(name, None)
    g.participant_page = True
    refresh()
    args = request.view_args or {}
    token = args.get("token", "")
    # Tokens are URL-safe base64; anything else (a NUL byte breaks PostgreSQL) is simply unknown.
    # Links are lowercase, but phones like to capitalise what is typed in: either form is found.
    campaign = db.session.scalar(select(Campaign).where(Campaign.token.in_({token, token.lower()}))) \
        if TOKEN_RE.fullmatch(token) else None
    if campaign is None:
        return status_page("unknown", 404)
    instrument = instruments().get(campaign.instrument_version)
    if instrument is None:  # a definition file was removed: say so, never a 500
        return status_page("unavailable", 503)
    group = campaign.respondent_group
    g.participant_page = instrument.is_participant_group(group)
    g.campaign, g.instrument = campaign, instrument
    g.languages = instrument.languages_for(group)
    g.draft = None
    if "draft" in args:
        draft = db.session.get(Draft, args["draft"]) if TOKEN_RE.fullmatch(args["draft"]) else None
        if draft is not None and draft.campaign_id == campaign.id:
            g.draft = draft
            chosen = request.args.get("lang")
            if chosen in g.languages and chosen != draft.language:
                # The choice holds for the rest of the questionnaire.
                with writing():
                    db.session.execute(
                        update(Draft).where(Draft.token == draft.token).values(language=chosen)
                        .execution_options(synchronize_session=False)
                    )
                    db.session.commit()
                set_committed_value(draft, "language", chosen)
            if draft.language in g.languages:
                g.lang = draft.language
    if request.endpoint in ("answer.thanks", "answer.about", "answer.accessibility"):
        return None  # readable whatever the dates: a participant who sent on the last day too
    status = campaign.status(today())
    if status == "closed" and today() <= campaign.last_day_to_send():
        # Started before closing: may still be finished and sent (from the link, too).
        if g.draft is not None or (request.endpoint == "answer.start" and draft_from_cookie() is not None):
            return None
    if status != "open":
        return status_page(status, 403 if status == "not_open" else 410)
    return None


@bp.after_request
def no_store(response):
    """Participant pages are never kept by the browser or anything on the way: Back after Send
    must not show the answers again (on a shared phone, to the next person), and a page from a
    cache must not post to a draft that is gone."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(SQLAlchemyError)
def database_error(error):
    """A database hiccup: a page that asks to try again, in the participant's language."""
    db.session.rollback()
    current_app.logger.warning("database error on a participant page: %s", type(error).__name__)
    return status_page("busy", 503)


def status_page(kind: str, code: int):
    """Unknown, not yet open, closed, busy …: a clear page instead of an error."""
    campaign = g.get("campaign")
    instrument = g.get("instrument")
    return render_template(
        "answer/status.html", kind=kind, campaign=campaign, instrument=instrument,
        opens_on=format_date(campaign.opens_on, "long") if campaign else "",
        closes_on=format_date(campaign.closes_on, "long") if campaign else "",
        in_grace=bool(campaign) and today() <= campaign.last_day_to_send(),
        last_day_to_send=format_date(campaign.last_day_to_send(), "long") if campaign else "",
        days=current_app.config["DRAFT_DAYS"],
    ), code


# ---------------------------------------------------------------------------------- helpers
def questionnaire() -> list[Question]:
    campaign: Campaign = g.campaign
    return g.instrument.questionnaire(campaign.respondent_group, optional=set(campaign.optional_questions or []))


def localised(mapping: dict[str, str]) -> tuple[str, str]:
    """(text, language of the text): the page language, else English, else Swedish."""
    for lang in (current_language(), "en", "sv"):
        if mapping.get(lang):
            return mapping[lang], lang
    return next(iter(mapping.values()), ""), "sv"


def options(instrument: Instrument, question: Question) -> list[dict]:
    """The radios of a question: value, label (and its language), whether it is "don't know"."""
    result = []
    if question.kind == "scale":
        for value, labels in enumerate(question.scale.steps, 1):
            text, lang = localised(labels)
            result.append({"value": str(value), "label": text, "lang": lang, "dont_know": False})
        text, lang = localised(instrument.dont_know)
        result.append({"value": "9", "label": text, "lang": lang, "dont_know": True})
    elif question.kind == "choice":
        for choice in question.choices:
            text, lang = localised(choice)
            result.append({"value": choice["code"], "label": text, "lang": lang, "dont_know": False})
    return result


def answer_label(instrument: Instrument, question: Question, value) -> tuple[str, str] | None:
    if value is None:
        return None
    if question.kind == "text":
        return str(value), ""
    for option in options(instrument, question):
        if option["value"] == str(value):
            return option["label"], option["lang"]
    return None


def first_unanswered(draft: Draft, questions: list[Question]) -> int | None:
    """1-based number of the first question not yet seen (a skipped question counts as seen)."""
    for n, question in enumerate(questions, 1):
        if question.id not in (draft.answers or {}):
            return n
    return None


def resume_url(draft: Draft) -> str:
    n = first_unanswered(draft, questionnaire())
    if n is None:
        return url_for(".review", token=g.campaign.token, draft=draft.token)
    return url_for(".question", token=g.campaign.token, draft=draft.token, n=n)


def live(draft: Draft | None) -> bool:
    return draft is not None and draft.expires_on >= today()


def draft_from_cookie() -> Draft | None:
    token = request.cookies.get(DRAFT_COOKIE)
    if not token:
        return None
    draft = db.session.get(Draft, token)
    if draft is None or draft.campaign_id != g.campaign.id or not live(draft):
        return None
    return draft


def cookie_path() -> str:
    return url_for(".start", token=g.campaign.token)


def remember_draft(response, draft: Draft):
    # The cookie ends with the draft (its last day), so a cookie naming a draft that is gone
    # means it was sent (or deleted by its participant, who is then told so).
    days_left = (draft.expires_on - today()).days + 1
    response.set_cookie(
        DRAFT_COOKIE, draft.token, max_age=max(days_left, 0) * 24 * 3600,
        path=cookie_path(), httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def forget_draft(response):
    response.delete_cookie(DRAFT_COOKIE, path=cookie_path(), httponly=True, samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def thanks_redirect():
    """To the thank-you page. The draft cookie stays until its day: naming a draft that no longer
    exists, it tells a repeated Send (double click, a retry after a lost answer) that the
    answers arrived; the landing page clears it for the next person."""
    return redirect(url_for(".thanks", token=g.campaign.token, lang=current_language()), 303)


def require_draft():
    """The live draft of this page, or the response to give instead. A sent draft no longer
    exists (Send deletes it): where this browser's cookie still names it, the answer to a
    repeated Send was lost on the way, so thank you; otherwise a page that says the answers were
    either sent or removed, and offers to start again."""
    draft = g.draft
    named = (request.view_args or {}).get("draft")
    if draft is None and named and request.cookies.get(DRAFT_COOKIE) == named:
        return None, thanks_redirect()
    if not live(draft):
        return None, forget_draft(make_response(status_page("draft_gone", 404)))
    return draft, None


def save_answer(draft: Draft, question_id: str, value) -> bool:
    """Store one answer on the draft unless it was sent meanwhile (then False)."""
    answers = dict(draft.answers or {})
    answers[question_id] = value
    with writing():
        result = db.session.execute(
            update(Draft).where(Draft.token == draft.token).values(answers=answers)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    # Keep the loaded object in step without marking it dirty (no second, unconditional UPDATE).
    set_committed_value(draft, "answers", answers)
    return result.rowcount == 1


# ---------------------------------------------------------------------------------- pages
@bp.get("/<token>")
def start(token):
    draft = draft_from_cookie()
    if draft is not None:
        # Whoever holds the phone now may not be the person who started (a shared tablet, a
        # QR code scanned twice): ask, and show nothing of the answers until they choose.
        return render_template("answer/resume.html", draft=draft, continue_url=resume_url(draft))
    response = make_response(landing(deleted=request.args.get("deleted") == "1",
                                     code_value=request.args.get("kod", "")[:40]))
    if request.cookies.get(DRAFT_COOKIE):
        forget_draft(response)  # sent or expired: start afresh
    return response


def landing(**extra) -> str:
    return render_template("answer/landing.html", total=len(questionnaire()), days=current_app.config["DRAFT_DAYS"],
                           k=current_app.config["DISCLOSURE_K"], **extra)


@bp.post("/<token>/start")
@limiter.limit("120 per minute")  # one classroom behind one address still gets through
def begin(token):
    draft = draft_from_cookie()  # a double click on Start reuses the draft just made
    if draft is None:
        code = None
        if g.campaign.uses_codes:
            code = answer_codes.usable(g.campaign, request.form.get("code", ""))
            if code is None:
                return landing(code_error=_("This code does not exist or has already been used. "
                                            "Check the code on your card, or ask for a new card."),
                               code_value=request.form.get("code", "")[:40]), 400
        lang = current_language()
        draft = Draft(
            campaign_id=g.campaign.id, language=lang if lang in g.languages else "sv", answers={},
            expires_on=today() + timedelta(days=current_app.config["DRAFT_DAYS"]), code_hash=code,
        )
        with writing():
            # Drafts past their day are of no use to anyone; they go as new ones come (of every
            # campaign, open or closed; `flask retention` does it on a schedule besides).
            delete_expired_drafts(today(), commit=False)
            db.session.add(draft)
            db.session.commit()
    return remember_draft(redirect(resume_url(draft), 303), draft)


@bp.route("/<token>/<draft>/q/<int:n>", methods=["GET", "POST"])
def question(token, draft, n):
    draft, gone = require_draft()
    if gone is not None:
        return gone
    questions = questionnaire()
    if not 1 <= n <= len(questions):
        return status_page("no_question", 404)
    q = questions[n - 1]
    changing = request.args.get("change") == "1"
    errors: list[tuple[str, str]] = []
    value = (draft.answers or {}).get(q.id)
    if request.method == "POST":
        action = request.form.get("action", "next")
        raw = request.form.get(FIELD)
        switch = request.form.get("lang")
        if switch is not None:
            return switch_language(draft, q, n, raw, switch, changing)
        page = request.form.get("goto")
        if page in FOOTER_PAGES:  # the footer's links submit the form too: a choice made is kept
            if not keep_choice(draft, q, raw):
                return thanks_redirect()
            return redirect(url_for(f".{page}", token=token), 303)
        try:
            new_value = None if action == "skip" else parse_answer(q, raw)
        except AnswerError as exc:
            errors.append((field_id(q), str(exc)))
            value = None
        else:
            # Back or Skip never erase an answer given earlier (Skip from the review page's
            # Change, a Back without a choice); Continue without one leaves it unanswered.
            keep = new_value is None and action in ("back", "skip") and (draft.answers or {}).get(q.id) is not None
            if not keep:
                if not save_answer(draft, q.id, new_value):
                    return thanks_redirect()
            review_url = url_for(".review", token=token, draft=draft.token)
            if changing:
                return redirect(review_url, 303)
            if action == "back":
                return redirect(url_for(".question", token=token, draft=draft.token, n=max(n - 1, 1)), 303)
            if n == len(questions):
                return redirect(review_url, 303)
            return redirect(url_for(".question", token=token, draft=draft.token, n=n + 1), 303)
    text, text_lang = localised(q.text)
    response = make_response(render_template(
        "answer/question.html", q=q, n=n, total=len(questions), text=text, text_lang=text_lang,
        options=options(g.instrument, q), value="" if value is None else str(value), errors=errors,
        draft=draft, changing=changing, comment_max=COMMENT_MAX,
        action_url=url_for(".question", token=token, draft=draft.token, n=n, **({"change": "1"} if changing else {})),
    ))
    return remember_draft(response, draft)


FOOTER_PAGES = {"about": _l("About the questionnaire and your data"), "accessibility": _l("Accessibility")}
"""The participant footer's pages and their links' labels; on a question page the links are
buttons of its form."""


def keep_choice(draft: Draft, q: Question, raw) -> bool:
    """Save a choice made on a question page but not yet sent on with Continue (the page is left
    by a language or footer button). A broken value is not worth an error page here: the
    question asks again. False when the draft has been sent meanwhile."""
    if raw in (None, ""):
        return True
    try:
        value = parse_answer(q, raw)
    except AnswerError:
        return True
    return save_answer(draft, q.id, value)


def switch_language(draft: Draft, q: Question, n: int, raw, lang: str, changing: bool):
    """The language buttons of a question page submit its form: a choice made but not yet sent
    on is kept (without JavaScript too), then the page comes back in the new language."""
    if not keep_choice(draft, q, raw):
        return thanks_redirect()
    args = {"change": "1"} if changing else {}
    if lang in g.languages:
        args["lang"] = lang
    return redirect(url_for(".question", token=g.campaign.token, draft=draft.token, n=n, **args), 303)


@bp.post("/<token>/<draft>/delete")
def discard(token, draft):
    """The participant deletes their unfinished answers (or someone else starts on this phone):
    the draft goes, and so does the cookie."""
    if g.draft is None:  # gone already, or not of this campaign
        return forget_draft(make_response(status_page("draft_gone", 404)))
    with writing():
        db.session.execute(delete(Draft).where(Draft.token == g.draft.token)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    db.session.expunge(g.draft)
    return forget_draft(redirect(url_for(".start", token=token, deleted="1"), 303))


@bp.get("/<token>/<draft>/review")
def review(token, draft):
    draft, gone = require_draft()
    if gone is not None:
        return gone
    rows = []
    for n, q in enumerate(questionnaire(), 1):
        text, text_lang = localised(q.text)
        rows.append({"n": n, "text": text, "lang": text_lang,
                     "answer": answer_label(g.instrument, q, (draft.answers or {}).get(q.id))})
    return remember_draft(make_response(render_template("answer/review.html", rows=rows, draft=draft)), draft)


@bp.post("/<token>/<draft>/send")
def send(token, draft):
    """Idempotent and atomic: the draft is claimed by a conditional UPDATE (one row or none, under
    the row lock of PostgreSQL or the write lock of SQLite), and the response is stored in the same
    transaction. A repeated or retried POST finds the draft claimed and stores nothing."""
    draft, gone = require_draft()
    if gone is not None:
        return gone
    campaign: Campaign = g.campaign
    try:
        with writing():
            return _send(draft, campaign)
    except SQLAlchemyError as exc:
        db.session.rollback()
        # The error's name only: its message would carry the statement's parameters (the answers).
        current_app.logger.warning("sending a questionnaire failed: %s", type(exc).__name__)
        return make_response(render_template("answer/retry.html", draft=draft), 503)


def _send(draft: Draft, campaign: Campaign):
    # The draft's row is locked (PostgreSQL; SQLite: the write lock) and read as it is now, a
    # change saved a moment ago included; the response is stored, then the draft deleted, all
    # in one transaction. A second Send finds no draft and stores nothing. (Storing before
    # deleting: a full disk fails the send before the draft's own space is freed for it.)
    row = db.session.execute(select(Draft.answers, Draft.code_hash).where(Draft.token == draft.token)
                             .with_for_update()).first()
    if row is None:  # sent already (double click, retried POST, another tab): store nothing
        db.session.rollback()
        return thanks_redirect()
    if row.code_hash is not None and not answer_codes.use(row.code_hash):
        db.session.rollback()  # the card's code was sent with on another phone meanwhile
        return status_page("code_used", 409)
    store_response(campaign, row.answers or {})
    deleted = db.session.execute(delete(Draft).where(Draft.token == draft.token)
                                 .execution_options(synchronize_session=False)).rowcount
    if deleted != 1:
        db.session.rollback()
        return thanks_redirect()
    db.session.commit()
    db.session.expunge(draft)
    return thanks_redirect()


def store_response(campaign: Campaign, answers: dict) -> Response:
    """The response row and its answer rows. Only the month is kept as time; nothing about the
    device, address or draft."""
    response = Response(
        forbund_id=campaign.forbund_id, insats_id=campaign.insats_id, campaign_id=campaign.id,
        year=campaign.year, month=datetime.now(STOCKHOLM).strftime("%Y-%m"),
        respondent_group=campaign.respondent_group, instrument_version=campaign.instrument_version,
    )
    for q in questionnaire():
        value = answers.get(q.id)
        try:  # a draft is re-checked: the questionnaire may have changed since it was saved
            value = parse_answer(q, None if value is None else str(value))
        except AnswerError:
            value = None
        if value is None:
            continue  # unanswered: missing, no row
        if q.kind == "scale":
            response.answers.append(Answer(question_id=q.id, value=value))
        elif q.kind == "text":
            response.kommentar = value
        elif q.id in CHOICE_COLUMNS:
            setattr(response, q.id, value)
    db.session.add(response)
    db.session.flush()
    return response


@bp.get("/<token>/thanks")
def thanks(token):
    return render_template("answer/thanks.html", k=current_app.config["DISCLOSURE_K"])


@bp.get("/<token>/om")
def about(token):
    """"Om enkäten och dina uppgifter": what a public body owes the person it asks (GDPR art. 13).
    The facts are the product's own (what is stored, for how long, who sees what), so they are
    true for every förbund; the förbund adds whom to contact."""
    campaign: Campaign = g.campaign
    k = int(current_app.config["DISCLOSURE_K"])
    months = campaign.forbund.free_text_retention_months
    return render_template(
        "answer/about.html", forbund=campaign.forbund, k=k, days=current_app.config["DRAFT_DAYS"],
        comment_group=next(n for n in range(1, 10_000) if free_text_allowed(n, k=k)),
        comment_months=months if months is not None and months >= 0 else None,
        answer_years=current_app.config["RETENTION_RESPONSES_YEARS"],  # None: kept for good
    )


@bp.get("/<token>/tillganglighet")
def accessibility(token):
    """The accessibility statement (lagen om tillgänglighet till digital offentlig service)."""
    return render_template("answer/accessibility.html", forbund=g.campaign.forbund,
                           unreviewed=[lang for lang in g.languages if lang in g.instrument.unreviewed])


def fallback_instrument() -> Instrument:
    return instruments()[latest_version()]


@bp.context_processor
def participant_globals():
    """What the participant base template needs on every page, also on the status pages."""
    instrument = g.get("instrument") or fallback_instrument()
    return {"unreviewed_translation": current_language() in instrument.unreviewed, "footer_pages": FOOTER_PAGES}
