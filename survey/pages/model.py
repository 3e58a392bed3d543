"""The view model every results page, export and report renders: a View of Sections holding
Tables (rendered cells for the page, and the published rows behind them for the export of that
very table) and ChartSpecs (built lazily: a page needs only their title and text alternative)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import gettext as _

from .. import charts


@dataclass
class Cell:
    text: str
    detail: str = ""
    hidden: bool = False
    num: bool = True
    short: str = ""  # the cell in the PDF, where "text (detail)" would not fit

    @property
    def detail_on_paper(self) -> str:
        """The detail in a PDF cell, whose column does not grow: a line may break after the
        figure or a "·", never inside "10 av 11" or "osäker: få svar"."""
        return " · ".join(part.replace(" ", "\u00a0") for part in self.detail.split(" · "))


@dataclass
class Table:
    id: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]          # (row header, cells)
    frame: pd.DataFrame                          # the published rows behind it, for export
    note: str = ""

    @property
    def numeric_columns(self) -> list[bool]:
        """Per column, whether it holds figures (aligned to the end) or words (the row headers,
        a verdict), from its first row, so a heading aligns with its column."""
        cells = self.rows[0][1] if self.rows else []
        return [False, *(cells[i].num if i < len(cells) else True for i in range(len(self.columns) - 1))]

    @property
    def hidden_reason(self) -> str | None:
        """Why its cells are hidden, for a table that hides some: each distinct reason once."""
        reasons = dict.fromkeys(cell.detail for _header, cells in self.rows for cell in cells if cell.hidden)
        return "; ".join(reasons) if reasons else None


@dataclass
class ChartSpec:
    id: str
    title: str
    summary: str
    build: Callable[[], object]


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    charts: list[ChartSpec] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    reflection: list[str] = field(default_factory=list)
    subtitle: str = ""


@dataclass
class View:
    title: str
    filters: dict
    notices: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # Charts the page does not show because its selection has no figures to draw, by id: their
    # address still answers with an image that says so (a bookmark or an old page never errors).
    empty_charts: dict[str, str] = field(default_factory=dict)

    def table(self, table_id: str) -> Table | None:
        return next((t for s in self.sections for t in s.tables if t.id == table_id), None)

    def chart(self, chart_id: str) -> ChartSpec | None:
        found = next((c for s in self.sections for c in s.charts if c.id == chart_id), None)
        if found is None and chart_id in self.empty_charts:
            title, text = self.empty_charts[chart_id], _("No figures for this selection.")
            return ChartSpec(chart_id, title, text, lambda: charts.message(title, text))
        return found

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

