"""The exchange exports (CLI and /data/ downloads) show exactly the cells the pages show.

Complementary suppression makes a cell's visibility depend on its siblings, so an export computed
on its own (another gender split, no insatser, one year) could hide other cells than a page and be
differenced against it (DISCLOSURE.md rule 7). On the demo data, with its small förbund, every
exported row must equal the same cell of the table the dashboards use, hidden or shown.
"""
from __future__ import annotations

import pandas as pd

from survey.figures import exports
from survey.figures import tables
from tests.results.conftest import OWN, read_csv

KEY = ["forbund", "year", "respondent_group", "indicator", "gender"]


def _page_cells() -> pd.DataFrame:
    table = tables.indicators()
    return table[table["insats"].eq("alla")].set_index(KEY)


def _assert_same_cells(exported: pd.DataFrame, pages: pd.DataFrame, name: str) -> int:
    """Every exported row is the page's cell: same hidden flag, same figures. Returns hidden rows."""
    assert len(exported), name
    hidden = 0
    for row in exported.to_dict("records"):
        key = tuple(int(row[c]) if c in ("year", "indicator") else row[c] for c in KEY)
        cell = pages.loc[key]
        assert bool(int(row["suppressed"])) == bool(cell["suppressed"]), (name, key)
        if bool(cell["suppressed"]):
            hidden += 1
            assert row["value"] in ("", None) or pd.isna(row["value"]), (name, key)
        else:
            assert str(row["value"]) == str(cell["value"]), (name, key)
            assert int(row["n_responses"]) == int(cell["n_responses"]), (name, key)
    return hidden


def test_indicator_exports_show_the_cells_the_pages_show(demo, runner, login_demo):
    pages = _page_cells()
    hidden = 0
    variants = {
        "all by gender": exports.indicators_export(by_gender=True),
        "all": exports.indicators_export(),
        "2024 by gender": exports.indicators_export(years=[2024], by_gender=True),
        f"{OWN} 2023 by gender": exports.indicators_export(years=[2023], forbund=OWN, by_gender=True),
        "fjallbyn national": exports.indicators_export(forbund="fjallbyn", by_gender=True, national=True),
    }
    for name, table in variants.items():
        hidden += _assert_same_cells(table, pages, name)
    # A year's export is exactly that year's rows of the all-years export: filtering after disclosure.
    every_year = variants["all by gender"]
    assert variants["2024 by gender"].equals(every_year[every_year["year"].eq(2024)].reset_index(drop=True))

    # The CLI and the förbund user's download are the same cells too.
    result = runner.invoke(args=["export", "indicators", "--by", "gender", "--forbund", "skargarden"])
    assert result.exit_code == 0, result.output
    hidden += _assert_same_cells(pd.DataFrame(read_csv(result.output.encode("utf-8"))), pages, "cli")
    client = login_demo("forbund_user")
    response = client.get("/data/export/indicators.csv?by=gender&year=2025")
    assert response.status_code == 200
    downloaded = pd.DataFrame(read_csv(response.data.removeprefix(b"\xef\xbb\xbf")))
    assert set(downloaded["forbund"]) == {OWN, "riket"}
    hidden += _assert_same_cells(downloaded, pages, "download")
    assert hidden > 0  # the small förbund really have hidden cells to compare


def test_outcome_exports_show_the_cells_the_pages_show(demo):
    key = ["forbund", "year", "source", "gender", "rate"]
    pages = tables.outcomes().set_index(key)
    hidden = 0
    for table in (exports.outcomes_export(), exports.outcomes_export(years=[2024], source="avslut"),
                  exports.outcomes_export(forbund="fjallbyn", national=True)):
        assert len(table)
        for row in table.to_dict("records"):
            cell = pages.loc[tuple(int(row[c]) if c == "year" else row[c] for c in key)]
            assert bool(row["suppressed"]) == bool(cell["suppressed"])
            if bool(cell["suppressed"]):
                hidden += 1
            else:
                assert str(row["value"]) == str(cell["value"]) and int(row["n"]) == int(cell["n"])
    assert hidden > 0
