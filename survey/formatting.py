"""Numbers, percentages and dates in the page language (Babel), and the one way a hidden cell reads.

Swedish: `88,0 %` (decimal comma, non-breaking space before %), `12 345`; English: `88.0%`, `12,345`.
Figures arrive as the Decimals `indicators/` publishes (one decimal, already rounded half up), so
formatting never rounds again.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal as _babel_decimal
from babel.numbers import format_percent as _babel_percent
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .i18n import current_language

DASH = "–"
# Income sources (OUTCOMES.md) as pages, forms and exports name them.
INCOME_LABELS = {
    "lon": _l("Salary"), "a_kassa_aktivitetsstod": _l("Unemployment benefit or activity support"),
    "sjukpenning_ersattning": _l("Sickness benefit or compensation"),
    "forsorjningsstod": _l("Income support (försörjningsstöd)"), "studiemedel": _l("Student finance"),
    "ingen": _l("No income"), "annan": _l("Other income"), "okand": _l("Not known"),
}


@cache
def _percent_pattern(lang: str) -> str:
    # The locale's own percent pattern with one decimal: '#,##0.0\xa0%' (sv), '#,##0.0%' (en).
    return Locale.parse(lang).percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)


def _lang(lang: str | None) -> str:
    return lang or current_language()


def percent(value, lang: str | None = None) -> str:
    """A published percentage (88.0) as text; None (hidden or no data) as the dash."""
    if value is None:
        return DASH
    value = Decimal(value)
    # A whole percentage (indicators.rounding.percent_whole, for a share on few answers) keeps no
    # decimal: '100 %', not '100,0 %'. (Part of the cache key: Decimal('100') == Decimal('100.0').)
    return _percent(value, _lang(lang), value.as_tuple().exponent >= 0)


@lru_cache(maxsize=8192)  # at most 1001 tenths per language: Babel is slow, a page shows hundreds
def _percent(value: Decimal, lang: str, whole: bool) -> str:
    pattern = Locale.parse(lang).percent_formats[None] if whole else _percent_pattern(lang)
    return _babel_percent(value / 100, pattern, locale=lang, decimal_quantization=False)


def confidence(level: float, lang: str | None = None) -> str:
    """A confidence level in percent ('95 %', '99,75 %'): up to two decimals, more only when it
    takes them to stay below 100, cut (never rounded up) so that 99.996 % never reads '100 %'."""
    lang = _lang(lang)
    exact = Decimal(repr(float(level)))
    places = 2
    while (cut := exact.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN")) >= 100 and places < 8:
        places += 1
    cut = cut.normalize()
    decimals = max(0, -cut.as_tuple().exponent)
    base = Locale.parse(lang).percent_formats[None].pattern
    pattern = base.replace("#,##0", "#,##0." + "0" * decimals, 1) if decimals else base
    return _babel_percent(cut / 100, pattern, locale=lang, decimal_quantization=False)


def number(value, lang: str | None = None) -> str:
    if value is None:
        return DASH
    return _number(int(value), _lang(lang))


@lru_cache(maxsize=8192)
def _number(value: int, lang: str) -> str:
    return _babel_decimal(value, locale=lang)


def points(value, lang: str | None = None, *, signed: bool = True) -> str:
    """A difference in percentage points with one decimal, signed: '+3,2' / '−1,5'."""
    if value is None:
        return DASH
    lang = _lang(lang)
    text = _babel_decimal(Decimal(value), "#,##0.0", locale=lang, decimal_quantization=True)
    if not signed:
        return text
    if Decimal(value) > 0:
        return "+" + text
    return text.replace("-", "\u2212")  # a real minus sign reads better than a hyphen


def p_value(value, lang: str | None = None) -> str:
    """A test's p-value as 'p = 0,174', or 'p < 0,001' when smaller."""
    if value is None:
        return DASH
    lang = _lang(lang)
    if value < 0.001:
        return "p < " + _babel_decimal(Decimal("0.001"), "0.000", locale=lang)
    return "p = " + _babel_decimal(Decimal(repr(float(value))), "0.000", locale=lang)


def long_date(value: date | datetime, lang: str | None = None) -> str:
    return _babel_date(value, format="long", locale=_lang(lang))


def short_date(value: date | datetime, lang: str | None = None) -> str:
    return _babel_date(value, format="short" if _lang(lang) != "sv" else "yyyy-MM-dd", locale=_lang(lang))


def k() -> int:
    return int(current_app.config["DISCLOSURE_K"])


def hidden_reason(reason: str | None = "few") -> str:
    """Why a cell is shown as '–' (DISCLOSURE.md rule 5): `few` (the default) with the configured
    threshold, or `protects` for a cell hidden so that another cannot be worked out."""
    if reason == "protects":
        return _("hidden to protect another figure")
    return _("fewer than %(k)s responses", k=k())


def hidden_reason_records() -> str:
    return _("fewer than %(k)s records", k=k())


def release_note() -> str:
    """How figures move (DISCLOSURE.md rule 4, figures/releases.py), for every page with figures."""
    return _("Figures are updated in steps of at least %(k)s responses or records per group, so that no one's "
             "answers can be found by comparing the figures of two days. The latest answers are counted once "
             "at least %(k)s new ones have come in for the same group.", k=k())


def init_app(app) -> None:
    app.jinja_env.filters.update(percent=percent, number=number, points=points, p_value=p_value,
                                 long_date=long_date, short_date=short_date)
    app.jinja_env.globals.update(hidden_reason=hidden_reason, release_note=release_note, DASH=DASH)
