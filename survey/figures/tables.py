"""The published tables every results page, chart, export and report picks its figures from.

Each table is computed ONCE over all förbund and years, in its fullest form (by gender, by insats,
with `riket`), through the disclosure engine of `indicators/`, and kept by cache.py under the data
version; views only pick rows. Complementary suppression makes a cell's visibility depend on its
siblings (other genders, other förbund under riket, other insatser under the förbund), so a table
computed on its own for one view could hide different cells than another view and be differenced
against it. Picking from one table keeps a cell hidden on a page hidden in every file, and the
other way round.

The counts they are computed from are the released counts (releases.py): a figure moves only
when at least k responses or records have been added to what it rests on.
"""
from __future__ import annotations

import pandas as pd
from flask import current_app

from indicators.breakdowns import months_table, outcome_breakdown_table, transition_table
from indicators.compute import indicator_table, question_table
from indicators.disclosure import SiblingSet, blank_suppressed, suppress
from indicators.genuskompass import SUBGOALS
from indicators.outcomes import ALL_RATES, income_after_table, outcome_table
from indicators.protection import FEW, remembered_in

from . import cache, patterns, releases

NATIONAL = "riket"
INSATS_TOTAL = "alla"
# Background and staff questions of the genuskompass (sub-goals 4 and 6): each gets a question
# table of its own (indicators.compute.question_table, the indicator table's disclosure).
GENUSKOMPASS_QUESTIONS = tuple(dict.fromkeys(q.question for goal in SUBGOALS for q in goal.questions))


def k() -> int:
    return int(current_app.config["DISCLOSURE_K"])


def cached(key, build, threshold: int | None = None):
    """Anything derived from the tables (e.g. genuskompass comparisons), kept as long as they are.
    threshold: the k it is published with (default: the installation's DISCLOSURE_K)."""
    return cache.cached(key, k() if threshold is None else threshold, build)


def _published(key, build, threshold: int | None = None):
    """A published table: built from the released counts through the disclosure engine, whose
    block patterns are kept in the database (patterns.py); refreshed in the background where
    the installation says so (cache.py)."""
    def build_remembered():
        with remembered_in(patterns.DatabaseBlockStore()):
            return build()
    return cache.cached(key, k() if threshold is None else threshold, build_remembered, refreshable=True)


def clear() -> None:
    """Forget the cached tables (tests and the report command after loading data)."""
    cache.clear()


def indicators(threshold: int | None = None) -> pd.DataFrame:
    """indicator_table by gender and insats, with riket: columns forbund, insats (`alla` = the
    förbund's own figure, "" = responses without insats), year, respondent_group, indicator,
    gender, n_responses, valid, positive, value, suppressed, hidden_reason."""
    threshold = k() if threshold is None else threshold
    return _published("indicators", lambda: indicator_table(
        releases.indicator_counts(), k=threshold, by_gender=True, national=True, by_insats=True), threshold)


def outcomes(threshold: int | None = None) -> pd.DataFrame:
    """outcome_table for both sources and every rate the genuskompass needs (sick leave too)."""
    threshold = k() if threshold is None else threshold
    return _published("outcomes", lambda: outcome_table(releases.outcome_counts(), k=threshold, national=True,
                                                    rates=ALL_RATES), threshold)


def income_after() -> pd.DataFrame:
    return _published("income_after", lambda: income_after_table(releases.income_counts(), k=k(), national=True))


def question(question_id: str) -> pd.DataFrame:
    """question_table (by gender, with riket) for one background/staff question of the
    genuskompass: columns forbund, year, respondent_group, question, gender, n_responses, valid,
    positive, value, suppressed, hidden_reason."""
    if question_id not in GENUSKOMPASS_QUESTIONS:
        raise KeyError(f"'{question_id}' is not a genuskompass question")
    return _published(f"question:{question_id}", lambda: question_table(
        releases.question_counts(question_id), k=k(), by_gender=True, national=True))


def responses() -> pd.DataFrame:
    """Questionnaires answered per förbund, year and respondent group, with riket; counts below k
    hidden, and förbund under riket complementary-suppressed (riket of three förbund or more)."""
    def build():
        per = releases.responses_per_forbund()
        national = per.groupby(["year", "respondent_group"], as_index=False)["n"].sum().assign(forbund=NATIONAL)
        rows = pd.concat([per, national[per.columns]], ignore_index=True)
        forbund = SiblingSet(("year", "respondent_group"), "forbund", NATIONAL)
        rows = suppress(rows, count_col="n", k=k(), sibling_sets=[forbund], national=forbund)
        return blank_suppressed(rows, ["n"])
    return _published("responses", build)


def outcome_breakdowns(threshold: int | None = None) -> pd.DataFrame:
    """Outcome rates per insats and per age band (the förbund's and riket's), by gender, both sources
    (indicators.breakdowns): columns forbund, year, source, insats, alder, gender, rate, n,
    numerator, value, suppressed, hidden_reason. Protected jointly with the outcome table's rows,
    its totals: the outcome table is made again here from the very released counts the breakdown
    adds up to (the engine gives the same counts the same pattern, remembered), not taken from
    the cache, which may hold the table of a release before."""
    threshold = k() if threshold is None else threshold

    def build():
        details = releases.outcome_details()
        totals = details.groupby(["forbund", "year", "source", "gender", "utfall"], dropna=False, as_index=False)["n"].sum()
        totals = _blanks_as_none(totals, ["gender", "utfall"])
        published = outcome_table(totals, k=threshold, national=True, rates=ALL_RATES)
        return outcome_breakdown_table(details, published, k=threshold, rates=ALL_RATES, age_rows="all")
    return _published("outcome_breakdowns", build, threshold)


def income_transitions() -> pd.DataFrame:
    """Per income source before the intervention, the shares by income source after, by gender
    (indicators.breakdowns.transition_table), jointly protected with income_after()'s rows."""
    def build():
        details = releases.income_transitions()
        totals = details.groupby(["forbund", "year", "gender", "forsorjning_efter"], dropna=False, as_index=False)["n"].sum()
        totals = _blanks_as_none(totals, ["gender", "forsorjning_efter"])
        published = income_after_table(totals, k=k(), national=True)
        return transition_table(details, published, k=k())
    return _published("income_transitions", build)


def months() -> pd.DataFrame:
    """Share of avslut records per band of months in the intervention, by gender, with riket."""
    return _published("months", lambda: months_table(releases.months_counts(), k=k(), national=True))


def _blanks_as_none(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def build_all() -> None:
    """Compute every published table the pages open on now (a release, then disclosure with its
    audit), so that the first visitor after a data load does not wait for them."""
    indicators(), outcomes(), income_after(), responses()
    for question_id in GENUSKOMPASS_QUESTIONS:
        question(question_id)


def build_breakdowns() -> None:
    """The breakdowns of the avslut records (outcomes page): their joint audit with the tables
    they add up to takes about five minutes on the demo, so `flask demo` builds them after it
    starts serving, and `flask figures publish` after build_all()."""
    outcome_breakdowns(), months(), income_transitions()  # what the outcomes page can do without last


def years_with_data(forbund: str | None = None) -> list[int]:
    table = indicators()
    if forbund is not None:
        table = table[table["forbund"].eq(forbund)]
    return sorted(int(y) for y in table["year"].unique())


def campaign_counts(forbund_id: int, campaigns) -> dict[int, tuple[int, bool, str]]:
    """campaign id → (responses, hidden, reason) for campaigns of one förbund, given as (id, year,
    respondent group) triples (taking a release commits, which would expire ORM objects), as released and
    decided by the disclosure engine: a förbund's campaigns of one year and group add up to its
    questionnaires answered (published on the national view), with the rest (imported answers)
    as one more member, so a hidden small campaign cannot be found as the total minus the shown
    ones. Every page that shows a campaign's responses takes them from here (a live count next
    to a released one would give away each send)."""
    if not campaigns:
        return {}
    per_campaign = releases.campaign_response_counts(forbund_id)
    # A campaign nobody has answered (yet) is a known zero (DISCLOSURE.md: zero cells are known to
    # the attacker and protect no one): shown as "–" like a small count, but no member of the set,
    # so that it takes no other campaign's figure with it.
    campaigns = list(campaigns)
    answered_campaigns = [c for c in campaigns if per_campaign.get(c[0], 0) > 0]
    out_zero = {c[0]: (0, True, FEW) for c in campaigns if per_campaign.get(c[0], 0) == 0}
    if not answered_campaigns:
        return out_zero
    rows = [{"campaign": str(cid), "year": year, "respondent_group": group, "n": per_campaign[cid]}
            for cid, year, group in answered_campaigns]
    frame = pd.DataFrame(rows)
    answered = releases.responses_per_forbund(forbund_ids=[forbund_id])
    totals = frame.groupby(["year", "respondent_group"], as_index=False)["n"].sum().merge(
        answered[["year", "respondent_group", "n"]], on=["year", "respondent_group"], how="left",
        suffixes=("", "_all"))
    totals["n_all"] = totals["n_all"].fillna(totals["n"]).astype(int).clip(lower=totals["n"])
    extra = [
        *({"campaign": "alla", "year": t.year, "respondent_group": t.respondent_group, "n": t.n_all}
          for t in totals.itertuples()),
        *({"campaign": "~other", "year": t.year, "respondent_group": t.respondent_group, "n": t.n_all - t.n}
          for t in totals.itertuples() if t.n_all > t.n),
    ]
    frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    out = suppress(frame, count_col="n", k=k(),
                   sibling_sets=[SiblingSet(("year", "respondent_group"), "campaign", "alla")])
    return out_zero | {int(r["campaign"]): (int(r["n"]), bool(r["suppressed"]), r["hidden_reason"])
                       for r in out.to_dict("records") if r["campaign"] not in ("alla", "~other")}
