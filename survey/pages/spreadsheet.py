"""Swedish headings for the spreadsheets of page tables and reports: the exchange headings
(figures/exports.py) name the columns they share, these name the columns only pages have."""
from __future__ import annotations

from indicators.rounding import CAUTION_BELOW

from .. import periods
from ..figures import exports

EXTRA_HEADINGS = {
    "insats": "Insats", "measure": "Mått", "women": "Kvinnor (%)", "n_women": "Antal kvinnor",
    "positive_women": "Positiva kvinnor", "men": "Män (%)", "n_men": "Antal män", "positive_men": "Positiva män",
    "difference": "Skillnad kvinnor − män (procentenheter)", "ci_low": "KI, nedre (nivå i alpha)", "ci_high": "KI, övre (nivå i alpha)",
    "p_value": "p-värde (Newcombes intervall)", "clear": "Tydlig skillnad",
    "verdict": "Bedömning (clear / no_clear / too_few)", "p_adjusted": "p-värde justerat (Benjamini–Hochberg)",
    "alpha": "Nivå efter justering (alpha; KI = 1 − alpha)", "caution": f"Osäker: färre än {CAUTION_BELOW} svar", "question": "Fråga",
    "income_source": "Försörjning efter", "campaign": "Kampanj", "opens_on": "Öppnar", "closes_on": "Stänger",
    "source_label": "Källa (text)", periods.PRELIMINARY_COLUMN: "Preliminär (året pågår)",
}


def headings(columns) -> list[str]:
    """The Swedish heading of each column, its code where none is written."""
    return [exports.SWEDISH_HEADINGS.get(c) or EXTRA_HEADINGS.get(c, c) for c in columns]
