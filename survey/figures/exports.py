"""Exports in the exchange formats of EXCHANGE.md: indicator and outcome tables (disclosure applied)
and a förbund's raw responses (the import format, so that a round trip changes nothing).

The indicator and outcome exports pick their rows from the same cached, fully suppressed tables
the dashboards and reports use (tables.py: all förbund, all years, by gender and insats, with
riket), and filter only after disclosure. So a cell hidden on a page is hidden in every export and
the other way round, and two exports with different filters cannot be differenced into a hidden
cell (DISCLOSURE.md rule 7).
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from decimal import Decimal
from numbers import Number

import pandas as pd
from sqlalchemy import func, select

from indicators.compute import INDICATOR_COLUMNS
from indicators.disclosure import DEFAULT_K, GENDER_TOTAL, free_text_allowed
from indicators.instrument import instruments, latest_version
from indicators.outcomes import EXPORT_RATES, OUTCOME_COLUMNS

from ..extensions import db
from ..models import Answer, AvslutRecord, Forbund, Insats, Response
from . import tables

NATIONAL = tables.NATIONAL
FORMULA_STARTS = ("=", "+", "-", "@")
# Swedish Excel opens a CSV file split on ";" (and tabs), so "Bra stöd;=1+1" would put =1+1 in a
# cell of its own: a formula start after such a separator gets the quote too.
FORMULA_AFTER_SEPARATOR = re.compile(r"([;\t]\s*)([=+\-@])")

RESPONSE_FIXED = ["response_id", "forbund", "insats", "year", "respondent_group", "instrument_version",
                  "kon", "alder", "utfall"]
AVSLUT_COLUMNS = ["record_id", "forbund", "insats", "year", "kon", "alder", "manader",
                  "forsorjning_fore", "forsorjning_efter", "utfall"]

# Excel is read by people: Swedish headings there; CSV keeps the exchange codes.
SWEDISH_HEADINGS = {
    "forbund": "Förbund", "year": "År", "respondent_group": "Respondentgrupp", "indicator": "Indikator",
    "gender": "Kön", "n_responses": "Antal svar", "valid": "Giltiga svar", "positive": "Positiva svar",
    "value": "Andel (%)", "suppressed": "Dold", "hidden_reason": "Skäl (few: färre än k svar, protects: skyddar en annan uppgift)",
    "source": "Källa", "rate": "Mått",
    "n": "Antal", "numerator": "Täljare",
}


def answer_columns() -> list[str]:
    """Question columns of the responses file: the newest version's order, then any question
    that only older versions have."""
    columns = list(instruments()[latest_version()].answer_columns)
    for inst in instruments().values():
        columns += [q for q in inst.answer_columns if q not in columns]
    return columns


def response_columns() -> list[str]:
    """The import format's columns; kommentar is imported but exported on its own (comments_export)."""
    return [*RESPONSE_FIXED, *answer_columns(), "kommentar"]


COMMENT_COLUMNS = ["year", "respondent_group", "kommentar"]


class UnknownForbund(ValueError):
    pass


def _forbund_code(code: str | None) -> str | None:
    if code is not None and db.session.scalar(select(Forbund.id).where(Forbund.code == code)) is None:
        raise UnknownForbund(f"no förbund with code '{code}'")
    return code


def _pick(table: pd.DataFrame, keep: pd.Series, years, forbund: str | None, national: bool,
          columns) -> pd.DataFrame:
    """Rows of a full (already suppressed, sorted) table: filtering keeps the order."""
    if years is not None:
        keep &= table["year"].isin([int(y) for y in years])
    if forbund is not None:
        mine = table["forbund"].eq(forbund)
        if national:
            mine |= table["forbund"].eq(NATIONAL)
        keep &= mine
    return table.loc[keep, list(columns)].reset_index(drop=True)


def indicators_export(*, years=None, forbund: str | None = None, by_gender: bool = False,
                      k: int = DEFAULT_K, national: bool = False) -> pd.DataFrame:
    """The `export indicators` table. With `forbund`, only its rows (and `riket` when national).

    The förbund's own figures (insats `alla`) of the full table; without by_gender only the `alla`
    gender rows. Suppression includes the insats and gender siblings even where those rows are
    not exported, exactly as on the pages."""
    forbund = _forbund_code(forbund)
    table = tables.indicators(k)
    keep = table["insats"].eq(tables.INSATS_TOTAL)
    if not by_gender:
        keep &= table["gender"].eq(GENDER_TOTAL)
    return _pick(table, keep, years, forbund, national, INDICATOR_COLUMNS)


def outcomes_export(*, years=None, forbund: str | None = None, source: str | None = None,
                    k: int = DEFAULT_K, national: bool = False) -> pd.DataFrame:
    """The `export outcomes` table: the export's five rates of the full table; sources are never
    pooled, so filtering on one after disclosure is the same as on the pages."""
    if source not in (None, "avslut", "enkat"):
        raise ValueError(f"unknown source '{source}'")
    forbund = _forbund_code(forbund)
    table = tables.outcomes(k)
    keep = table["rate"].isin(EXPORT_RATES)
    if source is not None:
        keep &= table["source"].eq(source)
    return _pick(table, keep, years, forbund, national, OUTCOME_COLUMNS)


def responses_export(forbund_id: int) -> pd.DataFrame:
    """One förbund's raw responses in the responses format (all text, blanks as ''), without
    kommentar (EXCHANGE.md: comments_export has them, apart from any background variable) and
    in random order: the database's ids follow submission, so neither they nor their order
    leave the database, and a row cannot be matched to the moment it was sent."""
    r = Response.__table__.c
    rows = db.session.execute(
        select(r.id, r.response_key, Forbund.code, Insats.code, r.year, r.respondent_group,
               r.instrument_version, r.kon, r.alder, r.utfall)
        .join(Forbund, Forbund.id == r.forbund_id)
        .outerjoin(Insats, Insats.id == r.insats_id)
        .where(r.forbund_id == forbund_id)
    ).all()
    columns = [c for c in response_columns() if c != "kommentar"]
    answers: dict[int, dict[str, int]] = {}
    for response_id, question, value in db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.forbund_id == forbund_id)
    ):
        answers.setdefault(response_id, {})[question] = value
    questions = answer_columns()
    records = []
    for row in rows:
        mine = answers.get(row[0], {})
        records.append([*row[1:], *(mine.get(q) for q in questions)])
    secrets.SystemRandom().shuffle(records)
    return pd.DataFrame(records, columns=columns, dtype=object)


def comments_export(forbund_id: int, *, year: int | None = None, k: int = DEFAULT_K) -> pd.DataFrame:
    """One förbund's free-text comments with year and respondent group only, in random order,
    from groups (year and respondent group) of at least ten responses (DISCLOSURE.md rule 7;
    the engine's free_text_allowed decides)."""
    r = Response.__table__.c
    where = [r.forbund_id == forbund_id, *([r.year == year] if year is not None else [])]
    sizes = dict(((y, g), n) for y, g, n in db.session.execute(
        select(r.year, r.respondent_group, func.count()).where(*where).group_by(r.year, r.respondent_group)))
    allowed = {key for key, n in sizes.items() if free_text_allowed(n, k=k)}
    rows = [tuple(row) for row in db.session.execute(
        select(r.year, r.respondent_group, r.kommentar).where(*where, r.kommentar.is_not(None), r.kommentar != ""))
        if (row[0], row[1]) in allowed]
    secrets.SystemRandom().shuffle(rows)
    return pd.DataFrame(rows, columns=COMMENT_COLUMNS, dtype=object)


def avslut_export(forbund_id: int) -> pd.DataFrame:
    t = AvslutRecord.__table__.c
    rows = db.session.execute(
        select(t.record_key, Forbund.code, Insats.code, t.year, t.kon, t.alder, t.manader,
               t.forsorjning_fore, t.forsorjning_efter, t.utfall)
        .join(Forbund, Forbund.id == t.forbund_id)
        .outerjoin(Insats, Insats.id == t.insats_id)
        .where(t.forbund_id == forbund_id)
        .order_by(t.year, t.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=AVSLUT_COLUMNS, dtype=object)


# --------------------------------------------------------------------------- writing
def safe_text(value):
    """A text cell that a spreadsheet would run as a formula gets a leading quote. Numbers stay
    numbers (a negative number is data, not a formula)."""
    if not isinstance(value, str):
        return value
    if ";" in value or "\t" in value:
        value = FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item") and not isinstance(value, (str, Decimal)):  # numpy scalar
        value = value.item()
    return safe_text(value)


def _rows(df: pd.DataFrame):
    for row in df.itertuples(index=False, name=None):
        yield [_cell(v) for v in row]


def _csv_column(column: pd.Series) -> list[str]:
    """One column as CSV text, column-wise (a per-cell loop is the slow part of a big export)."""
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.astype("string").fillna("").tolist()
    out = []
    for value in column.tolist():
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            out.append("")
        elif isinstance(value, str):
            out.append(safe_text(value))
        else:
            out.append(str(value))
    return out


def write_csv(df: pd.DataFrame, stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(df.columns)
    writer.writerows(zip(*(_csv_column(df[c]) for c in df.columns)))


def csv_text(df: pd.DataFrame) -> str:
    buffer = io.StringIO()
    write_csv(df, buffer)
    return buffer.getvalue()


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_workbook():
    from openpyxl import Workbook  # only Excel files need it: 0.14 s to import, e.g. for every report command

    return Workbook(write_only=True)


def append_sheet(wb, name: str, df: pd.DataFrame, headings: list[str]) -> None:
    """A sheet of `df` under `headings`: text made formula-safe, other values as they are."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    for i, heading in enumerate(headings, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(heading)) + 2))
    ws.append(headings)
    for row in _rows(df):
        ws.append([v if v is None or isinstance(v, (str, Number)) else str(v) for v in row])


def workbook_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(df: pd.DataFrame, *, swedish_headings: bool = True, sheet: str = "Data") -> bytes:
    wb = new_workbook()
    append_sheet(wb, sheet, df, [SWEDISH_HEADINGS.get(c, c) if swedish_headings else c for c in df.columns])
    return workbook_bytes(wb)


def write_table(df: pd.DataFrame, out: str | None, *, swedish_headings: bool = True, stdout=None) -> None:
    """CSV to `stdout` when out is None; `.xlsx` files get Excel, anything else CSV."""
    if out is None:
        write_csv(df, stdout)
    elif out.lower().endswith(".xlsx"):
        with open(out, "wb") as fh:
            fh.write(xlsx_bytes(df, swedish_headings=swedish_headings))
    else:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            write_csv(df, fh)
