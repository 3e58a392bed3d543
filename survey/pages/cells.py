"""Cells of published figures: a share with its counts, a count, or "–" with the reason the
engine gave for hiding it. Nothing here decides what is hidden: the published rows say so."""
from __future__ import annotations

import pandas as pd
from flask_babel import gettext as _

from indicators.rounding import needs_caution, percent_whole

from .. import formatting as fmt
from .model import Cell


def hidden_cell(row=None) -> Cell:
    """'–' with the reason the published row gives (fewer than k, or protecting another)."""
    reason = row.get("hidden_reason") if row is not None and hasattr(row, "get") else None
    return Cell(fmt.DASH, fmt.hidden_reason(reason or "few"), hidden=True)


def share_cell(row, positive: str = "positive", base: str = "valid", n: str | None = "n_responses") -> Cell:
    """A published percentage with its counts: '88,0 %' / '117 of 133 · n = 98'."""
    if row is None or int(row["suppressed"]) == 1 or row["value"] is None:
        return hidden_cell(row)
    detail = _("%(positive)s of %(total)s", positive=fmt.number(row[positive]), total=fmt.number(row[base]))
    if n and row[n] != row[base]:
        detail += " · " + _("n = %(n)s", n=fmt.number(row[n]))
    text, caution = cautious_percent(row["value"], row[positive], row[base])
    return Cell(text, detail + (" · " + caution if caution else ""))


def cautious_percent(value, positive, base) -> tuple[str, str]:
    """A published percentage as text, and the caution it carries ("" if none): on fewer than
    CAUTION_BELOW valid answers (indicators.rounding decides) it is whole, rounded from the
    counts, and "uncertain: few answers" goes with it."""
    if needs_caution(base):
        return fmt.percent(percent_whole(positive, base)), caution_text()
    return fmt.percent(value), ""


def caution_text() -> str:
    return _("uncertain: few answers")


def count_cell(value, suppressed, reason: str | None = None) -> Cell:
    if int(suppressed) == 1 or value is None or pd.isna(value):
        return hidden_cell({"hidden_reason": reason})
    return Cell(fmt.number(value))


def records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict("records")


def as_float(value) -> float | None:
    return None if value is None or value is pd.NA else float(value)

