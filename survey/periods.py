"""Which year a page opens on, and the one way a year that is still running is marked.

Responses come in campaign by campaign over the year, so until the year ends its figures rest on
the first campaigns only: few responses, mostly hidden, and not comparable with a whole year. A
page that opened on such a year would look empty, and a trend that ended in it would seem to
plunge. So pages open on the latest year that has a shown figure and has ended, and the running
year, wherever it appears (page, table, chart, export, report), is marked "preliminary: the
year is ongoing". Shared by the results pages and the reports (no blueprint imports another's).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
from flask_babel import gettext as _

PRELIMINARY_COLUMN = "preliminary"


def current_year() -> int:
    return date.today().year


def is_preliminary(year) -> bool:
    """A year that has not ended (the running year, or a later one a file may name)."""
    return year is not None and int(year) >= current_year()


def year_label(year) -> str:
    """'2025', or '2026 (preliminary: the year is ongoing)' for the running year."""
    if year is None:
        return ""
    if is_preliminary(year):
        return _("%(year)s (preliminary: the year is ongoing)", year=year)
    return str(year)


def preliminary_notice(year) -> str | None:
    if not is_preliminary(year):
        return None
    return _("%(year)s is preliminary: the year is ongoing, so its figures rest on the responses so far "
             "and will change as more come in. Compare whole years for trends.", year=year)


def default_year(years: Iterable[int], shown: Iterable[int] | None = None) -> int | None:
    """The year a page opens on: the latest ended year with a shown figure; failing that the
    latest year with a shown figure (even if preliminary); failing that the latest year.
    `shown`: the years with at least one figure not hidden (None: every year counts)."""
    years = sorted(int(y) for y in years)
    if not years:
        return None
    shown_set = None if shown is None else {int(y) for y in shown}
    candidates = [y for y in years if shown_set is None or y in shown_set] or years
    ended = [y for y in candidates if not is_preliminary(y)]
    return (ended or candidates)[-1]


def shown_years(frame: pd.DataFrame) -> list[int]:
    """Years of a published table with at least one figure not hidden."""
    if frame.empty or "year" not in frame.columns:
        return []
    return sorted(int(y) for y in frame.loc[frame["suppressed"].astype(int).eq(0), "year"].unique())


def mark_preliminary(frame: pd.DataFrame) -> pd.DataFrame:
    """An export's rows with a `preliminary` column (1 for the running year), when it has years."""
    if "year" not in frame.columns or PRELIMINARY_COLUMN in frame.columns:
        return frame
    flags = [int(is_preliminary(y)) if y is not None and not pd.isna(y) else 0 for y in frame["year"]]
    return frame.assign(**{PRELIMINARY_COLUMN: pd.array(flags, dtype="Int64")})
