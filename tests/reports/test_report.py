"""The equality report: `flask report national` writes HTML, PDF (one page per section, the
national figures in its text) and Excel (one sheet per table, no cell below k); the buttons serve
the same files; a förbund gets its own, never another's; no free text anywhere."""
from __future__ import annotations

import io
import subprocess

import pandas as pd
from openpyxl import load_workbook

from survey.demo import COMMENTS
from survey.figures import tables
from tests.results.conftest import OTHER, OWN

K = 5


def _pdf_pages(path) -> list[str]:
    count = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(path), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, count + 1)]


def _check_workbook(content: bytes, n_tables: int, words: list[str] = ()) -> None:
    """A contents sheet, the report's text (lines holding exactly `words`, in order), then one
    sheet per table."""
    wb = load_workbook(io.BytesIO(content), read_only=True)
    assert len(wb.sheetnames) == n_tables + 2
    text = [row[0] for row in wb[wb.sheetnames[1]].iter_rows(values_only=True) if row and row[0]]
    at = [text.index(word) for word in words]
    assert at == sorted(at), words
    hidden = 0
    for name in wb.sheetnames[2:]:
        rows = list(wb[name].iter_rows(values_only=True))
        headings = rows[0]
        flag = headings.index("Dold")
        counts = [i for i, h in enumerate(headings) if h in ("Antal svar", "Antal", "Antal kvinnor", "Antal män")]
        for row in rows[1:]:
            if row[flag] == 1:
                hidden += 1
                assert all(row[i] is None for i in counts), (name, row)
            else:
                assert all(row[i] is not None and row[i] >= K for i in counts), (name, row)
            assert not any(isinstance(v, str) and v in COMMENTS for v in row)
    assert hidden > 0


def test_report_command_writes_pdf_excel_and_html(demo, runner, tmp_path):
    pdf, xlsx, html = tmp_path / "r.pdf", tmp_path / "r.xlsx", tmp_path / "r.html"
    for out in (pdf, xlsx, html):
        result = runner.invoke(args=["report", "national", "--year", "2024", "--out", str(out)])
        assert result.exit_code == 0, result.output
    sections = int(result.output.split("(")[1].split()[0])
    n_tables = int(result.output.split(",")[1].split()[0])

    import flask_babel

    from survey.reports import build

    flask_babel.refresh()
    with demo.test_request_context("/?lang=sv"):
        report = build.national_report(2024)
    assert len(report.sections) == sections and len(report.tables) == n_tables
    # The whole report is one Benjamini–Hochberg family: every comparison shown in it has its
    # interval at one level, max(R, 1) * 0.05 / m, worked out here from all their p-values.
    compared = pd.concat([t.frame for t in report.tables if "p_value" in t.frame.columns], ignore_index=True)
    compared = compared[compared["suppressed"].eq(0)]
    identity = [c for c in ("forbund", "year", "respondent_group", "indicator", "rate", "source", "income_source",
                            "question", "positive_women", "n_women", "positive_men", "n_men") if c in compared]
    distinct = compared.astype(str).drop_duplicates(subset=identity)
    ps = sorted(float(p) for p in distinct["p_value"])
    m = len(ps)
    r = max([i for i in range(1, m + 1) if ps[i - 1] <= i * 0.05 / m], default=0)
    assert m > 20 and set(compared["alpha"].astype(float).round(15)) == {round(max(r, 1) * 0.05 / m, 15)}
    assert (compared["clear"].astype(int) == compared["p_value"].astype(float).le(max(r, 1) * 0.05 / m)).all()
    pages = _pdf_pages(pdf)
    assert len(pages) < sections  # the sections flow on (tests/reports/test_report_pdf.py)
    # Every section's heading, in order, the title first.
    lines = [line.strip() for text in pages for line in text.splitlines() if line.strip()]
    assert lines[0] == report.sections[0].title
    at = [lines.index(s.title) for s in report.sections]
    assert at == sorted(at)
    # The national pooled figures are in the PDF's text, formatted in Swedish.
    riket = tables.indicators()
    riket = riket[(riket["forbund"] == "riket") & (riket["year"] == 2024) & (riket["insats"] == "alla")
                  & (riket["respondent_group"] == "deltagare_avslut") & (riket["suppressed"] == 0)]
    everything = "\n".join(pages).replace("\xa0", " ")
    for row in riket.itertuples():
        # Figure and counts in one run on paper: "80,0 % (56 av 70)".
        assert f"{str(row.value).replace('.', ',')} % ({row.positive} av {row.valid}" in everything, row
    # A hidden cell is a bare "–" in the PDF; the reason stands once under its table.
    with_hidden = [t for t in report.tables if t.hidden_reason]
    assert with_hidden
    notes = [f"”–”: dold siffra ({t.hidden_reason}), aldrig noll." for t in with_hidden]
    assert all(note in everything for note in notes)
    assert everything.count("”–”: dold siffra (") == len(with_hidden)
    assert "– färre än" not in everything
    # Gaps on paper: "+1,4*" for a clear one, the word only in the note.
    shorts = [cell.short for t in report.tables for _h, cells in t.rows for cell in cells if cell.short]
    assert shorts and all(short in everything for short in shorts)
    assert "(inte tydlig)" not in everything
    # The legend and the plain-words note on many comparisons at once, in the report's language.
    legend = flask_babel.gettext(
        "“clear” (in the PDF: *): the difference's %(level)s confidence interval does not contain 0; "
        "“too few answers” (in the PDF: ?): the interval contains 0 but also a difference of 10 points.",
        level="\0").split("\0")[0].split(":")[0]
    assert legend and legend in everything
    bh = flask_babel.gettext("We have taken into account that many comparisons are made at the same time: here "
                             "%(m)s comparisons are tested together, and a difference is called clear only when "
                             "it holds up when all of them are tested at once (the Benjamini–Hochberg method: on "
                             "average at most %(fdr)s of the differences called clear are chance findings). So the "
                             "confidence intervals are %(level)s intervals (%(single)s for one comparison alone), and a "
                             "difference is clear exactly when its interval does not contain 0.", m="\0",
                             level="\0", fdr="\0", single="\0").split("\0")[0]
    assert " ".join(bh.split()[:6]) in " ".join(everything.split())
    assert not any(comment in everything for comment in COMMENTS)

    # The Excel file carries the report's words too: every section's title in order, the
    # sentences in plain words, the note on many comparisons at once.
    plain = next(s.sentences[0] for s in report.sections if s.sentences)
    _check_workbook(xlsx.read_bytes(), n_tables, [report.sections[0].title, report.sections[1].title, "• " + plain])
    assert any(" ".join(bh.split()[:6]) in " ".join(str(row[0]).split()) for row in
               load_workbook(xlsx, read_only=True).worksheets[1].iter_rows(values_only=True) if row[0])
    text = html.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "<style>" in text and 'src="data:image/svg+xml;base64,' in text
    assert not any(comment in text for comment in COMMENTS)

    own = tmp_path / "own.xlsx"
    result = runner.invoke(args=["report", "national", "--year", "2024", "--forbund", OWN, "--out", str(own),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    names = load_workbook(own, read_only=True).sheetnames
    assert not any("förbund side by side" in n.lower() for n in names)
    for bad in (["--year", "1990", "--out", str(tmp_path / "x.pdf")],
                ["--year", "2024", "--out", str(tmp_path / "x.doc")],
                ["--year", "2024", "--forbund", "nope", "--out", str(tmp_path / "x.pdf")]):
        result = runner.invoke(args=["report", "national", *bad])
        assert result.exit_code != 0 and "Traceback" not in result.output


def test_report_buttons_serve_the_same_files_with_access_checks(demo, login_demo):
    client = login_demo("nns")
    for fmt, mime in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("html", "text/html")):
        response = client.get(f"/reports/national.{fmt}?year=2024")
        assert response.status_code == 200 and mime in response.mimetype, fmt
    html = client.get("/reports/national.html?year=2024").get_data(as_text=True)
    assert "<style>" not in html and "/static/report.css" in html  # the strict CSP holds on the web
    assert client.get("/reports/national.pdf?year=abc").status_code == 302
    assert client.get("/reports/national.doc?year=2024").status_code == 404

    user = login_demo("forbund_user")
    assert user.get("/reports/national.pdf?year=2024").status_code == 403
    own = user.get(f"/reports/forbund/{OWN}.pdf?year=2024")
    assert own.status_code == 200 and own.data.startswith(b"%PDF")
    assert user.get(f"/reports/forbund/{OTHER}.pdf?year=2024").status_code == 404
    dashboard = user.get(f"/results/forbund/{OWN}/?year=2024").get_data(as_text=True)
    assert f"/reports/forbund/{OWN}.pdf?year=2024" in dashboard
