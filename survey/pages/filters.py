"""Filter values from the query string: a page never fails on a value it does not know, it
shows its default and says why (a notice), so old bookmarks and typed addresses keep working."""
from __future__ import annotations

from flask_babel import gettext as _

from .. import periods


def choose(raw: str | None, allowed, default, notices: list[str], message: str):
    """A filter value from the query string: allowed values pass, others are ignored with a notice."""
    if raw is None or raw == "":
        return default
    if raw in allowed:
        return raw
    notices.append(message)
    return default


def choose_year(raw: str | None, years: list[int], notices: list[str], shown: list[int] | None = None) -> int | None:
    """The asked year, or the year the page opens on (periods.default_year: the latest ended
    year with a shown figure, not the running, almost empty one); a preliminary year gets a notice."""
    if not years:
        return None
    latest = periods.default_year(years, shown)
    year = latest
    if raw not in (None, ""):
        try:
            year = int(raw)
        except ValueError:
            notices.append(_("“%(value)s” is not a year; showing %(year)s.", value=raw[:20], year=latest))
            year = latest
        else:
            if year not in years:
                notices.append(_("There are no figures for %(value)s; showing %(year)s.", value=year, year=latest))
                year = latest
    notice = periods.preliminary_notice(year)
    if notice:
        notices.append(notice)
    return year

