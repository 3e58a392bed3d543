"""Names of what the pages show, in the reader's language: indicators, respondent groups,
genders, outcome rates and sources, sub-goals, förbund and riket. The wording of indicators and
groups is the instrument's; these are the product's own labels around them."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from indicators.genuskompass import SOURCE_REGISTERED, SOURCE_SELF_REPORTED, SubGoal
from indicators.instrument import get_instrument, latest_version

from ..extensions import db
from ..figures import tables
from ..i18n import current_language
from ..models import Forbund

INSATS_TOTAL, NATIONAL = tables.INSATS_TOTAL, tables.NATIONAL

GENDERS = ("alla", "kvinna", "man", "ovriga")
GENDER_LABELS = {"alla": _l("All"), "kvinna": _l("Women"), "man": _l("Men"), "ovriga": _l("Other / not stated")}
RATE_LABELS = {
    "work": _l("Work (with or without subsidy)"), "subsidised_work": _l("Subsidised work"),
    "studies": _l("Studies"), "work_or_studies": _l("Work or studies"),
    "subsidised_share_of_work": _l("Share of work that is subsidised"),
    "sick_leave": _l("Sick leave or disability benefit"),
}
SOURCE_LABELS = {"avslut": _l("avslut records registered by staff"), "enkat": _l("participants' own answers")}
QUESTION_LABELS = {
    "omsorg": _l("Care for children or relatives limits participation"),
    "vald_rutin": _l("Staff routinely ask about violence"),
}
# Outcomes come from avslut records (registered by staff) or from the participants' own answers.
SOURCE_KINDS = {"avslut": SOURCE_REGISTERED, "enkat": SOURCE_SELF_REPORTED}
# Who an outcome rate speaks of: participants who completed the intervention, by either source.
OUTCOME_GROUP = "deltagare_avslut"

def instrument():
    return get_instrument(latest_version())


def indicator_name(number: int) -> str:
    ind = instrument().indicators.get(int(number))
    return instrument().label(ind.name, current_language()) if ind else str(number)


def group_name(code: str) -> str:
    group = instrument().groups.get(code)
    return instrument().label(group["label"], current_language()) if group else code


def subgoal_name(goal: SubGoal) -> str:
    """The exact Swedish name always; in English its translation follows in parentheses."""
    number = f"{goal.number}. " if goal.number else ""  # the comparisons outside the six have none
    if current_language() == "sv":
        return f"{number}{goal.name_sv}"
    return f"{number}{goal.name_sv} ({goal.name_en})"



def forbund_names() -> dict[str, str]:
    names = dict(db.session.execute(select(Forbund.code, Forbund.name)).all())
    names[NATIONAL] = national_label()
    return names


def national_label() -> str:
    """Riket pools only the förbund with responses in its year and group, not every förbund."""
    return _("Riket (participating förbund)")


def forbund_order(codes) -> list[str]:
    """Förbund by code, riket last (as the exports sort)."""
    return sorted((c for c in codes if c != NATIONAL)) + ([NATIONAL] if NATIONAL in set(codes) else [])
