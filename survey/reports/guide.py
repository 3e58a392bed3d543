"""The report's text sections, written for readers who are not statisticians (issue 11 point 5):
the key findings in words (only what holds up under the report's multiple-comparison control),
how to read the report, and which data it rests on.

They are built once, as Sections with text blocks, and every renderer (HTML/PDF, Word) shows
the same blocks. Every count they name comes from a published table (the disclosure engine),
never from a raw count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from indicators.genuskompass import (
    OUTCOME_PHRASES,
    GENUSKOMPASS_GROUPS,
    VERDICT_CLEAR,
    VERDICT_TOO_FEW,
    Family,
    SentenceContext,
    comparison_from_row,
    standalone_sentence,
)
from indicators.rounding import CAUTION_BELOW

from .. import formatting as fmt
from .. import periods
from ..figures import tables
from ..i18n import current_language
from ..pages import cells, labels
from ..pages import genuskompass as genuskompass_page
from ..pages import national as national_page
from ..pages.model import Section, Table

NATIONAL, INSATS_TOTAL = tables.NATIONAL, tables.INSATS_TOTAL
# The riket figure of a cell is shown only when this many förbund contribute (DISCLOSURE.md rule 4).
RIKET_MIN_FORBUND = 3


@dataclass
class Block:
    """A run of text under an optional heading: paragraphs, then a bulleted list."""
    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


@dataclass
class TextSection(Section):
    """A report section that is mostly words: its blocks come before its tables."""
    blocks: list[Block] = field(default_factory=list)
    tally: object = None  # key findings: how many comparisons got each verdict


def opening_words(section: Section):
    """The words a section opens with, in reading order: ("heading" | "paragraph" | "item", text)
    for its text blocks (a TextSection's), then its intro. The Word and Excel versions write them
    alike (the HTML/PDF version has them in templates/reports)."""
    for block in getattr(section, "blocks", None) or []:
        if block.heading:
            yield "heading", block.heading
        for text in block.paragraphs:
            yield "paragraph", text
        for text in block.items:
            yield "item", text
    if section.intro:
        yield "paragraph", section.intro


# --------------------------------------------------------------------------- key findings
@dataclass
class Tally:
    clear: int = 0
    not_clear: int = 0
    too_few: int = 0
    hidden: int = 0

    @property
    def total(self) -> int:
        return self.clear + self.not_clear + self.too_few + self.hidden

    def add(self, verdict: str | None, suppressed: bool) -> None:
        if suppressed:
            self.hidden += 1
        elif verdict == VERDICT_CLEAR:
            self.clear += 1
        elif verdict == VERDICT_TOO_FEW:
            self.too_few += 1
        else:
            self.not_clear += 1


def _fallback_sentence(label: str, source: str, year: int, cmp) -> str:
    """A comparison without a phrase in the definitions still stands alone."""
    return _("%(year)s, %(measure)s (%(source)s): women %(women)s, men %(men)s (a difference of %(gap)s points).",
             year=periods.year_label(year), measure=label, source=source, women=fmt.percent(cmp.women),
             men=fmt.percent(cmp.men), gap=fmt.points(cmp.difference))


def key_findings(scope: str, year: int, family: Family, gap_frames=()) -> TextSection:
    """The clear differences of the report's year, by sub-goal, each as its standalone sentence,
    decided at the report-wide Benjamini–Hochberg level; nationally also each förbund's clear gap
    on the key comparisons. Says how many comparisons were clear, not clear, too few to tell."""
    lang = current_language()
    k = fmt.k()
    names = labels.forbund_names()
    by_goal: dict[int, list[str]] = {goal.number: [] for goal in GENUSKOMPASS_GROUPS}
    tally = Tally()
    for goal, measures, _single in genuskompass_page.genuskompass_measures(scope, year):
        for m in measures:
            rows = m.frame[m.frame["year"].eq(year)]
            if rows.empty:
                continue
            row = family.apply(rows, k).iloc[0]
            cmp = comparison_from_row(row, k)
            tally.add(cmp.verdict, cmp.suppressed)
            if cmp.suppressed or cmp.verdict != VERDICT_CLEAR:
                continue
            context = genuskompass_page.sentence_context(m, year)
            by_goal[goal.number].append(standalone_sentence(cmp, m.phrase, context, lang) if context
                                        else _fallback_sentence(m.label, m.source, year, cmp))
    per_forbund = Tally()
    instrument = labels.instrument()
    for kind, code, where, cmp_frame in gap_frames:
        goal = next((g for g in GENUSKOMPASS_GROUPS if (code in g.indicators if kind == "indicator"
                                                         else code in g.outcome_rates)), None)
        phrase = instrument.indicator_phrase(code) if kind == "indicator" else OUTCOME_PHRASES.get(code)
        group = instrument.group_phrase(where if kind == "indicator" else labels.OUTCOME_GROUP)
        # An indicator is what participants answer; a rate is registered or self-reported.
        source = labels.SOURCE_KINDS["enkat"] if kind == "indicator" else labels.SOURCE_KINDS[where]
        adjusted = family.apply(cmp_frame, k)
        for row in adjusted.to_dict("records"):
            if row["forbund"] == NATIONAL:
                continue
            cmp = comparison_from_row(row, k)
            per_forbund.add(cmp.verdict, cmp.suppressed)
            if cmp.suppressed or cmp.verdict != VERDICT_CLEAR or goal is None:
                continue
            name = names.get(row["forbund"], row["forbund"])
            if phrase and group:
                text = standalone_sentence(cmp, phrase, SentenceContext(periods.year_label(year), group, source), lang)
            else:
                text = _fallback_sentence(str(code), "", year, cmp)
            by_goal[goal.number].append(_("%(forbund)s: %(sentence)s", forbund=name, sentence=text))
    section = TextSection("key-findings", _("Key findings"))
    found = False
    for goal in GENUSKOMPASS_GROUPS:
        if by_goal[goal.number]:
            found = True
            section.blocks.append(Block(labels.subgoal_name(goal), items=by_goal[goal.number]))
    lead = []
    if not found:
        lead.append(_("No difference between women and men is clear when we take into account that %(m)s "
                      "comparisons are made at the same time.", m=fmt.number(family.size)))
    else:
        lead.append(_("Only the differences between women and men that are clear when we take into account that "
                      "%(m)s comparisons are made at the same time are listed here, under the gender-equality "
                      "sub-goal they speak to.", m=fmt.number(family.size)))
    lead.append(_("Of the %(total)s comparisons of women and men in %(year)s, %(clear)s show a clear difference, "
                  "%(none)s show no clear difference, for %(few)s there are too few answers to tell, and %(hidden)s "
                  "are not compared because a figure is hidden.", total=fmt.number(tally.total),
                  year=periods.year_label(year), clear=fmt.number(tally.clear), none=fmt.number(tally.not_clear),
                  few=fmt.number(tally.too_few), hidden=fmt.number(tally.hidden)))
    if per_forbund.total:
        lead.append(_("Of the %(total)s gaps per förbund on the key comparisons, %(clear)s are clear, and for "
                      "%(few)s there are too few answers to tell.", total=fmt.number(per_forbund.total),
                      clear=fmt.number(per_forbund.clear), few=fmt.number(per_forbund.too_few)))
    section.blocks.insert(0, Block(paragraphs=lead))
    section.tally = tally
    return section


# --------------------------------------------------------------------------- method and reading guide
def method(family: Family) -> TextSection:
    """What the indicators are, how a gap and its verdict are read, and what hides a figure."""
    section = TextSection("method", _("Method and reading guide"))
    section.blocks = [
        Block(_("What the indicators measure"), [
            _("The NNS indicators for financial coordination follow up the support that samordningsförbund give "
              "together. Participants, staff, managers, board members and referrers answer the same questions in "
              "every förbund, so that the förbund can be compared."),
            _("Each question is answered on a scale of four steps, for example “to a very great extent”, “to a "
              "great extent”, “to a small extent” and “not at all”, or yes and no. An indicator's figure is the "
              "positive share: the share of valid answers on the two most positive steps (or “yes”). “Don't know "
              "/ not applicable” and unanswered questions do not count."),
        ]),
        Block(_("Two sources of outcomes"), [
            _("What participants go on to after the intervention comes from two sources that are never added "
              "together: the avslut records that staff register, and what participants say themselves in the "
              "questionnaire at the end of the intervention (self-reported). The two may differ; each sentence "
              "names its source."),
        ]),
        Block(_("How to read a difference"), [
            _("A difference is the women's share minus the men's share, in percentage points: +5 means that the "
              "share is 5 points higher among women, −5 that it is 5 points higher among men."),
            _("The confidence interval beside it shows the range in which the true difference probably lies. "
              "The fewer the answers, the wider the interval."),
        ], [
            _("Clear difference: the interval does not contain 0, so women and men differ."),
            _("No clear difference: the interval contains 0 and is narrow enough that a difference of 10 "
              "percentage points would have been seen."),
            _("Too few answers to tell: the interval contains 0 but also a difference of 10 percentage points; "
              "“no difference” cannot be concluded."),
        ]),
        Block(_("Many comparisons at once"), [genuskompass_page.family_note(family)]),
        Block(_("Small numbers"), [
            _("Percentages on fewer than %(n)s answers are uncertain: they are shown without decimals and marked "
              "“uncertain: few answers”. Read them with care, especially when comparing förbund.", n=CAUTION_BELOW),
        ]),
        Block(_("Hidden figures"), [
            _("“–” marks a hidden figure, never zero. A figure is hidden for one of two reasons: it rests on "
              "%(few)s, or it is %(protects)s, so that a hidden figure cannot be worked out from the others.",
              few=fmt.hidden_reason(), protects=fmt.hidden_reason("protects")),
            _("A national figure is only shown when at least %(n)s förbund contribute to it, so that no förbund "
              "can subtract its own figures from riket to find another's.", n=RIKET_MIN_FORBUND),
            fmt.release_note(),
        ]),
        Block(_("The current year"), [
            _("A year that has not ended is marked preliminary: its figures rest on the responses so far and "
              "will change as more come in. Compare whole years for trends."),
        ]),
    ]
    return section


# --------------------------------------------------------------------------- data sources
def _records_table(scope: str, year: int) -> Table | None:
    """Outcomes per source: the published denominators (records with a known outcome), hidden
    cells as '–'."""
    out = tables.outcomes()
    out = out[out["forbund"].eq(scope) & out["year"].eq(year) & out["rate"].eq("work") & out["gender"].eq("alla")]
    if out.empty:
        return None
    body = []
    for source in ("avslut", "enkat"):
        rows = out[out["source"].eq(source)]
        if rows.empty:
            continue
        r = rows.iloc[0]
        body.append((str(labels.SOURCE_LABELS[source]),
                     [cells.count_cell(r["n"], r["suppressed"], r.get("hidden_reason"))]))
    return Table("sources-outcomes", _("Outcomes with a known result, %(year)s", year=periods.year_label(year)),
                 [_("Source"), _("Number")], body, out.reset_index(drop=True))


def instrument_versions(scope: str, year: int) -> list:
    """The instrument versions the year's answers were given under (each stored answer records
    its version), oldest first; the latest version when the counts name none. Only the names of
    versions are read, never a count."""
    from sqlalchemy import select

    from indicators.instrument import InstrumentError, get_instrument

    from ..extensions import db
    from ..models import Forbund, IndicatorCell

    query = select(IndicatorCell.instrument_version).where(IndicatorCell.year == year).distinct()
    if scope != NATIONAL:
        query = query.join(Forbund, Forbund.id == IndicatorCell.forbund_id).where(Forbund.code == scope)
    found = []
    for version in sorted(db.session.scalars(query)):
        try:
            found.append(get_instrument(version))
        except InstrumentError:  # a version this installation does not ship: nothing to name it by
            continue
    return found or [labels.instrument()]


def data_sources(scope: str, year: int, generated) -> TextSection:
    """Which questionnaires and records, which period, as released when, under which instrument
    version, and who took part (the published response counts per förbund and group)."""
    lang = current_language()
    versions = instrument_versions(scope, year)
    titles = ", ".join(i.label(i.title, lang) if i.title else i.version for i in versions)
    preliminary = periods.preliminary_notice(year)
    paragraphs = [
        _("The report rests on the questionnaires answered in %(year)s by participants (during and at the end of "
          "the intervention), staff of the interventions, managers, board members and referrers, and on the "
          "avslut records that staff register when a participant's intervention ends.",
          year=periods.year_label(year)),
        _("Period: 1 January to 31 December %(year)s. The figures are those released on %(date)s.",
          year=year, date=fmt.long_date(generated)),
        *([preliminary] if preliminary else []),
        _("Instrument version: %(title)s.", title=titles)
        + (" " + _("This is a working version, labelled as such until NNS's official definitions are loaded.")
           if any(i.status == "working" for i in versions) else ""),
    ]
    section = TextSection("data-sources", _("Data sources and instrument version"),
                          blocks=[Block(paragraphs=paragraphs)])
    if scope == NATIONAL:
        ind = tables.indicators()
        members = national_page.participating(ind[ind["year"].eq(year) & ind["insats"].eq(INSATS_TOTAL)])
        section.blocks.append(Block(_("Participating förbund"), [
            _("%(label)s pools the %(n)s förbund with responses in %(year)s; förbund without responses are not "
              "part of it.", label=labels.national_label(), n=fmt.number(len(members)), year=periods.year_label(year))],
            items=members))
    records = _records_table(scope, year)
    if records is not None:
        section.tables.append(records)
    who = national_page.responses_section(year, None if scope == NATIONAL else scope)
    section.tables.extend(who.tables)
    return section
