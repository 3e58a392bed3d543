"""The report's words and its Word document (issue 11 points 5 and 7): key findings first, listing
only what is clear under the report-wide Benjamini–Hochberg control, by sub-goal; a method and
reading guide; the data sources with the instrument version; and an editable .docx with real
headings, tables with a repeating header row, charts with alt text, language and title set, and
the same hidden cells as the PDF (no count under k)."""
from __future__ import annotations

import io
import re

import flask_babel
import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from indicators.genuskompass import (
    VERDICT_CLEAR,
    VERDICT_TOO_FEW,
    compare_table,
    family_of,
)
from survey.demo import COMMENTS
from survey.reports import build, guide, word
from tests.results.conftest import OTHER, OWN

K = 5
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _report(app, scope: str | None, year: int, lang: str = "sv"):
    from survey.extensions import db
    from survey.models import Forbund

    flask_babel.refresh()
    with app.test_request_context(f"/?lang={lang}"):
        if scope is None:
            return build.national_report(year)
        return build.forbund_report(db.session.query(Forbund).filter_by(code=scope).one(), year)


def _headings(doc) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in doc.paragraphs if p.style.name.startswith("Heading ")]


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def _gettext(app, msgid: str, **kw) -> str:
    flask_babel.refresh()
    with app.test_request_context("/?lang=sv"):
        return flask_babel.gettext(msgid, **kw)


def test_report_opens_with_key_findings_method_and_data_sources(demo):
    report = _report(demo, OWN, 2024)
    ids = [s.id for s in report.sections]
    assert ids[:4] == ["about", "key-findings", "method", "data-sources"]
    findings, method, sources = report.sections[1:4]
    # Key findings: exactly the clear comparisons of the genuskompass, each the sentence its
    # sub-goal's section says, under that sub-goal.
    compared = pd.concat([t.frame for s in report.sections if s.id.startswith("goal-") for t in s.tables
                          if t.id.startswith("compare-")], ignore_index=True)
    compared = compared[compared["year"].eq(2024)]
    shown = compared[compared["suppressed"].eq(0)]
    clear = int(shown["verdict"].eq(VERDICT_CLEAR).sum())
    assert clear >= 2  # the demo's own förbund has clear gaps in 2024: the case this is about
    items = [(b.heading, item) for b in findings.blocks if b.heading for item in b.items]
    assert len(items) == clear == findings.tally.clear
    assert findings.tally.too_few == int(shown["verdict"].eq(VERDICT_TOO_FEW).sum())
    assert findings.tally.hidden == int(compared["suppressed"].eq(1).sum())
    goals = {s.title.split(" ", 1)[1]: s for s in report.sections if s.id.startswith("goal-")}
    for heading, item in items:
        assert item in goals[heading].sentences, (heading, item)
        assert item.startswith("2024, ") and re.search(r"\(\d[\d,]* % mot \d[\d,]* %", item), item
    # Not a single not-clear or too-few sentence among them.
    assert not any("För få svar" in i or "Ingen tydlig" in i for _h, i in items)
    lead = findings.blocks[0].paragraphs
    assert any(str(findings.tally.too_few) in p and ("för få svar" in p.lower() or "too few" in p.lower())
               for p in lead)

    # Method and reading guide: scale and positive share, the two sources, the three verdicts,
    # the multiple-comparison control, small bases, disclosure, the preliminary year.
    method_text = " ".join(p for b in method.blocks for p in [b.heading, *b.paragraphs, *b.items])
    assert len(method.blocks) >= 7 and "Benjamini" in method_text and str(K) in method_text
    # Data sources: the instrument version (a working version) and the published counts.
    sources_text = " ".join(p for b in sources.blocks for p in [*b.paragraphs, *b.items])
    assert "2021-A" in sources_text
    assert {t.id for t in sources.tables} >= {"responses", "sources-outcomes"}


def test_no_clear_difference_says_so_in_one_plain_sentence(demo):
    report = _report(demo, OTHER, 2024)
    findings = report.sections[1]
    assert findings.tally.clear == 0 and [b.heading for b in findings.blocks] == [""]
    prefix = _gettext(demo, "No difference between women and men is clear when we take into account that %(m)s "
                            "comparisons are made at the same time.", m="\0").split("\0")[0]
    assert findings.blocks[0].paragraphs[0].startswith(prefix)


def test_key_findings_name_a_forbund_only_when_its_gap_holds_up(demo):
    """A constructed national case: three förbund's gaps on indicator 1, one of them large (90 % of
    women against 10 % of men), one small, one on few answers. Only the large one is named, under
    sub-goal 1, with its two percentages; the other two are counted, not named."""
    rows = []
    for forbund, (pw, nw, pm, nm) in {"norra-kusten": (90, 100, 10, 100), "mittland": (50, 100, 52, 100),
                                      "sjobygden": (4, 8, 5, 9)}.items():
        for gender, positive, valid in (("kvinna", pw, nw), ("man", pm, nm)):
            rows.append({"forbund": forbund, "year": 2024, "respondent_group": "deltagare_avslut", "indicator": 1,
                         "gender": gender, "n_responses": valid, "valid": valid, "positive": positive,
                         "value": None, "suppressed": 0, "hidden_reason": ""})
    frame = compare_table(pd.DataFrame(rows), K)
    flask_babel.refresh()
    with demo.test_request_context("/?lang=sv"):
        family = family_of([frame])
        section = guide.key_findings("riket", 2024, family, [("indicator", 1, "deltagare_avslut", frame)])
    named = [(b.heading, i) for b in section.blocks if b.heading for i in b.items]
    assert len(named) == 1
    heading, sentence = named[0]
    assert heading.startswith("1. En jämn fördelning av makt och inflytande")
    assert sentence.startswith("Samordningsförbundet Norra Kusten: 2024, ") and "90,0 % mot 10,0 %" in sentence
    assert "Mittland" not in " ".join(i for _h, i in named)
    lead = " ".join(section.blocks[0].paragraphs)
    assert "3" in lead


def test_word_document_has_headings_tables_charts_language_and_no_small_counts(demo, runner, tmp_path):
    out = tmp_path / "riket.docx"
    result = runner.invoke(args=["report", "national", "--year", "2024", "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = _report(demo, None, 2024)
    doc = Document(str(out))
    # Word's own heading styles, in the report's order: the title, then every section.
    headings = _headings(doc)
    assert headings[0] == (1, report.title)
    assert [t for level, t in headings if level == 2] == [s.title for s in report.sections[1:]]
    assert [t for level, t in headings if level == 2][:3] == [s.title for s in report.sections[1:4]]
    # Every table a real table, its header row marked to repeat, its cells the PDF's cells.
    with_rows = [t for t in report.tables if t.rows]
    assert len(doc.tables) == len(with_rows)
    for model, table in zip(with_rows, doc.tables):
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None, model.id
        assert [c.text for c in table.rows[0].cells] == [str(c) for c in model.columns]
        for (row_header, cells), row in zip(model.rows, table.rows[1:]):
            texts = [c.text for c in row.cells]
            assert texts == [str(row_header), *(word.cell_text(c) for c in cells)], model.id
    # No count under k: the response counts are "–" or at least k.
    counted = next(t for m, t in zip(with_rows, doc.tables) if m.id == "responses")
    values = [c.text for row in counted.rows[1:] for c in row.cells[1:]]
    assert "–" in values
    assert all(v == "–" or int(v.replace("\xa0", "").replace(" ", "")) >= K for v in values)
    # Charts: PNG pictures with their summary as alt text.
    charts = [c for s in report.sections for c in s.charts]
    pictures = doc.inline_shapes
    assert len(pictures) == len(charts) > 0
    for picture, chart in zip(pictures, charts):
        assert picture._inline.docPr.get("descr") == f"{chart.title}. {chart.summary}"
    # Language, title, instrument version, method; no free text.
    lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "sv-SE" and doc.core_properties.language == "sv-SE"
    assert doc.core_properties.title == report.title
    text = _text(doc)
    assert "2021-A" in text and "Benjamini" in text
    assert not any(comment in text for comment in COMMENTS)


@pytest.mark.parametrize("lang,tag", [("en", "en-GB")])
def test_forbund_word_report_by_command_and_button(demo, runner, tmp_path, monkeypatch, login_demo, lang, tag):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["report", "national", "--forbund", OWN, "--format", "docx", "--lang", lang])
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob(f"jamstalldhetsrapport-{OWN}-*.docx"))
    assert len(written) == 1
    doc = Document(str(written[0]))
    assert doc.core_properties.language == tag
    assert not any("side by side" in t.lower() for _l, t in _headings(doc))
    bad = runner.invoke(args=["report", "national", "--year", "2024", "--format", "pdf", "--out", "x.docx"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output

    user = login_demo("forbund_user")
    own = user.get(f"/reports/forbund/{OWN}.docx?year=2024")
    assert own.status_code == 200 and own.mimetype == DOCX_MIME
    assert Document(io.BytesIO(own.data)).core_properties.title
    assert user.get(f"/reports/forbund/{OTHER}.docx?year=2024").status_code == 404
    assert user.get("/reports/national.docx?year=2024").status_code == 403
    dashboard = user.get(f"/results/forbund/{OWN}/?year=2024").get_data(as_text=True)
    assert f"/reports/forbund/{OWN}.docx?year=2024" in dashboard
