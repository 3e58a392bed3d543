"""Plain-language sentences ("I klartext") that stand alone (issue 11 point 3, GENUSKOMPASS.md):
every sentence on the genuskompass page and in the report names its measure, its respondent
group, its source (self-reported answers or registered avslut records) and its year, in Swedish
and English; the wording comes from the instrument definitions, which views only assemble."""
from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

from indicators.genuskompass import INCOME_PHRASES, OUTCOME_PHRASES, SOURCE_PHRASES
from indicators.instrument import PARTICIPANT_GROUPS, get_instrument, latest_version
from tests.results.conftest import page
from tests.results.test_figures import small  # noqa: F401  (the fixture)
from tests.support.factories import login

LANGS = {"sv": 0, "en": 1}


def _sentences(html: str) -> list[str]:
    """The items of every "In plain words" list, as the reader sees them."""
    lists = re.findall(r'<ul class="sentences">(.*?)</ul>', html, flags=re.DOTALL)
    items = [re.sub(r"<[^>]+>", "", li) for block in lists for li in re.findall(r"<li>(.*?)</li>", block, re.DOTALL)]
    return [" ".join(unescape(item).split()) for item in items]


def _measure_phrases() -> list[tuple[str, str]]:
    """Every predicate a sentence may use: the instrument's (indicators, background questions)
    and the outcome and income phrases of the genuskompass module."""
    instrument = get_instrument(latest_version())
    own = [instrument.indicator_phrase(n) for n in instrument.indicators]
    own += [instrument.question_phrase(q) for q in instrument.questions]
    return [p for p in own if p] + [*OUTCOME_PHRASES.values(), *INCOME_PHRASES.values()]


def _names_measure(text: str, phrase: tuple[str, str], lang: str) -> bool:
    if lang == "en":
        return " ".join(phrase[1].replace("|", " ").split()) in text
    verb, _, rest = phrase[0].partition("|")
    verb, rest = " ".join(verb.split()), " ".join(rest.split())
    at = text.find(f" {verb} ")
    return at >= 0 and rest in text[at:]


def _check_standalone(sentences: list[str], lang: str, year: str) -> None:
    """Each sentence: '<year>, <group> (<source>): ...' naming one measure of the definitions."""
    i = LANGS[lang]
    instrument = get_instrument(latest_version())
    groups = [instrument.group_phrase(g)[i] for g in PARTICIPANT_GROUPS]
    sources = [p[i] for p in SOURCE_PHRASES.values()]
    phrases = _measure_phrases()
    assert sentences
    for text in sentences:
        lead, sep, rest = text.partition("): ")
        assert sep, text
        assert lead.startswith(f"{year}, "), text
        group, _, source = lead[len(year) + 2:].partition(" (")
        assert group in groups and source in sources, text
        assert any(_names_measure(rest, p, lang) for p in phrases), text


def test_genuskompass_sentences_name_measure_group_source_and_year(client, small):  # noqa: F811
    _forbund, users = small
    login(client, users["user"])
    sv = _sentences(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    en = _sentences(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=en"))
    _check_standalone(sv, "sv", "2024")
    _check_standalone(en, "en", "2024")
    assert len(sv) == len(en)
    # The same measure in two groups, and two sources of one outcome, read apart.
    assert ("2024, deltagare som avslutat insatsen (självrapporterat): Kvinnor är i högre grad än män "
            "nöjda med bemötandet (80,0 % mot 40,0 %).") in sv
    assert ("2024, participants who completed the intervention (self-reported): Women are satisfied with "
            "how they were treated more often than men (80.0% vs 40.0%).") in en
    assert ("2024, deltagare i pågående insats (självrapporterat): Andelen som är nöjda med bemötandet "
            "jämförs inte: färre än 5 svar bland kvinnor eller män.") in sv
    # Hidden comparisons of one group and source, hidden for one reason, share one sentence.
    assert ("2024, deltagare som avslutat insatsen (självrapporterat): Andelarna som går till arbete, som går till "
            "arbete med stöd och som får arbete med stöd när de går till arbete jämförs inte: färre än 5 svar bland "
            "kvinnor eller män.") in sv
    assert ("2024, participants who completed the intervention (self-reported): The shares who go to work, who go "
            "to subsidised work and who get subsidised work when they go to work are not compared: fewer than 5 "
            "responses among women or men.") in en
    registered = [s for s in sv if s.startswith("2024, deltagare som avslutat insatsen (registrerade avslut): ")]
    assert any(_names_measure(s, OUTCOME_PHRASES["work"], "sv") for s in registered), sv
    assert any("(registered avslut records): " in s and "go to work" in s for s in en), en


def test_report_sentences_name_measure_group_source_and_year(client, small):  # noqa: F811
    _forbund, users = small
    login(client, users["user"])
    for lang in LANGS:
        html = page(client, f"/reports/forbund/norrby.html?year=2024&lang={lang}")
        sentences = _sentences(html)
        _check_standalone(sentences, lang, "2024")
        assert any("nöjda med bemötandet" in s or "satisfied with how they were treated" in s for s in sentences)


def test_sentences_take_their_wording_from_the_instrument_definitions(client, small, monkeypatch):  # noqa: F811
    """Change an indicator's and a group's phrase in the loaded definition, nothing else: the page
    says the new words, so no view keeps a copy of the wording."""
    _forbund, users = small
    login(client, users["user"])
    instrument = get_instrument(latest_version())
    monkeypatch.setitem(instrument.indicators, 1, replace(
        instrument.indicators[1], phrase={"sv": "gillar | bemötandet mycket", "en": "like the treatment a lot"}))
    group = dict(instrument.groups["deltagare_avslut"], phrase={"sv": "avslutade", "en": "leavers"})
    monkeypatch.setitem(instrument.groups, "deltagare_avslut", group)
    sv = _sentences(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=sv"))
    en = _sentences(page(client, "/results/forbund/norrby/genuskompass?year=2024&lang=en"))
    assert ("2024, avslutade (självrapporterat): Kvinnor gillar i högre grad än män bemötandet mycket "
            "(80,0 % mot 40,0 %).") in sv
    assert "2024, leavers (self-reported): Women like the treatment a lot more often than men (80.0% vs 40.0%)." in en
    assert not any("nöjda med bemötandet" in s for s in sv)


def test_views_keep_no_indicator_wording():
    """The wording lives in the definitions: the page and report builders hold none of it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [*sorted((root / "survey" / "pages").glob("*.py")), root / "survey/reports/build.py"]
    code = "".join(f.read_text(encoding="utf-8") for f in files)
    instrument = get_instrument(latest_version())
    for number in instrument.indicators:
        phrase = instrument.indicator_phrase(number)
        if phrase:
            assert phrase[0] not in code and phrase[1] not in code, number
    assert "INDICATOR_PHRASES" not in code and "QUESTION_PHRASES" not in code
