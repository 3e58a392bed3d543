"""Import of responses and avslut records files (EXCHANGE.md).

Two steps: `check_file` reads and checks the WHOLE file and returns every problem with its line and
column, plus what would be stored; `store` writes a checked file in one transaction with bulk
inserts. Nothing is stored unless the whole file is valid; rows whose response_id/record_id is
already known are skipped, so importing the same file twice changes nothing. Every stored file
is an import batch (models.ImportBatch) whose id its new rows carry, so that it can be undone as
a whole within the undo window (survey/corrections.py).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, select

from indicators.instrument import instruments, latest_version
from indicators.outcomes import INCOME_CODES, UTFALL_CODES

from .extensions import db
from .formatting import number
from .models import Answer, AuditLog, AvslutRecord, Forbund, ImportBatch, Insats, Response, new_token
from .figures import cells as count_cells
from .figures.exports import AVSLUT_COLUMNS, RESPONSE_FIXED, answer_columns

MAX_ROWS = 200_000
MAX_BYTES = 64 * 1024 * 1024
MAX_UNPACKED = 128 * 1024 * 1024
"""What an .xlsx may unpack to (its parts' declared sizes, which zipfile never reads past): a
104 KB file holding one 100 MiB shared string took a worker from 334 to 811 MB."""
MAX_PROBLEMS = 200
"""Checking stops at this many problems: nothing is imported anyway, and a file of half a
million bad cells took seconds of a worker per upload."""
SHOWN_VALUE = 40
"""A value quoted in a problem is cut to this many characters."""
MAX_COMMENT = 4000
KINDS = ("responses", "avslut")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
KEY_MAX = 80
_BATCH = 5000


@dataclass(frozen=True)
class Problem:
    """One problem; `message` is already in the language of the page or command that checked the file."""
    line: int  # line in the file (the header is line 1); 0 = the file as a whole
    column: str  # column name, '' when the problem is not in one column
    message: str

    def __str__(self) -> str:
        if self.line and self.column:
            return _("line %(line)s, column %(column)s: %(message)s",
                     line=self.line, column=self.column, message=self.message)
        if self.line:
            return _("line %(line)s: %(message)s", line=self.line, message=self.message)
        if self.column:
            return _("column %(column)s: %(message)s", column=self.column, message=self.message)
        return self.message


@dataclass
class Checked:
    """A checked file: its problems, or the rows that storing it would add."""
    kind: str
    errors: list[Problem] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # new rows only, normalised
    total: int = 0  # data rows in the file
    known: int = 0  # rows whose id is already stored (skipped)
    new_forbund: set[str] = field(default_factory=set)
    new_insats: set[tuple[str, str]] = field(default_factory=set)

    @property
    def per_group_year(self) -> list[tuple[str, int, int]]:
        """(group or '', year, new rows), sorted: the preview of what would be added."""
        counter = Counter((r.get("respondent_group", ""), r["year"]) for r in self.rows)
        return sorted((g, y, n) for (g, y), n in counter.items())


@dataclass
class Result:
    kind: str
    added: int
    known: int
    new_forbund: list[str]
    new_insats: list[str]
    batch_id: int | None = None


class FileProblem(Exception):
    """The file cannot be read at all: one clear message (translated)."""


# --------------------------------------------------------------------------- reading
def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        unpacked = 0  # load_workbook below says what is wrong with it
    if unpacked > MAX_UNPACKED:
        raise FileProblem(_("The Excel file unpacks to more than %(mb)s MB. Save it as CSV UTF-8, or "
                            "split it into smaller files.", mb=number(MAX_UNPACKED // (1024 * 1024))))
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        for line, row in enumerate(ws.iter_rows(values_only=True), 1):
            yield line, [_cell_text(v) for v in row]
        wb.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as exc:
        raise FileProblem(_("The file is not a readable Excel (.xlsx) file. Save it again as .xlsx "
                            "or as CSV UTF-8 (%(reason)s).", reason=exc.__class__.__name__)) from None


def _read_csv(data: bytes):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise FileProblem(_("The file is not a text file (it contains NUL bytes). Use CSV UTF-8 or .xlsx."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileProblem(_("The file is not UTF-8 text (first unreadable byte on line %(line)s). "
                            "Save it as 'CSV UTF-8' or .xlsx and try again.", line=line)) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    end = 0
    try:
        for row in reader:
            yield end + 1, row  # a quoted field may span lines: report where the row starts
            end = reader.line_num
    except csv.Error as exc:
        raise FileProblem(_("line %(line)s: the CSV cannot be read (%(reason)s).",
                            line=end + 1, reason=exc)) from None


def read_rows(data: bytes, filename: str = ""):
    """(line, cells) for every row, header included; raises FileProblem."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(".xls"):
        raise FileProblem(_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV UTF-8."))
    return _read_csv(data)


def _unquote(value: str) -> str:
    """Undo the formula protection of our own exports ('=… → =…, also after a ";" or a tab:
    figures/exports.safe_text), so a round trip is exact."""
    value = _QUOTED_AFTER_SEPARATOR.sub(r"\1\2", value)
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


_QUOTED_AFTER_SEPARATOR = re.compile(r"([;\t]\s*)'([=+\-@])")


# --------------------------------------------------------------------------- checking
class _Checker:
    def __init__(self, kind: str, *, create: bool, only_forbund: str | None):
        self.kind = kind
        self.create = create
        self.only_forbund = only_forbund
        self.out = Checked(kind)
        self.forbund = dict(db.session.execute(select(Forbund.code, Forbund.id)).all())
        self.insats = {
            (fc, ic) for fc, ic in db.session.execute(
                select(Forbund.code, Insats.code).join(Insats, Insats.forbund_id == Forbund.id))
        }
        self.archived_insats = {
            (fc, ic) for fc, ic in db.session.execute(
                select(Forbund.code, Insats.code).join(Insats, Insats.forbund_id == Forbund.id)
                .where(Insats.archived))
        }
        self.instruments = instruments()
        latest = self.instruments[latest_version()]
        self.choices = {q: set(latest.questions[q].choice_codes) for q in ("kon", "alder", "utfall")}
        self.year_max = date.today().year + 1
        self.seen_ids: dict[str, int] = {}
        self.kon_reported = False

    def error(self, line: int, column: str, message: str) -> None:
        self.out.errors.append(Problem(line, _short(column), message))
        if len(self.out.errors) >= MAX_PROBLEMS:
            raise _TooMany

    # -- columns
    def header(self, cells: list[str]) -> list[str | None]:
        known, required = columns(self.kind), required_columns(self.kind)
        by_lower = {c.lower(): c for c in known}
        names: list[str | None] = []
        self.unnamed: set[int] = set()
        # A file of the other kind: one clear problem instead of a line per unknown column.
        other = columns("avslut" if self.kind == "responses" else "responses")
        theirs = {c.lower() for c in other} - set(by_lower)
        stripped = [raw.strip().lstrip("\ufeff") for raw in cells]
        given = [name.lower() for name in stripped]
        looks_like = [name for name in given if name in theirs]
        if len(looks_like) >= 2 and all(not name or name in by_lower or name in theirs for name in given):
            kind_name = _("avslut records") if self.kind == "responses" else _("responses")
            self.error(1, "", _("This looks like a file of %(kind)s (columns %(columns)s). Choose that kind of "
                                "file and send it again.", kind=kind_name, columns=", ".join(looks_like[:4])))
            raise _OtherKind
        for position, (name, lower) in enumerate(zip(stripped, given), 1):
            canonical = by_lower.get(lower)
            if not name:
                self.unnamed.add(position - 1)
                names.append(None)
            elif canonical is None:
                self.error(1, name, _("unknown column (column %(position)s); allowed are %(allowed)s",
                                      position=position, allowed=", ".join(known)))
                names.append(None)
            elif canonical in names:
                self.error(1, name, _("the column appears twice (column %(position)s)", position=position))
                names.append(None)
            else:
                names.append(canonical)
        for name in required:
            if name not in names:
                self.error(1, name, _("required column is missing"))
        self.present = {n for n in names if n}
        return names

    # -- shared fields
    def check_forbund(self, line: int, code: str) -> str | None:
        code = code.lower()
        if not code:
            if "forbund" in self.present:
                self.error(line, "forbund", _("empty; give the förbund code"))
            return None
        if not CODE_RE.match(code):
            self.error(line, "forbund", _("'%(code)s' is not a code (lowercase letters, digits and -)",
                                         code=_short(code)))
            return None
        if self.only_forbund is not None and code != self.only_forbund:
            self.error(line, "forbund", _("'%(code)s' is another förbund; only rows for '%(own)s' "
                                          "can be imported here", code=_short(code), own=self.only_forbund))
            return None
        if code not in self.forbund:
            if not self.create:
                self.error(line, "forbund", _("unknown förbund '%(code)s' (import with --create to add it)",
                                              code=_short(code)))
                return None
            self.out.new_forbund.add(code)
        return code

    def check_insats(self, line: int, forbund: str | None, code: str, required: bool) -> str | None:
        code = code.lower()
        if not code:
            if required:
                self.error(line, "insats", _("empty; participant responses need the insats code"))
            return None
        if not CODE_RE.match(code):
            self.error(line, "insats", _("'%(code)s' is not a code (lowercase letters, digits and -)",
                                         code=_short(code)))
            return None
        if forbund is not None and (forbund, code) not in self.insats:
            if not self.create:
                if self.only_forbund is None:  # the command line
                    self.error(line, "insats", _("unknown insats '%(code)s' in förbund '%(forbund)s' "
                                                 "(import with --create to add it)", code=_short(code), forbund=forbund))
                else:  # the web form, whose own checkbox adds it
                    self.error(line, "insats", _("unknown insats '%(code)s'; tick “%(box)s” to add it",
                                                 code=_short(code), box=_("Add insats codes that do not exist yet")))
                return None
            self.out.new_insats.add((forbund, code))
        elif (forbund, code) in self.archived_insats:
            self.error(line, "insats", _("the insats '%(code)s' is archived; restore it on the insatser page "
                                         "to import data for it", code=_short(code)))
            return None
        return code

    def check_year(self, line: int, value: str) -> int | None:
        if not value:
            if "year" in self.present:
                self.error(line, "year", _("empty; give the year with four digits"))
            return None
        if not re.fullmatch(r"\d{4}", value) or not 2000 <= int(value) <= self.year_max:
            self.error(line, "year", _("'%(value)s' is not a year between 2000 and %(last)s",
                                       value=_short(value), last=self.year_max))
            return None
        return int(value)

    def check_code(self, line: int, column: str, value: str, allowed) -> str | None:
        if not value:
            return None
        if value not in allowed:  # "Kvinna" is kvinna (looked for only where the exact code is not)
            value = next((code for code in allowed if code.lower() == value.lower()), value)
        if value not in allowed:
            self.error(line, column, _("'%(value)s' is not a code; use one of %(codes)s",
                                       value=_short(value), codes=", ".join(sorted(allowed))))
            return None
        return value

    def check_id(self, line: int, column: str, value: str) -> str | None:
        if not value:
            return None
        if len(value) > KEY_MAX:
            self.error(line, column, _("longer than %(n)s characters", n=KEY_MAX))
            return None
        if value in self.seen_ids:
            self.error(line, column, _("'%(value)s' is also on line %(line)s; ids must be unique",
                                       value=_short(value), line=self.seen_ids[value]))
            return None
        self.seen_ids[value] = line
        return value

    # -- rows
    def response_row(self, line: int, get) -> dict:
        row: dict = {"line": line, "key": self.check_id(line, "response_id", _unquote(get("response_id")))}
        row["forbund"] = self.check_forbund(line, get("forbund"))
        row["year"] = self.check_year(line, get("year"))
        version, group = get("instrument_version"), get("respondent_group").lower()
        if version not in self.instruments:
            version = next((v for v in self.instruments if v.lower() == version.lower()), version)
        inst = self.instruments.get(version)
        if not version:
            if "instrument_version" in self.present:
                self.error(line, "instrument_version", _("empty; give the version, e.g. 2021-A"))
        elif inst is None:
            self.error(line, "instrument_version", _("unknown instrument version '%(version)s'; known are %(known)s",
                                                     version=_short(version), known=", ".join(sorted(self.instruments))))
        groups = (inst or self.instruments[latest_version()]).groups
        participant = bool(groups.get(group, {}).get("participant"))
        if not group:
            if "respondent_group" in self.present:
                self.error(line, "respondent_group", _("empty; give the respondent group"))
        elif group not in groups:
            self.error(line, "respondent_group", _("'%(group)s' is not a respondent group; use one of %(groups)s",
                                                   group=_short(group), groups=", ".join(groups)))
            group = None
        row.update(respondent_group=group or None, instrument_version=version)
        row["insats"] = self.check_insats(line, row["forbund"], get("insats"), required=participant)
        if participant and "kon" not in self.present and not self.kon_reported:
            # Without kön every participant would count as Övriga / ej uppgett, silently.
            self.kon_reported = True
            self.error(1, "kon", _("required column is missing: participant responses need it (leave a cell "
                                   "empty where the person did not say)"))
        for column in ("kon", "alder", "utfall"):
            value = get(column)
            asked = participant and (column != "utfall" or group == "deltagare_avslut")
            if value and group and not asked:
                self.error(line, column, _("not asked of group %(group)s; leave it empty", group=group))
                value = ""
            row[column] = self.check_code(line, column, value, self.choices[column])
        answers = {}
        for question in self.answer_columns:
            value = get(question)
            if not value:
                continue
            q = inst.questions.get(question) if inst else None
            if inst is not None and (q is None or q.scale is None):
                self.error(line, question, _("not a question of instrument version %(version)s; leave it empty",
                                             version=version))
                continue
            if q is not None and group and group not in q.groups:
                self.error(line, question, _("not asked of group %(group)s; leave it empty", group=group))
                continue
            steps = q.scale.valid_steps if q is not None else range(1, 5)
            if not value.isdigit() or (int(value) not in steps and int(value) != 9):
                self.error(line, question, _("'%(value)s' is not an answer; use %(low)s–%(high)s, "
                                             "9 (don't know) or leave it empty",
                                             value=_short(value), low=steps[0], high=steps[-1]))
                continue
            answers[question] = int(value)
        row["answers"] = answers
        comment = _unquote(get("kommentar"))
        if len(comment) > MAX_COMMENT:
            self.error(line, "kommentar", _("longer than %(n)s characters", n=MAX_COMMENT))
        row["kommentar"] = comment or None
        return row

    def avslut_row(self, line: int, get) -> dict:
        row: dict = {"line": line, "key": self.check_id(line, "record_id", _unquote(get("record_id")))}
        row["forbund"] = self.check_forbund(line, get("forbund"))
        row["year"] = self.check_year(line, get("year"))
        row["insats"] = self.check_insats(line, row["forbund"], get("insats"), required=False)
        row["kon"] = self.check_code(line, "kon", get("kon"), self.choices["kon"])
        row["alder"] = self.check_code(line, "alder", get("alder"), self.choices["alder"])
        row["utfall"] = self.check_code(line, "utfall", get("utfall"), set(UTFALL_CODES))
        for column in ("forsorjning_fore", "forsorjning_efter"):
            row[column] = self.check_code(line, column, get(column), set(INCOME_CODES))
        months = get("manader")
        row["manader"] = None
        if months:
            if not months.isdigit() or int(months) > 120:
                self.error(line, "manader", _("'%(value)s' is not a whole number of months from 0 to 120",
                                              value=_short(months)))
            else:
                row["manader"] = int(months)
        return row

    def run(self, rows) -> Checked:
        header = None
        for line, cells in rows:
            if header is None:
                if not any(c.strip() for c in cells):
                    continue  # blank lines before the header
                header = self.header(cells)
                self.answer_columns = [q for q in answer_columns() if q in self.present]
                header_line = line
                continue
            if not any(c.strip() for c in cells):
                continue  # spreadsheets leave blank rows
            self.out.total += 1
            if self.out.total > MAX_ROWS:
                raise FileProblem(_("The file has more than %(n)s rows. Split it into smaller files.",
                                    n=number(MAX_ROWS)))
            values = {}
            for position, cell in enumerate(cells):
                name = header[position] if position < len(header) else None
                if name:
                    values[name] = cell.strip()
                elif cell.strip() and (position >= len(header) or position in self.unnamed):
                    self.error(line, str(position + 1), _("a value in a column without a name in the header"))
            get = lambda name, _v=values: _v.get(name, "")  # noqa: E731
            row = self.response_row(line, get) if self.kind == "responses" else self.avslut_row(line, get)
            self.out.rows.append(row)
        if header is None:
            raise FileProblem(_("The file is empty: it needs a header row and at least one data row."))
        if self.out.total == 0:
            self.error(header_line + 1, "", _("the file has a header but no data rows"))
        return self.out


def columns(kind: str) -> list[str]:
    """The columns a file of this kind may have (the template's header row)."""
    if kind == "responses":
        return [*RESPONSE_FIXED, *answer_columns(), "kommentar"]
    return list(AVSLUT_COLUMNS)


def required_columns(kind: str) -> list[str]:
    """Columns a file of this kind must have (responses need kon too where a row is a participant's)."""
    if kind == "responses":
        return ["forbund", "year", "respondent_group", "instrument_version"]
    # Without kön every record would count as Övriga / ej uppgett, silently.
    return ["forbund", "year", "kon"]


class _TooMany(Exception):
    """MAX_PROBLEMS found: checking stops."""


class _OtherKind(Exception):
    """The problem that ends checking is recorded already (e.g. a file of the other kind)."""


def _short(value: str) -> str:
    """A value as a problem quotes it: never a whole over-long cell."""
    return value if len(value) <= SHOWN_VALUE else value[:SHOWN_VALUE] + "…"


def known_keys(kind: str, keys: list[str]) -> dict[str, int]:
    """key → förbund id of the keys already stored."""
    model = Response if kind == "responses" else AvslutRecord
    column = model.response_key if kind == "responses" else model.record_key
    found: dict[str, int] = {}
    for start in range(0, len(keys), 1000):
        found.update(db.session.execute(
            select(column, model.forbund_id).where(column.in_(keys[start:start + 1000]))).all())
    return found


def check_file(data: bytes, filename: str, kind: str, *, create: bool = False,
               only_forbund: str | None = None) -> Checked:
    """Read and check a whole file. `only_forbund`: every row must be this förbund's (web upload)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind}")
    checker = _Checker(kind, create=create, only_forbund=only_forbund)
    if not data:
        checker.error(0, "", _("The file is empty: it needs a header row and at least one data row."))
        return checker.out
    if len(data) > MAX_BYTES:
        checker.error(0, "", _("The file is larger than %(mb)s MB. Split it into smaller files.",
                               mb=number(MAX_BYTES // (1024 * 1024))))
        return checker.out
    try:
        out = checker.run(read_rows(data, filename))
    except FileProblem as exc:
        return Checked(kind, errors=[Problem(0, "", str(exc))])
    except _OtherKind:
        return checker.out
    except _TooMany:
        out = checker.out
        out.rows = []
        out.errors.append(Problem(0, "", _(
            "Checking stopped after %(n)s problems; nothing was imported. Correct these and send the "
            "file again.", n=number(MAX_PROBLEMS))))
        return out
    if out.errors:
        out.rows = []
        return out
    # Known ids: skipped, unless another förbund holds the id (a clash, not a re-import).
    keyed = [r["key"] for r in out.rows if r["key"]]
    known = known_keys(kind, keyed) if keyed else {}
    if known:
        id_column = "response_id" if kind == "responses" else "record_id"
        codes = {v: k for k, v in checker.forbund.items()}
        fresh = []
        for row in out.rows:
            holder = known.get(row["key"])
            if holder is None:
                fresh.append(row)
            elif codes.get(holder) != row["forbund"]:
                out.errors.append(Problem(row["line"], id_column, _(
                    "'%(value)s' is already used by another förbund's data; ids must be unique",
                    value=_short(row["key"]))))
            else:
                out.known += 1
        out.rows = [] if out.errors else fresh
    if out.errors:
        return out
    # Nothing new to create for rows that are all known.
    out.new_forbund = {r["forbund"] for r in out.rows} & out.new_forbund
    out.new_insats = {(r["forbund"], r["insats"]) for r in out.rows if r["insats"]} & out.new_insats
    return out


# --------------------------------------------------------------------------- storing
def store(checked: Checked, *, user_id: int | None, source: str) -> Result:
    """Write a checked file (no errors) in one transaction; a failure stores nothing."""
    if checked.errors:
        raise ValueError("a file with errors cannot be stored")
    try:
        result = _store(checked, user_id=user_id, source=source)
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def _store(checked: Checked, *, user_id, source) -> Result:
    session = db.session
    for code in sorted(checked.new_forbund):
        session.add(Forbund(code=code, name=code))
    session.flush()
    forbund_ids = dict(session.execute(select(Forbund.code, Forbund.id)).all())
    for fcode, icode in sorted(checked.new_insats):
        session.add(Insats(forbund_id=forbund_ids[fcode], code=icode, name=icode))
    session.flush()
    insats_ids = {
        (fc, ic): iid for fc, ic, iid in session.execute(
            select(Forbund.code, Insats.code, Insats.id).join(Forbund, Forbund.id == Insats.forbund_id))
    }

    def insats_id(row):
        return insats_ids[(row["forbund"], row["insats"])] if row["insats"] else None

    rows = checked.rows
    codes = {r["forbund"] for r in rows}
    batch = ImportBatch(kind=checked.kind, user_id=user_id, source=source[:300], rows=len(rows),
                        forbund_id=forbund_ids[codes.pop()] if len(codes) == 1 else None)
    session.add(batch)
    session.flush()
    if checked.kind == "responses":
        counted = count_cells.Contributions()  # the whole file's, written as one upsert below
        for start in range(0, len(rows), _BATCH):
            chunk = rows[start:start + _BATCH]
            params = [{
                "response_key": r["key"] or new_token(16), "forbund_id": forbund_ids[r["forbund"]],
                "insats_id": insats_id(r), "year": r["year"], "respondent_group": r["respondent_group"],
                "instrument_version": r["instrument_version"], "kon": r["kon"], "alder": r["alder"],
                "utfall": r["utfall"], "kommentar": r["kommentar"], "month": r.get("month"),
                "import_batch_id": batch.id,
            } for r in chunk]
            ids = session.scalars(
                insert(Response).returning(Response.id, sort_by_parameter_order=True), params).all()
            answers = [{"response_id": rid, "question_id": q, "value": v}
                       for rid, r in zip(ids, chunk) for q, v in r["answers"].items()]
            if answers:
                session.execute(insert(Answer), answers)
            for p, r in zip(params, chunk):
                counted.add(p["forbund_id"], p["insats_id"], p["year"], p["respondent_group"],
                            p["instrument_version"], p["kon"], r["answers"])
        count_cells.apply(session, counted)
    else:
        params = [{
            "record_key": r["key"] or new_token(16), "forbund_id": forbund_ids[r["forbund"]],
            "insats_id": insats_id(r), "year": r["year"], "kon": r["kon"], "alder": r["alder"],
            "manader": r["manader"], "forsorjning_fore": r["forsorjning_fore"],
            "forsorjning_efter": r["forsorjning_efter"], "utfall": r["utfall"], "import_batch_id": batch.id,
        } for r in rows]
        for start in range(0, len(params), _BATCH):
            session.execute(insert(AvslutRecord), params[start:start + _BATCH])
        count_cells.bump_version(session)
    result = Result(checked.kind, added=len(rows), known=checked.known,
                    new_forbund=sorted(checked.new_forbund),
                    new_insats=[f"{f}/{i}" for f, i in sorted(checked.new_insats)], batch_id=batch.id)
    per_forbund = Counter(r["forbund"] for r in rows) or Counter({None: 0})
    for code, n in sorted(per_forbund.items(), key=lambda kv: str(kv[0])):
        session.add(AuditLog(user_id=user_id, forbund_id=forbund_ids.get(code), action=f"import_{checked.kind}",
                             detail=f"{source}: {n} new, {checked.known} already known (import {batch.id})"))
    return result


# --------------------------------------------------------------------------- reports
# The command line prints these in the app's default language (Swedish): outside a request
# i18n.select_locale answers BABEL_DEFAULT_LOCALE.
def error_report(checked: Checked, name: str) -> str:
    lines = [ngettext("%(name)s: %(num)s problem; nothing was imported.",
                      "%(name)s: %(num)s problems; nothing was imported.", len(checked.errors), name=name)]
    lines += [f"  {p}" for p in checked.errors]
    return "\n".join(lines)


def summary_text(result: Result) -> str:
    if result.kind == "responses":
        text = ngettext("Imported %(num)s new response; %(known)s already known (skipped).",
                        "Imported %(num)s new responses; %(known)s already known (skipped).",
                        result.added, known=result.known)
    else:
        text = ngettext("Imported %(num)s new avslut record; %(known)s already known (skipped).",
                        "Imported %(num)s new avslut records; %(known)s already known (skipped).",
                        result.added, known=result.known)
    if result.new_forbund:
        text += "\n" + _("Created förbund: %(codes)s", codes=", ".join(result.new_forbund))
    if result.new_insats:
        text += "\n" + _("Created insatser: %(codes)s", codes=", ".join(result.new_insats))
    return text
