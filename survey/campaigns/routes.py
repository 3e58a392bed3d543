"""Insatser and campaigns for förbund staff; the campaign's link, QR code and A4 poster.

Who may do what (issue 2): the system administrator works in every förbund, a förbund
administrator manages their own förbund, a förbund user may only look, and an NNS analyst has no
business here (403). Another förbund's campaign or insats is a 404, so ids are not confirmed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response as HttpResponse
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from indicators.instrument import get_instrument, instruments, latest_version

from .. import corrections, navigation
from ..access import check_forbund, roles_required
from ..extensions import db
from ..figures import tables
from ..i18n import current_language
from ..models import DEFAULT_SEND_GRACE_DAYS, Campaign, Forbund, Insats, Response, Role
from . import bp, qr
from .. import answer_codes
from .forms import ArchiveForm, CampaignForm, CodesForm, InsatsForm, ParticipantInformationForm

VIEW_ROLES = (Role.ADMIN, Role.FORBUND_ADMIN, Role.FORBUND_USER)
EDIT_ROLES = (Role.ADMIN, Role.FORBUND_ADMIN)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_DAYS_OPEN = 28

navigation.register_link("campaigns.index", _l("Campaigns"), VIEW_ROLES)
navigation.register_link("campaigns.insatser", _l("Interventions (insatser)"), VIEW_ROLES)
navigation.register_link("campaigns.information", _l("Information for participants"), EDIT_ROLES)


# ---------------------------------------------------------------------------------- helpers
def today() -> date:
    """Campaign dates are Swedish calendar days, whatever the server's clock zone."""
    return datetime.now(STOCKHOLM).date()


def is_admin() -> bool:
    return current_user.role == Role.ADMIN


def can_edit() -> bool:
    return current_user.role in {r.value for r in EDIT_ROLES}


def visible(stmt, forbund_column):
    """Limit a query to what the user may see: every förbund for the administrator, else their own."""
    return stmt if is_admin() else stmt.where(forbund_column == current_user.forbund_id)


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    check_forbund(campaign.forbund_id)
    return campaign


def get_insats(insats_id: int) -> Insats:
    insats = db.session.get(Insats, insats_id)
    if insats is None:
        abort(404)
    check_forbund(insats.forbund_id)
    return insats


def participant_url(campaign: Campaign) -> str:
    """The public link participants open, from the configured PUBLIC_URL (or SERVER_NAME): a
    request's Host header never decides where a QR code or poster sends people. Only in
    development without either does it follow the request."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return f"{public}/e/{campaign.token}"
    if "answer.start" in current_app.view_functions:
        return url_for("answer.start", token=campaign.token, _external=True)
    return request.url_root + "e/" + campaign.token


def status_labels() -> dict[str, str]:
    return {"not_open": _("Not open yet"), "open": _("Open"), "closed": _("Closed"), "archived": _("Archived")}


def group_label(version: str, group: str) -> str:
    instrument = instruments().get(version) or get_instrument(latest_version())
    labels = instrument.groups.get(group, {}).get("label")
    return instrument.label(labels, current_language()) if labels else group


def response_count(campaign_id: int) -> int:
    return db.session.scalar(select(func.count(Response.id)).where(Response.campaign_id == campaign_id)) or 0


def _shown_responses(campaign: Campaign) -> tuple[int | None, str]:
    """(responses or None where hidden, hidden reason) as the disclosure engine publishes them."""
    siblings = db.session.execute(select(Campaign.id, Campaign.opens_on, Campaign.respondent_group)
                                  .where(Campaign.forbund_id == campaign.forbund_id)).all()
    n, hidden, reason = tables.campaign_counts(
        campaign.forbund_id, [(s.id, s.opens_on.year, s.respondent_group) for s in siblings])[campaign.id]
    return (None if hidden else n), reason


def forbund_choices(first_label: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Forbund).order_by(Forbund.name)).all()
    return [("", first_label)] + [(str(f.id), f"{f.name} ({f.code})") for f in rows]


# ---------------------------------------------------------------------------------- insatser
@bp.get("/insatser/")
@roles_required(*VIEW_ROLES)
def insatser():
    archived = request.args.get("archived") == "1"
    stmt = visible(select(Insats).options(joinedload(Insats.forbund)), Insats.forbund_id)
    rows = db.session.scalars(stmt.join(Insats.forbund).order_by(Forbund.name, Insats.code)).all()
    shown = [i for i in rows if bool(i.archived) == archived]
    return render_template("campaigns/insatser.html", insatser=shown, can_edit=can_edit(), show_forbund=is_admin(),
                           archived=archived, other_count=len(rows) - len(shown), form=ArchiveForm())


def _insats_form(insats: Insats | None = None) -> InsatsForm:
    form = InsatsForm(obj=insats) if insats is not None else InsatsForm()
    if is_admin() and insats is None:
        form.forbund.choices = forbund_choices(_("Choose förbund"))
    else:
        # The förbund of an insats is fixed: its responses and campaigns belong to it.
        del form.forbund
    return form


def _save_insats(form: InsatsForm, insats: Insats | None) -> Insats | None:
    """Store the insats, or add a message to the form when the code is taken."""
    message = _("The förbund already has an insats with this code. Choose another code.")
    if insats is None:
        forbund_id = form.forbund.data if "forbund" in form._fields else current_user.forbund_id
    else:
        forbund_id = insats.forbund_id
    taken = db.session.scalar(select(Insats.id).where(
        Insats.forbund_id == forbund_id, Insats.code == form.code.data,
        Insats.id != (insats.id if insats is not None else 0)))
    if taken:
        form.code.errors.append(message)
        return None
    if insats is None:
        insats = Insats(forbund_id=forbund_id)
        db.session.add(insats)
    insats.code, insats.name = form.code.data, form.name.data
    try:
        db.session.commit()
    except IntegrityError:  # two people saving the same code at once
        db.session.rollback()
        form.code.errors.append(message)
        return None
    return insats


@bp.route("/insatser/new", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def insats_new():
    if not is_admin() and current_user.forbund_id is None:
        abort(403)
    form = _insats_form()
    if form.validate_on_submit() and _save_insats(form, None):
        flash(_("The insats %(code)s has been created.", code=form.code.data))
        return redirect(url_for("campaigns.insatser"))
    return render_template("campaigns/insats_form.html", form=form, insats=None)


@bp.route("/insatser/<int:insats_id>/edit", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def insats_edit(insats_id: int):
    insats = get_insats(insats_id)
    form = _insats_form(insats)
    if form.validate_on_submit() and _save_insats(form, insats):
        flash(_("The insats %(code)s has been saved.", code=insats.code))
        return redirect(url_for("campaigns.insatser"))
    return render_template("campaigns/insats_form.html", form=form, insats=insats)


def _archive(obj, back: str):
    """Archive (action=archive) or restore (action=restore) a campaign or insats."""
    action = request.form.get("action")
    if not ArchiveForm().validate_on_submit() or action not in ("archive", "restore"):
        flash(_("Nothing was changed."))
        return redirect(back)
    changed = corrections.set_archived(obj, action == "archive", user_id=current_user.id)
    if not changed:
        flash(_("Nothing was changed."))
    elif action == "archive":
        flash(_("Archived. It no longer appears in the lists and choices; its data and figures stay."))
    else:
        flash(_("Restored from the archive."))
    return redirect(back)


@bp.post("/insatser/<int:insats_id>/archive")
@roles_required(*EDIT_ROLES)
def insats_archive(insats_id: int):
    insats = get_insats(insats_id)
    return _archive(insats, url_for("campaigns.insatser", **({"archived": "1"} if insats.archived else {})))


@bp.post("/campaigns/<int:campaign_id>/archive")
@roles_required(*EDIT_ROLES)
def archive(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return _archive(campaign, url_for("campaigns.show", campaign_id=campaign.id))


# ---------------------------------------------------------------------------------- campaigns
@bp.get("/campaigns/")
@roles_required(*VIEW_ROLES)
def index():
    # Released counts through the disclosure engine, per förbund (rule 4 and complementary
    # suppression: the same figures as the förbund's dashboard), before the campaigns are loaded
    # (taking a release commits).
    archived = request.args.get("archived") == "1"
    keys = db.session.execute(visible(select(Campaign.id, Campaign.forbund_id, Campaign.opens_on,
                                             Campaign.respondent_group), Campaign.forbund_id)).all()
    shown: dict[int, tuple[int, bool, str]] = {}
    for forbund_id in {k.forbund_id for k in keys}:
        shown.update(tables.campaign_counts(forbund_id, [(k.id, k.opens_on.year, k.respondent_group)
                                                         for k in keys if k.forbund_id == forbund_id]))
    stmt = (select(Campaign).options(joinedload(Campaign.forbund), joinedload(Campaign.insats))
            .order_by(Campaign.opens_on.desc(), Campaign.id.desc()))
    every = db.session.scalars(visible(stmt, Campaign.forbund_id)).unique().all()
    # Archived campaigns keep their place in the figures above (siblings), only the list hides them.
    rows = [c for c in every if bool(c.archived) == archived]
    day = today()
    campaigns = [
        {"campaign": c, "responses": None if shown[c.id][1] else shown[c.id][0], "reason": shown[c.id][2],
         "status": c.status(day), "group": group_label(c.instrument_version, c.respondent_group)}
        for c in rows
    ]
    return render_template("campaigns/index.html", campaigns=campaigns, statuses=status_labels(),
                           can_edit=can_edit(), show_forbund=is_admin(), k=current_app.config["DISCLOSURE_K"],
                           archived=archived, other_count=len(every) - len(rows))


def _campaign_form(campaign: Campaign | None) -> tuple[CampaignForm, dict]:
    if campaign is None:
        start = today()
        form = CampaignForm(data={
            "instrument_version": latest_version(), "opens_on": start,
            "closes_on": start + timedelta(days=DEFAULT_DAYS_OPEN), "optional_questions": [],
            "send_grace_days": DEFAULT_SEND_GRACE_DAYS,
        })
    else:
        form = CampaignForm(data={
            "title": campaign.title, "public_title": campaign.public_title,
            "forbund": campaign.forbund_id, "insats": campaign.insats_id,
            "respondent_group": campaign.respondent_group, "instrument_version": campaign.instrument_version,
            "opens_on": campaign.opens_on, "closes_on": campaign.closes_on,
            "optional_questions": list(campaign.optional_questions or []), "send_grace_days": campaign.send_grace_days,
            "uses_codes": campaign.uses_codes,
        })
    lang = current_language()
    if is_admin():
        form.forbund.choices = forbund_choices(_("Choose förbund"))
    else:
        del form.forbund

    insats_stmt = visible(select(Insats).join(Insats.forbund).options(joinedload(Insats.forbund)),
                          Insats.forbund_id).order_by(Forbund.name, Insats.code)
    # Archived insatser are not offered, except the one the campaign already has.
    insatser = [i for i in db.session.scalars(insats_stmt).all()
                if not i.archived or (campaign is not None and i.id == campaign.insats_id)]
    form.insats.choices = [("", _("No insats (staff groups only)"))] + [
        (str(i.id), f"{i.forbund.name}: {i.name} ({i.code})" if is_admin() else f"{i.name} ({i.code})")
        for i in insatser
    ]

    # Groups and optional questions are offered from every loaded version (newest first); the
    # chosen version then decides what is valid, with a message that says so.
    versions = sorted(instruments(), reverse=True)
    form.instrument_version.choices = [
        (v, f"{v} ({_('working version')})" if instruments()[v].status == "working" else v) for v in versions
    ]
    groups: dict[str, str] = {}
    optional: dict[str, dict] = {}
    for v in versions:
        instrument = instruments()[v]
        for code, group in instrument.groups.items():
            groups.setdefault(code, instrument.label(group["label"], lang))
        for code in instrument.groups:
            for q in instrument.optional_questions(code):
                info = optional.setdefault(q.id, {"label": instrument.label(q.text, lang), "groups": []})
                if groups[code] not in info["groups"]:
                    info["groups"].append(groups[code])
    form.respondent_group.choices = [("", _("Choose respondent group"))] + list(groups.items())
    # In questionnaire order (omsorg, vald_rutin, kommentar), not in the order groups found them.
    order: dict[str, int] = {}
    for v in versions:  # newest first: its order wins
        for n, qid in enumerate(instruments()[v].questions):
            order.setdefault(qid, n)
    optional = dict(sorted(optional.items(), key=lambda item: order[item[0]]))
    form.optional_questions.choices = [(qid, info["label"]) for qid, info in optional.items()]
    insats_forbund = {i.id: i.forbund_id for i in insatser}
    return form, {"optional_info": optional, "insats_forbund": insats_forbund}


def _handle_campaign_form(campaign: Campaign | None):
    form, extra = _campaign_form(campaign)
    has_responses = campaign is not None and response_count(campaign.id) > 0
    if form.is_submitted():
        fields_ok = form.validate()
        forbund_id = form.forbund.data if "forbund" in form._fields else (
            campaign.forbund_id if campaign is not None else current_user.forbund_id)
        # The rules are checked even when a field failed, so that every problem is listed at once.
        rules_ok = form.check_against_instrument(forbund_id=forbund_id, insats_forbund=extra["insats_forbund"],
                                                 campaign=campaign, has_responses=has_responses)
        if fields_ok and rules_ok:
            if campaign is None:
                campaign = Campaign()
                db.session.add(campaign)
            campaign.forbund_id = forbund_id
            campaign.insats_id = form.insats.data
            campaign.title = form.title.data
            campaign.public_title = form.public_title.data or ""
            campaign.respondent_group = form.respondent_group.data
            campaign.instrument_version = form.instrument_version.data
            campaign.opens_on, campaign.closes_on = form.opens_on.data, form.closes_on.data
            campaign.send_grace_days = form.send_grace_days.data
            campaign.uses_codes = bool(form.uses_codes.data)
            # Keep the instrument's order, whatever order the boxes came in.
            chosen = set(form.optional_questions.data or ())
            campaign.optional_questions = [q for q, _label in form.optional_questions.choices if q in chosen]
            db.session.commit()
            flash(_("The campaign has been saved."))
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/campaign_form.html", form=form, campaign=campaign,
                           has_responses=has_responses, **extra)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def new():
    if not is_admin() and current_user.forbund_id is None:
        abort(403)
    return _handle_campaign_form(None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def edit(campaign_id: int):
    return _handle_campaign_form(get_campaign(campaign_id))


@bp.get("/campaigns/<int:campaign_id>")
@roles_required(*VIEW_ROLES)
def show(campaign_id: int):
    campaign = get_campaign(campaign_id)
    instrument = instruments().get(campaign.instrument_version)
    optional_labels = [
        instrument.label(instrument.questions[q].text, current_language())
        if instrument and q in instrument.questions else q
        for q in campaign.optional_questions or []
    ]
    return render_template(
        "campaigns/show.html", campaign=campaign, url=participant_url(campaign),
        status=status_labels()[campaign.status(today())], responses=_shown_responses(campaign),
        group=group_label(campaign.instrument_version, campaign.respondent_group),
        working=bool(instrument and instrument.status == "working"), optional_labels=optional_labels,
        can_edit=can_edit(), k=current_app.config["DISCLOSURE_K"],
        codes=answer_codes.handed_out(campaign.id) if campaign.uses_codes else None, codes_form=CodesForm(),
        archive_form=ArchiveForm(),
    )


@bp.post("/campaigns/<int:campaign_id>/codes")
@roles_required(*EDIT_ROLES)
def codes(campaign_id: int):
    """Make single-use answer codes and show them once, as cards to print (only hashes are kept)."""
    campaign = get_campaign(campaign_id)
    form = CodesForm()
    if not campaign.uses_codes or not form.validate_on_submit():
        message = form.count.errors[0] if form.count.errors else _("Turn on single-use codes for the campaign first.")
        flash(message)
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    made = answer_codes.issue(campaign, form.count.data)
    link = participant_url(campaign)
    cards = [{"code": code, "qr": qr.svg(f"{link}?kod={code}", title=_("QR code for the questionnaire")).decode()}
             for code in made]
    response = make_response(render_template("campaigns/codes.html", campaign=campaign, cards=cards, link=link))
    response.headers["Cache-Control"] = "no-store"  # shown once: the codes are not kept readable
    return response


def _file_name(campaign: Campaign, ext: str) -> str:
    # Codes are [a-z0-9-] (EXCHANGE.md), so the name is safe in a header as it is.
    return f"finsam-{campaign.forbund.code}-{campaign.id}.{ext}"


def _qr_response(campaign: Campaign, body: bytes, mimetype: str, ext: str) -> HttpResponse:
    disposition = "attachment" if request.args.get("download") else "inline"
    response = HttpResponse(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{_file_name(campaign, ext)}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/campaigns/information", methods=["GET", "POST"])
@roles_required(*EDIT_ROLES)
def information():
    """Whom participants may contact: shown on every campaign's "Om enkäten och dina
    uppgifter" and accessibility pages. The administrator picks the förbund (?forbund=code)."""
    if is_admin():
        code = request.args.get("forbund", "")
        forbund = db.session.scalar(select(Forbund).where(Forbund.code == code)) if code else None
        if forbund is None:
            choices = db.session.scalars(select(Forbund).order_by(Forbund.name)).all()
            return render_template("campaigns/information.html", form=None, forbund=None, choices=choices)
    else:
        forbund = db.session.get(Forbund, current_user.forbund_id)
    form = ParticipantInformationForm(obj=forbund)
    if form.validate_on_submit():
        form.populate_obj(forbund)
        db.session.commit()
        flash(_("The information for participants has been saved."))
        return redirect(url_for("campaigns.information", **({"forbund": forbund.code} if is_admin() else {})))
    example = db.session.scalar(select(Campaign).where(Campaign.forbund_id == forbund.id).order_by(Campaign.id.desc()))
    return render_template("campaigns/information.html", form=form, forbund=forbund, choices=None,
                           example_url=url_for("answer.about", token=example.token) if example else None)


@bp.get("/campaigns/<int:campaign_id>/qr.svg")
@roles_required(*VIEW_ROLES)
def qr_svg(campaign_id: int):
    campaign = get_campaign(campaign_id)
    body = qr.svg(participant_url(campaign), title=_("QR code for the questionnaire"))
    return _qr_response(campaign, body, "image/svg+xml", "svg")  # no charset: an image, not text


@bp.get("/campaigns/<int:campaign_id>/qr.png")
@roles_required(*VIEW_ROLES)
def qr_png(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return _qr_response(campaign, qr.png(participant_url(campaign)), "image/png", "png")


def _poster_context(campaign: Campaign) -> dict:
    instrument = instruments().get(campaign.instrument_version)
    participant = bool(instrument and instrument.is_participant_group(campaign.respondent_group))
    return {"campaign": campaign, "url": participant_url(campaign), "participant": participant}


@bp.get("/campaigns/<int:campaign_id>/poster")
@roles_required(*VIEW_ROLES)
def poster(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return render_template("campaigns/poster.html", qr_src=url_for("campaigns.qr_svg", campaign_id=campaign.id),
                           pdf=False, **_poster_context(campaign))


@bp.get("/campaigns/<int:campaign_id>/poster.pdf")
@roles_required(*VIEW_ROLES)
def poster_pdf(campaign_id: int):
    import base64
    import os

    from weasyprint import CSS, HTML

    campaign = get_campaign(campaign_id)
    context = _poster_context(campaign)
    # WeasyPrint gets the QR code and the stylesheet directly: no request back into the app.
    svg = qr.svg(context["url"], title=_("QR code for the questionnaire"))
    qr_src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    html = render_template("campaigns/poster.html", qr_src=qr_src, pdf=True, **context)
    css = CSS(filename=os.path.join(bp.static_folder, "poster.css"))
    # Nothing is fetched over the network (and never from the request's host).
    body = HTML(string=html, base_url=bp.static_folder + "/").write_pdf(stylesheets=[css])
    response = HttpResponse(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{_file_name(campaign, "pdf")}"'
    return response
