"""`export indicators|outcomes|responses` end to end against hand-computed values (k = 5)."""
import csv
import io

import pytest
from openpyxl import load_workbook

from survey.figures import exports
from survey.models import AuditLog
from tests.exchange.helpers import avslut, response

HEADER = "forbund,year,respondent_group,indicator,gender,n_responses,valid,positive,value,suppressed,hidden_reason"


@pytest.fixture
def golden(factory):
    alfa, beta, gamma = factory.forbund("alfa"), factory.forbund("beta"), factory.forbund("gamma")
    ia, ib, ig = factory.insats(alfa), factory.insats(beta), factory.insats(gamma)
    # alfa, D1: 1 1 2 3 4 9 → valid 5, positive 3 (60.0), but hidden below: see riket.
    for value, kon in [(1, "kvinna"), (1, "kvinna"), (2, "man"), (3, "man"), (4, "kvinna"), (9, "man")]:
        response(alfa, answers={"D1": value}, kon=kon, insats=ia)
    # beta, D1: 1 1 1 2 3 3 → valid 6, positive 4 → 66.666… → 66.7; all kvinnor.
    for value in [1, 1, 1, 2, 3, 3]:
        response(beta, answers={"D1": value}, kon="kvinna", insats=ib)
    # gamma, D1: 1 4 → n 2 < 5: hidden (rule 1).
    response(gamma, answers={"D1": 1}, kon="kvinna", insats=ig)
    response(gamma, answers={"D1": 4}, kon="man", insats=ig)
    # alfa remittenter, indicator 15 pools R1+R2: (1,2) (1,9) (3,4) (9,1) (2,–) (9,9)
    # → valid 2+1+2+1+1 = 7, positive 2+1+0+1+1 = 5 → 71.428… → 71.4, n_responses 5 (not 6).
    for r1, r2 in [(1, 2), (1, 9), (3, 4), (9, 1), (2, None), (9, 9)]:
        response(alfa, "remittenter", {"R1": r1, "R2": r2})
    return alfa, beta, gamma


def _run(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_export_indicators_golden(runner, golden):
    out = _run(runner, "export", "indicators")
    # gamma (n 2) is hidden: fewer than 5. Among the women, alfa (3) and gamma (1) are hidden
    # (fewer than 5) and would add up to 4 under the shown riket women (10): beta's women are
    # hidden to protect them, and beta's total with them (beta has women only). riket's men
    # (2 + 1 = 3) are hidden, so riket's total is hidden rather than riket's women. riket
    # remittenter rests on one förbund: no national figure (rule 4). alfa's D1 is 5/5, 3 → 60.0.
    assert out.splitlines() == [
        HEADER,
        "alfa,2024,deltagare_avslut,1,alla,5,5,3,60.0,0,",
        "alfa,2024,remittenter,15,alla,5,7,5,71.4,0,",
        "beta,2024,deltagare_avslut,1,alla,6,6,4,66.7,0,",
        "gamma,2024,deltagare_avslut,1,alla,,,,,1,few",
        "riket,2024,deltagare_avslut,1,alla,,,,,1,protects",
        "riket,2024,remittenter,15,alla,,,,,1,protects",
    ]


def test_export_indicators_by_gender(runner, golden):
    rows = {(r["forbund"], r["respondent_group"], r["gender"]): r
            for r in csv.DictReader(io.StringIO(_run(runner, "export", "indicators", "--by", "gender")))}
    # Staff groups have no gender rows.
    assert {g for (f, grp, g) in rows if grp == "remittenter"} == {"alla"}
    # alfa kvinnor: 1 1 4 (n 3), män: 2 3 (n 2; the 9 is no valid answer): both below 5.
    assert rows[("alfa", "deltagare_avslut", "kvinna")]["suppressed"] == "1"
    assert rows[("alfa", "deltagare_avslut", "man")]["n_responses"] == ""
    # alfa's and gamma's women (3 + 1 = 4) would be pinned below 5 under riket's women: riket's
    # women go, not beta's 6 (another förbund's row would also let beta, knowing its own, read
    # the two off riket), so beta's women and men stay comparable.
    beta = rows[("beta", "deltagare_avslut", "kvinna")]
    assert (beta["n_responses"], beta["suppressed"], beta["hidden_reason"]) == ("6", "0", "")
    assert rows[("alfa", "deltagare_avslut", "kvinna")]["hidden_reason"] == "few"
    assert rows[("riket", "deltagare_avslut", "kvinna")]["hidden_reason"] == "protects"
    # riket män: alfa's and gamma's only, two förbund (rule 4): hidden, and its reason bounds
    # nothing ("protects" whatever its count); riket's total is hidden with it.
    assert rows[("riket", "deltagare_avslut", "man")]["hidden_reason"] == "protects"
    assert rows[("riket", "deltagare_avslut", "alla")]["hidden_reason"] == "protects"
    assert not any(g == "ovriga" for (_, _, g) in rows)  # nobody answered annat/ej_svar


def test_export_filters_after_disclosure(runner, golden):
    # gamma's D1 row stays hidden when exporting gamma alone, and beta's shown one shown.
    out = _run(runner, "export", "indicators", "--forbund", "gamma").splitlines()
    assert out[1] == "gamma,2024,deltagare_avslut,1,alla,,,,,1,few"
    out = _run(runner, "export", "indicators", "--forbund", "beta").splitlines()
    assert out[1] == "beta,2024,deltagare_avslut,1,alla,6,6,4,66.7,0,"
    assert {line.split(",")[0] for line in out[1:]} == {"beta"}
    out = _run(runner, "export", "indicators", "--forbund", "alfa").splitlines()
    assert out[1] == "alfa,2024,deltagare_avslut,1,alla,5,5,3,60.0,0,"
    assert {line.split(",")[0] for line in out[1:]} == {"alfa"}
    assert _run(runner, "export", "indicators", "--year", "2023").splitlines() == [HEADER]
    result = runner.invoke(args=["export", "indicators", "--forbund", "nowhere"])
    assert result.exit_code != 0 and "nowhere" in result.stderr


def test_export_outcomes_golden(runner, factory):
    alfa = factory.forbund("alfa")
    avslut(alfa, kon="man", utfall="subventionerat_arbete", n=3)
    avslut(alfa, kon="man", utfall="arbete", n=2)
    avslut(alfa, kon="man", utfall="vet_inte")
    avslut(alfa, kon="kvinna", utfall="arbete", n=2)
    avslut(alfa, kon="kvinna", utfall="studier", n=3)
    avslut(alfa, kon="kvinna", utfall="arbetssokande")
    rows = {(r["forbund"], r["rate"], r["gender"]): r for r in csv.DictReader(io.StringIO(
        _run(runner, "export", "outcomes", "--source", "avslut")))}
    pick = lambda key: tuple(rows[key][c] for c in ("n", "numerator", "value", "suppressed"))  # noqa: E731
    # alla: 11 known outcomes (vet_inte left out); work 3+2+2 = 7 → 63.6; subsidised 3 → 27.3.
    assert pick(("alfa", "work", "alla")) == ("11", "7", "63.6", "0")
    assert pick(("alfa", "work_or_studies", "alla")) == ("11", "10", "90.9", "0")
    assert pick(("alfa", "work", "man")) == ("5", "5", "100.0", "0")
    assert pick(("alfa", "studies", "kvinna")) == ("6", "3", "50.0", "0")
    # Share of work that is subsidised: kvinnor in work 2 < 5 → hidden. Their work (2) and
    # subsidised (0) numerators would give it away, so their subsidised_work row is hidden with
    # it; the sets then take the totals (alla) along: alla 3 of 7 and 3 of 11 are hidden.
    assert pick(("alfa", "subsidised_share_of_work", "kvinna")) == ("", "", "", "1")
    assert rows[("alfa", "subsidised_share_of_work", "kvinna")]["hidden_reason"] == "few"
    assert pick(("alfa", "subsidised_work", "kvinna")) == ("", "", "", "1")
    assert rows[("alfa", "subsidised_work", "kvinna")]["hidden_reason"] == "protects"
    assert pick(("alfa", "subsidised_work", "alla"))[3] == "1"
    assert pick(("alfa", "subsidised_share_of_work", "man")) == ("5", "3", "60.0", "0")
    assert pick(("alfa", "subsidised_work", "man")) == ("5", "3", "60.0", "0")
    # One förbund only: no national figure (rule 4).
    assert pick(("riket", "work", "alla")) == ("", "", "", "1")
    assert {r["source"] for r in rows.values()} == {"avslut"}
    out = _run(runner, "export", "outcomes").splitlines()
    assert out[0] == "forbund,year,source,gender,rate,n,numerator,value,suppressed,hidden_reason"
    order = [line.split(",")[4] for line in out[1:] if line.startswith("alfa") and ",alla," in line]
    assert order == sorted(order) and len(order) == 5


def test_export_indicators_xlsx_has_swedish_headings(runner, golden, tmp_path):
    path = tmp_path / "ind.xlsx"
    runner.invoke(args=["export", "indicators", "--out", str(path)])
    ws = load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Förbund", "År", "Respondentgrupp", "Indikator")
    csv_lines = _run(runner, "export", "indicators").splitlines()
    assert len(rows) == len(csv_lines)
    alfa = [r for r in rows if r[0] == "alfa" and r[3] == 1][0]
    assert alfa[5:] == (5, 5, 3, 60.0, 0, None)  # numbers stay numbers
    hidden = [r for r in rows if r[0] == "gamma"][0]
    assert hidden[5:] == (None, None, None, None, 1, "few")


def test_formula_injection_is_neutralised(runner, factory, tmp_path, app):
    alfa = factory.forbund("alfa")
    steget = factory.insats(alfa)
    response(alfa, answers={"D1": 1}, kon="kvinna", insats=steget, key="@id",
             kommentar='=HYPERLINK("http://evil.example","klicka")')
    response(alfa, answers={"D1": 2}, kon="man", insats=steget, key="-2", kommentar="+46 70 123")
    for _ in range(8):  # a group of ten: its comments may leave
        response(alfa, answers={"D1": 1}, kon="kvinna", insats=steget)
    text = _run(runner, "export", "responses", "--forbund", "alfa")
    rows = {r["response_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert "'@id" in rows and "'-2" in rows and "kommentar" not in next(iter(rows.values()))
    comments = sorted(r["kommentar"] for r in csv.DictReader(io.StringIO(_run(runner, "export", "comments",
                                                                               "--forbund", "alfa"))))
    assert comments[0] == "'+46 70 123" and comments[1].startswith("'=HYPERLINK")
    path = tmp_path / "raw.xlsx"
    runner.invoke(args=["export", "comments", "--forbund", "alfa", "--out", str(path)])
    ws = load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    cells = [ws.cell(row=r, column=header.index("kommentar") + 1) for r in (2, 3)]
    assert all(c.data_type == "s" for c in cells) and any(c.value.startswith("'=") for c in cells)
    runner.invoke(args=["export", "responses", "--forbund", "alfa", "--out", str(path)])
    ws = load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    assert {ws.cell(row=r, column=header.index("D1") + 1).value for r in range(2, 12)} <= {1, 2}  # numbers
    assert exports.safe_text(-5) == -5 and exports.safe_text("-5") == "'-5"
    # The round trip undoes the protection: re-importing changes nothing.
    out = tmp_path / "raw.csv"
    out.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import", "responses", str(out)])
    assert result.exit_code == 0 and "0 nya svar; 10 fanns redan" in result.stdout  # the CLI speaks Swedish


def test_export_responses_is_audited(runner, factory, app):
    alfa = factory.forbund("alfa")
    response(alfa, "styrelse", {"S1": 1})
    _run(runner, "export", "responses", "--forbund", "alfa")
    from survey.extensions import db
    from sqlalchemy import select
    logs = db.session.scalars(select(AuditLog).where(AuditLog.action == "export_responses")).all()
    assert len(logs) == 1 and logs[0].forbund_id == alfa.id
    assert runner.invoke(args=["export", "responses", "--forbund", "nowhere"]).exit_code != 0


def test_raw_rows_leave_in_random_order_and_comments_apart(runner, factory, app):
    """EXCHANGE.md: no row order that follows submission; comments without background variables,
    only from groups of at least ten responses."""
    alfa = factory.forbund("alfa")
    keys = [f"k{i:02d}" for i in range(30)]
    for i, key in enumerate(keys):
        response(alfa, "styrelse", {"S1": 1}, key=key, kommentar=f"tanke {i}", year=2024)
    for i in range(9):
        response(alfa, "remittenter", {"R1": 1}, year=2024, kommentar=f"liten grupp {i}")
    orders = {tuple(r["response_id"] for r in csv.DictReader(io.StringIO(
        _run(runner, "export", "responses", "--forbund", "alfa"))) if r["respondent_group"] == "styrelse")
        for _ in range(3)}
    assert all(sorted(o) == keys for o in orders)
    assert tuple(keys) not in orders and len(orders) > 1
    rows = list(csv.DictReader(io.StringIO(_run(runner, "export", "comments", "--forbund", "alfa"))))
    assert list(rows[0]) == ["year", "respondent_group", "kommentar"]
    assert sorted(r["kommentar"] for r in rows) == sorted(f"tanke {i}" for i in range(30))  # not the 9
    assert [r["kommentar"] for r in rows] != [f"tanke {i}" for i in range(30)]
    assert _run(runner, "export", "comments", "--forbund", "alfa", "--year", "2023").strip() == \
        "year,respondent_group,kommentar"


def test_a_formula_after_a_semicolon_is_neutralised_too(runner, factory):
    """Issue 12: Swedish Excel splits a CSV file on ";", so "Bra stöd;=1+1" put =1+1 in a cell."""
    from survey.importing import _unquote

    alfa = factory.forbund("alfa")
    for i in range(10):
        response(alfa, "styrelse", {"S1": 1}, kommentar="Bra stöd;=1+1" if i == 0 else f"ok {i}")
    text = _run(runner, "export", "comments", "--forbund", "alfa")
    cells = [part.strip() for line in text.splitlines() for part in line.split(";")]
    assert not any(cell.startswith(exports.FORMULA_STARTS) for cell in cells)
    assert "Bra stöd;'=1+1" in text
    for value in ("Bra stöd;=1+1", "a; +46 70", "x\t@y", "=A1", "ok;fine"):
        assert _unquote(exports.safe_text(value)) == value
