"""Import of responses and avslut files: complete error reports, nothing half-stored, idempotence.

Problems are written in the language of whoever checks the file: outside a request (these tests, the
command line) that is the app's default, Swedish; the `english` fixture asks for English."""
import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from survey import importing
from survey.extensions import db
from survey.models import Answer, AuditLog, AvslutRecord, Forbund, Insats, Response

HEAD = "response_id,forbund,insats,year,respondent_group,instrument_version,kon,alder,utfall,D1,D7,R1,R2,omsorg,kommentar"
GOOD = [
    "g1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,30-39,arbete,1,2,,,1,Bra stöd",
    "g2,alfa,steget,2024,deltagare_avslut,2021-A,man,,subventionerat_arbete,9,,,,,",
    "g3,alfa,,2023,remittenter,2021-A,,,,,,1,4,,",
]


def stored() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(Response)),
            db.session.scalar(select(func.count()).select_from(Answer)),
            db.session.scalar(select(func.count()).select_from(AvslutRecord)))


def csv_bytes(lines, sep=",", bom=False) -> bytes:
    text = "\n".join(line.replace(",", sep) for line in lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def where(checked) -> set[tuple[int, str]]:
    return {(p.line, p.column) for p in checked.errors}


@pytest.fixture
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def alfa(factory):
    forbund = factory.forbund("alfa")
    factory.insats(forbund, "steget")
    return forbund


def test_good_file_is_stored_with_answers(alfa):
    checked = importing.check_file(csv_bytes([HEAD, *GOOD]), "r.csv", "responses")
    assert checked.errors == []
    assert checked.per_group_year == [("deltagare_avslut", 2024, 2), ("remittenter", 2023, 1)]
    result = importing.store(checked, user_id=None, source="test")
    assert (result.added, result.known) == (3, 0)
    assert stored() == (3, 6, 0)  # g1: D1 D7 omsorg; g2: D1 (9 is an answer too); g3: R1 R2
    g1 = db.session.scalar(select(Response).where(Response.response_key == "g1"))
    assert (g1.kon, g1.alder, g1.utfall, g1.kommentar, g1.insats.code) == ("kvinna", "30-39", "arbete", "Bra stöd", "steget")
    assert {a.question_id: a.value for a in g1.answers} == {"D1": 1, "D7": 2, "omsorg": 1}
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "import_responses")) == 1


def test_bad_values_give_every_error_and_store_nothing(alfa):
    lines = [
        HEAD,
        "b1,Alfa!,steget,2024,deltagare_avslut,2021-A,kvinna,,,1,,,,,",          # bad förbund code
        "b2,alfa,okand,24,deltagare_avslut,2021-A,kvinna,,,1,,,,,",              # unknown insats, bad year
        "b3,alfa,steget,2024,deltagare_pagaende,2021-A,kvinna,,arbete,5,1,,,,",  # utfall, D1 5, D7 outside group
        "b4,alfa,steget,2024,volontarer,2021-A,,,,1,,,,,",                        # unknown group
        "b5,alfa,steget,2024,deltagare_avslut,2030-Z,flicka,99,,1,,,,,",          # version, kon, alder
        "b6,alfa,,2024,remittenter,2021-A,man,,,,,3,7,,",                        # kon for staff, R2 7
        "b1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,,,1,3,,,,",          # duplicate id, D7 janej 3
        "b8,alfa,,2024,deltagare_avslut,2021-A,kvinna,,,1,,,,,",                 # participant without insats
    ]
    checked = importing.check_file(csv_bytes(lines), "bad.csv", "responses")
    assert where(checked) == {
        (2, "forbund"), (3, "insats"), (3, "year"), (4, "utfall"), (4, "D1"), (4, "D7"),
        (5, "respondent_group"), (6, "instrument_version"), (6, "kon"), (6, "alder"), (7, "kon"),
        (7, "R2"), (8, "response_id"), (8, "D7"), (9, "insats"),
    }
    report = importing.error_report(checked, "bad.csv")
    assert report.startswith("bad.csv: 15 problem; ingenting har importerats.")
    assert "rad 4, kolumn D1: '5' är inget svar; använd 1–4, 9 (vet inte) eller lämna tomt" in report
    assert "rad 8, kolumn response_id: 'b1' finns också på rad 2; id:n måste vara unika" in report
    assert checked.rows == []
    with pytest.raises(ValueError):
        importing.store(checked, user_id=None, source="test")
    assert stored() == (0, 0, 0)


def test_wrong_columns_are_reported_together(alfa):
    head = "response_id,forbund,year,respondent_group,D1,D1,Q99,,namn"
    checked = importing.check_file(csv_bytes([head, "x,alfa,2024,styrelse,,,1,,Anna"]), "c.csv", "responses")
    assert where(checked) >= {(1, "D1"), (1, "Q99"), (1, "namn"), (1, "instrument_version")}
    assert any(p.message.startswith("okänd kolumn (kolumn 7); tillåtna är response_id,") for p in checked.errors)
    assert any(p.message == "obligatorisk kolumn saknas" for p in checked.errors)
    assert stored() == (0, 0, 0)


def test_unknown_forbund_needs_create(alfa):
    lines = [HEAD, "n1,nyby,nytt,2024,deltagare_avslut,2021-A,kvinna,,,1,,,,,"]
    checked = importing.check_file(csv_bytes(lines), "n.csv", "responses")
    assert where(checked) == {(2, "forbund")}
    created = importing.check_file(csv_bytes(lines), "n.csv", "responses", create=True)
    assert created.errors == [] and created.new_forbund == {"nyby"} and created.new_insats == {("nyby", "nytt")}
    importing.store(created, user_id=None, source="test")
    assert db.session.scalar(select(Insats).join(Forbund).where(Forbund.code == "nyby")).code == "nytt"


def test_broken_encoding_is_one_clear_error(alfa, english):
    data = "\n".join([HEAD, *GOOD]).replace("stöd", "stöd").encode("cp1252")
    checked = importing.check_file(data, "latin.csv", "responses")
    assert len(checked.errors) == 1
    assert "not UTF-8" in checked.errors[0].message and "line 2" in checked.errors[0].message


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"\n\n", "empty"),
    ((HEAD + "\n").encode(), "no data rows"),
    (b"\x00\x01\x02binary", "not a text file"),
])
def test_empty_and_unreadable_files(alfa, english, data, words):
    checked = importing.check_file(data, "e.csv", "responses")
    assert len(checked.errors) == 1 and words in str(checked.errors[0])


def test_huge_file_is_refused(alfa, english, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    lines = [HEAD] + [f"h{i},alfa,,2024,styrelse,2021-A,,,,,,,,," for i in range(6)]
    checked = importing.check_file(csv_bytes(lines), "big.csv", "responses")
    assert len(checked.errors) == 1 and "more than 5 rows" in str(checked.errors[0])
    monkeypatch.setattr(importing, "MAX_BYTES", 100)
    checked = importing.check_file(csv_bytes(lines), "big.csv", "responses")
    assert "larger than" in str(checked.errors[0])
    assert stored() == (0, 0, 0)


def test_semicolon_and_bom(alfa):
    checked = importing.check_file(csv_bytes([HEAD, *GOOD], sep=";", bom=True), "s.csv", "responses")
    assert checked.errors == [] and len(checked.rows) == 3
    assert checked.rows[0]["kommentar"] == "Bra stöd"


def test_quoted_comment_over_several_lines(alfa):
    data = (HEAD + '\ng1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,,,1,,,,,"rad ett\nrad, två"\n'
            "g2,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,,,7,,,,,\n").encode()
    checked = importing.check_file(data, "q.csv", "responses")
    assert where(checked) == {(4, "D1")}  # the row after a two-line comment starts on line 4


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_good_and_bad(alfa, english):
    head = HEAD.split(",")
    good = _xlsx([head, ["x1", "alfa", "steget", 2024, "deltagare_avslut", "2021-A", "man", None, None, 2, 1.0]])
    checked = importing.check_file(good, "r.xlsx", "responses")
    assert checked.errors == [] and checked.rows[0]["answers"] == {"D1": 2, "D7": 1}
    bad = _xlsx([head, ["x1", "alfa", "steget", 2024, "deltagare_avslut", "2021-A", "man", None, None, 6],
                 ["x2", "alfa", "steget", 1999, "deltagare_avslut", "2021-A", "man", None, None, 1.5]])
    assert where(importing.check_file(bad, "r.xlsx", "responses")) == {(2, "D1"), (3, "year"), (3, "D1")}
    broken = importing.check_file(b"PK\x03\x04 not really a zip", "r.xlsx", "responses")
    assert "not a readable Excel" in str(broken.errors[0])


def test_reimport_changes_nothing(alfa):
    data = csv_bytes([HEAD, *GOOD])
    importing.store(importing.check_file(data, "r.csv", "responses"), user_id=None, source="test")
    before = stored()
    again = importing.check_file(data, "r.csv", "responses")
    assert (again.known, len(again.rows)) == (3, 0)
    assert importing.store(again, user_id=None, source="test").added == 0
    assert stored() == before


def test_id_used_by_another_forbund_is_an_error(alfa, factory):
    factory.forbund("beta")
    importing.store(importing.check_file(csv_bytes([HEAD, *GOOD]), "r.csv", "responses"), user_id=None, source="t")
    clash = csv_bytes([HEAD, "g1,beta,,2024,styrelse,2021-A,,,,,,,,,"])
    assert where(importing.check_file(clash, "c.csv", "responses")) == {(2, "response_id")}


def test_round_trip_export_import_changes_nothing(alfa, runner, tmp_path):
    importing.store(importing.check_file(csv_bytes([HEAD, *GOOD, "g4,alfa,steget,2024,deltagare_avslut,2021-A,,,,,,,,,"]),
                                         "r.csv", "responses"), user_id=None, source="t")
    first = runner.invoke(args=["export", "responses", "--forbund", "alfa"]).stdout
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"export.{suffix}"
        runner.invoke(args=["export", "responses", "--forbund", "alfa", "--out", str(path)])
        before = stored()
        result = runner.invoke(args=["import", "responses", str(path)])
        assert result.exit_code == 0, result.output
        assert "0 nya svar; 4 fanns redan" in result.stdout  # the command line speaks Swedish
        assert stored() == before
    again = runner.invoke(args=["export", "responses", "--forbund", "alfa"]).stdout
    assert sorted(again.splitlines()) == sorted(first.splitlines())  # rows leave in random order
    # Imported into an empty förbund under new ids, the same rows give the same export rows.
    lines = first.splitlines()
    fresh = [lines[0]] + ["n" + line for line in lines[1:]]
    checked = importing.check_file("\n".join(fresh).encode(), "f.csv", "responses")
    assert checked.errors == [] and len(checked.rows) == 4


def test_cli_exit_codes(alfa, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([HEAD, "b1,alfa,steget,2024,deltagare_avslut,2021-A,kvinna,,,5,3,,,,"]))
    result = runner.invoke(args=["import", "responses", str(bad)])
    assert result.exit_code == 1
    assert "rad 2, kolumn D1" in result.stderr and "rad 2, kolumn D7" in result.stderr
    assert "2 problem; ingenting har importerats" in result.stderr
    assert stored() == (0, 0, 0)
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([HEAD, *GOOD]))
    result = runner.invoke(args=["import", "responses", str(good)])
    assert result.exit_code == 0 and "Importerade 3 nya svar; 0 fanns redan" in result.stdout
    assert runner.invoke(args=["import", "responses", str(tmp_path / "missing.csv")]).exit_code != 0


def test_a_crash_while_storing_stores_nothing(alfa, monkeypatch):
    checked = importing.check_file(csv_bytes([HEAD, *GOOD]), "r.csv", "responses")
    checked.rows[2]["answers"] = {"R1": 42}  # violates the database's check constraint
    with pytest.raises(Exception):
        importing.store(checked, user_id=None, source="test")
    assert stored() == (0, 0, 0)


AVSLUT_HEAD = "record_id,forbund,insats,year,kon,alder,manader,forsorjning_fore,forsorjning_efter,utfall"


def test_avslut_import(alfa, runner, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([AVSLUT_HEAD, "a1,alfa,steget,2024,man,25-29,14,forsorjningsstod,lon,subventionerat_arbete",
                                "a2,alfa,,2024,kvinna,,0,,,studier"], sep=";"))
    assert runner.invoke(args=["import", "avslut", str(path)]).exit_code == 0
    assert stored()[2] == 2
    assert "0 nya avslutsregistreringar; 2 fanns redan" in runner.invoke(args=["import", "avslut", str(path)]).stdout
    bad = csv_bytes([AVSLUT_HEAD, "a3,alfa,steget,2024,pojke,25-29,121,lon,rik,jobb",
                     "a4,alfa,steget,20x4,man,,1.5,,,arbete"])
    checked = importing.check_file(bad, "a.csv", "avslut")
    assert where(checked) == {(2, "kon"), (2, "manader"), (2, "forsorjning_efter"), (2, "utfall"),
                              (3, "year"), (3, "manader")}
    assert stored()[2] == 2


def test_an_xlsx_that_unpacks_to_too_much_is_refused_unread(alfa, english, monkeypatch):
    """Issue 12: a 104 KB .xlsx with one 100 MiB shared string took a worker from 334 to 811 MB,
    and the error page echoed the string. The parts' unpacked sizes are checked first."""
    import zipfile

    monkeypatch.setattr(importing, "MAX_UNPACKED", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", "<sst><si><t>" + "A" * (importing.MAX_UNPACKED + 1) + "</t></si></sst>")
    data = buffer.getvalue()
    assert len(data) < 20 * 1024
    checked = importing.check_file(data, "bomb.xlsx", "responses")
    assert len(checked.errors) == 1 and "unpacks to more than" in str(checked.errors[0])
    assert "AAAA" not in str(checked.errors[0])
    assert stored() == (0, 0, 0)


def test_checking_stops_after_a_bounded_number_of_problems_and_quotes_values_short(alfa, english):
    """Issue 12: a CSV of half a million bad cells cost seconds per upload and a page of them."""
    long_code = "x" * 5000
    lines = [HEAD] + [f"b{i},alfa,steget,2024,deltagare_avslut,2021-A,{long_code},,,7,7,,,," for i in range(2000)]
    checked = importing.check_file(csv_bytes(lines), "bad.csv", "responses")
    assert len(checked.errors) == importing.MAX_PROBLEMS + 1
    assert "stopped after" in str(checked.errors[-1]) and checked.rows == []
    assert all(len(str(p)) < 300 for p in checked.errors)  # no 5,000-character value echoed
    assert stored() == (0, 0, 0)


def test_codes_are_normalised_for_case(alfa):
    """Issue 12: "Kvinna" was refused instead of read as kvinna (cells are stripped already)."""
    lines = [HEAD, "n1,Alfa,Steget,2024,Deltagare_avslut,2021-a,Kvinna,30-39,ARBETE,1,2,,,1,",
             "n2,alfa,steget,2024,deltagare_avslut,2021-A, MAN ,,Subventionerat_arbete,3,,,,,"]
    checked = importing.check_file(csv_bytes(lines), "n.csv", "responses")
    assert checked.errors == []
    assert [(r["forbund"], r["insats"], r["respondent_group"], r["instrument_version"], r["kon"], r["utfall"])
            for r in checked.rows] == [("alfa", "steget", "deltagare_avslut", "2021-A", "kvinna", "arbete"),
                                       ("alfa", "steget", "deltagare_avslut", "2021-A", "man", "subventionerat_arbete")]


def test_a_missing_kon_column_is_a_clear_error_where_kon_is_asked(alfa, english):
    """Issue 12: without a kon column every participant silently became Övriga / ej uppgett."""
    head = HEAD.replace(",kon,", ",")
    participants = [head, "k1,alfa,steget,2024,deltagare_avslut,2021-A,30-39,arbete,1,2,,,1,",
                    "k2,alfa,steget,2024,deltagare_avslut,2021-A,,arbete,1,2,,,1,"]
    checked = importing.check_file(csv_bytes(participants), "k.csv", "responses")
    assert where(checked) == {(1, "kon")} and "participant responses need it" in str(checked.errors[0])
    staff = [head, "k3,alfa,,2024,remittenter,2021-A,,,,,1,4,,"]  # nobody asks staff their kön
    assert importing.check_file(csv_bytes(staff), "s.csv", "responses").errors == []
    avslut = importing.check_file(csv_bytes([AVSLUT_HEAD.replace(",kon,", ","),
                                             "a9,alfa,steget,2024,25-29,14,lon,lon,arbete"]), "a.csv", "avslut")
    assert where(avslut) == {(1, "kon")}
    assert stored() == (0, 0, 0)


def test_a_file_of_the_other_kind_is_one_clear_problem(alfa, english):
    """Issue 12: a responses file uploaded as avslut gave 27 'unknown column' lines."""
    as_avslut = importing.check_file(csv_bytes([HEAD, *GOOD]), "r.csv", "avslut")
    assert len(as_avslut.errors) == 1 and "looks like a file of responses" in str(as_avslut.errors[0])
    as_responses = importing.check_file(csv_bytes([AVSLUT_HEAD, "a1,alfa,steget,2024,man,25-29,14,lon,lon,arbete"]),
                                        "a.csv", "responses")
    assert len(as_responses.errors) == 1 and "looks like a file of avslut records" in str(as_responses.errors[0])
