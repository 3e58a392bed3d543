"""Instrument definitions: the NNS questionnaires as data, loaded from versioned TOML files.

Everything else (forms, counting, exports, reports) is driven by these objects, so that loading a
new official version needs no code change. Loading validates the file and raises InstrumentError
with every problem found, so a broken definition never reaches a participant.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
DONT_KNOW = 9
PARTICIPANT_GROUPS = ("deltagare_pagaende", "deltagare_avslut")
GROUP_ORDER = (
    "deltagare_pagaende", "deltagare_avslut", "insatspersonal", "styrelse", "chefer", "remittenter",
)


class InstrumentError(ValueError):
    """A definition file is invalid; the message lists every problem with where it is."""


@dataclass(frozen=True)
class Scale:
    code: str
    steps: tuple[dict[str, str], ...]  # step n (1-based) -> labels per language
    positive: frozenset[int]

    @property
    def valid_steps(self) -> range:
        return range(1, len(self.steps) + 1)


@dataclass(frozen=True)
class Question:
    """A question whose answer is stored: an indicator question, or a background question."""
    id: str
    text: dict[str, str]
    groups: tuple[str, ...]
    scale: Scale | None = None  # scale questions store a step 1..n or 9
    choices: tuple[dict[str, str], ...] = ()  # choice questions store a code
    indicator: int | None = None
    optional: bool = False  # the campaign decides whether to ask it
    free_text: bool = False
    # What a "yes"/positive answer means, as a predicate for genuskompass sentences (sv, en), with
    # "|" after the verb; only for questions compared between women and men.
    phrase: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.free_text:
            return "text"
        return "scale" if self.scale else "choice"

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c["code"] for c in self.choices)

    def allowed_values(self) -> set[int]:
        assert self.scale is not None
        return set(self.scale.valid_steps) | {DONT_KNOW}


@dataclass(frozen=True)
class Indicator:
    number: int
    area: str
    name: dict[str, str]
    questions: tuple[str, ...]
    # What a positive answer means, as a predicate for the genuskompass sentences (sv, en): the
    # wording lives with the indicator so that pages and reports only assemble sentences.
    phrase: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    version: str
    status: str
    title: dict[str, str]
    participant_languages: tuple[str, ...]
    staff_languages: tuple[str, ...]
    unreviewed: tuple[str, ...]
    groups: dict[str, dict]
    areas: dict[str, dict[str, str]]
    scales: dict[str, Scale]
    dont_know: dict[str, str]
    questions: dict[str, Question]  # indicator questions then background, in questionnaire order
    indicators: dict[int, Indicator] = field(default_factory=dict)

    # -- questionnaire --------------------------------------------------------------------------
    def questionnaire(self, group: str, *, optional: frozenset[str] | set[str] = frozenset()):
        """The questions a respondent of `group` answers, in order; `optional` names the optional
        questions the campaign asks."""
        return [
            q for q in self.questions.values()
            if group in q.groups and (not q.optional or q.id in optional)
        ]

    def optional_questions(self, group: str) -> list[Question]:
        return [q for q in self.questions.values() if group in q.groups and q.optional]

    def languages_for(self, group: str) -> tuple[str, ...]:
        return self.participant_languages if self.is_participant_group(group) else self.staff_languages

    def is_participant_group(self, group: str) -> bool:
        return bool(self.groups.get(group, {}).get("participant"))

    # -- exchange format ------------------------------------------------------------------------
    @property
    def answer_columns(self) -> list[str]:
        """Question ids stored as answer steps: the question columns of the responses file."""
        return [q.id for q in self.questions.values() if q.scale is not None]

    def indicator_questions(self, group: str) -> dict[int, list[str]]:
        """indicator number -> its question ids asked of `group` (pooled when several)."""
        result: dict[int, list[str]] = {}
        for ind in self.indicators.values():
            ids = [q for q in ind.questions if group in self.questions[q].groups]
            if ids:
                result[ind.number] = ids
        return result

    def label(self, mapping: dict[str, str], lang: str) -> str:
        return mapping.get(lang) or mapping.get("en") or mapping["sv"]

    # -- sentence phrases (genuskompass "I klartext") --------------------------------------------
    @staticmethod
    def _pair(mapping: dict[str, str] | None) -> tuple[str, str] | None:
        return (mapping["sv"], mapping["en"]) if mapping else None

    def indicator_phrase(self, number: int) -> tuple[str, str] | None:
        """(sv, en) predicate of an indicator's positive share, or None when it has none."""
        ind = self.indicators.get(int(number))
        return self._pair(ind.phrase) if ind else None

    def question_phrase(self, question_id: str) -> tuple[str, str] | None:
        q = self.questions.get(question_id)
        return self._pair(q.phrase) if q else None

    def group_phrase(self, code: str) -> tuple[str, str] | None:
        """(sv, en) respondent group as a sentence names it ("deltagare som avslutat insatsen")."""
        return self._pair(self.groups.get(code, {}).get("phrase"))


# ---------------------------------------------------------------------------------- loading
def _raw(path: Path) -> dict:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    parent = data.get("extends")
    if not parent:
        return data
    base = _raw(path.with_name(f"{parent}.toml"))
    dropped = set(data.get("drop_indicators", []))
    dropped_questions = {
        q for ind in base["indicators"] if ind["number"] in dropped for q in ind["questions"]
    }
    merged = {**base, **{k: v for k, v in data.items() if k not in ("extends", "drop_indicators")}}
    merged["indicators"] = [i for i in base["indicators"] if i["number"] not in dropped]
    merged["questions"] = [q for q in base["questions"] if q["id"] not in dropped_questions]
    return merged


def load_instrument(path: str | Path) -> Instrument:
    path = Path(path)
    try:
        data = _raw(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InstrumentError(f"{path.name}: cannot be read: {exc}") from exc
    errors: list[str] = []
    where = path.name

    def need(mapping: dict | None, langs, what: str) -> dict[str, str]:
        mapping = mapping or {}
        missing = [lang for lang in langs if not str(mapping.get(lang, "")).strip()]
        if missing:
            errors.append(f"{where}: {what}: missing translation for {', '.join(missing)}")
        return dict(mapping)

    version = data.get("version") or ""
    if not version:
        errors.append(f"{where}: 'version' is missing")
    p_langs = tuple(data.get("participant_languages", ("sv", "en")))
    s_langs = tuple(data.get("staff_languages", ("sv", "en")))
    for required in ("sv", "en"):
        if required not in p_langs or required not in s_langs:
            errors.append(f"{where}: Swedish and English are required in every language list")
            break

    groups = dict(data.get("groups", {}))
    def phrase(raw: dict, what: str) -> dict[str, str]:
        # Sentences exist in Swedish and English (genuskompass.sentence); a phrase is optional,
        # but one given must have both.
        return need(raw["phrase"], ("sv", "en"), f"{what} phrase") if raw.get("phrase") else {}

    for code, group in groups.items():
        need(group.get("label"), p_langs if group.get("participant") else s_langs, f"group {code}")
        phrase(group, f"group {code}")

    def langs_for_groups(group_codes) -> tuple[str, ...]:
        participant = any(groups.get(g, {}).get("participant") for g in group_codes)
        return p_langs if participant else s_langs

    scales: dict[str, Scale] = {}
    for code, raw in data.get("scales", {}).items():
        steps = tuple(need(s, p_langs, f"scale {code} step {n}") for n, s in enumerate(raw.get("steps", []), 1))
        positive = frozenset(raw.get("positive", []))
        if not steps:
            errors.append(f"{where}: scale {code} has no steps")
        if not positive or not positive <= set(range(1, len(steps) + 1)):
            errors.append(f"{where}: scale {code}: positive steps {sorted(positive)} are not steps of the scale")
        scales[code] = Scale(code, steps, positive)
    dont_know = need(data.get("dont_know", {}).get("label"), p_langs, "dont_know label")
    if data.get("dont_know", {}).get("code", DONT_KNOW) != DONT_KNOW:
        errors.append(f"{where}: the 'don't know' code must be {DONT_KNOW}")

    questions: dict[str, Question] = {}
    question_indicator = {
        qid: ind.get("number") for ind in data.get("indicators", []) for qid in ind.get("questions", [])
    }
    for kind, raw_list in (("question", data.get("questions", [])), ("background", data.get("background", []))):
        for raw in raw_list:
            qid = raw.get("id", "")
            if not qid:
                errors.append(f"{where}: a {kind} has no id")
                continue
            if qid in questions:
                errors.append(f"{where}: duplicate question id {qid}")
                continue
            q_groups = tuple(raw.get("groups", []))
            unknown = [g for g in q_groups if g not in groups]
            if unknown or not q_groups:
                errors.append(f"{where}: question {qid}: unknown or no respondent group {unknown}")
            langs = langs_for_groups(q_groups)
            text = need(raw.get("text"), langs, f"question {qid}")
            scale = None
            if "scale" in raw:
                scale = scales.get(raw["scale"])
                if scale is None:
                    errors.append(f"{where}: question {qid}: unknown scale '{raw['scale']}'")
            elif kind == "question":
                errors.append(f"{where}: question {qid} has no scale")
            choices = tuple(raw.get("choices", ()))
            for choice in choices:
                need(choice, langs, f"question {qid} choice {choice.get('code', '?')}")
            if kind == "background" and not (scale or choices or raw.get("free_text")):
                errors.append(f"{where}: background question {qid} needs a scale, choices or free_text")
            questions[qid] = Question(
                id=qid, text=text, groups=q_groups, scale=scale, choices=choices,
                indicator=question_indicator.get(qid) if kind == "question" else None,
                optional=bool(raw.get("optional")), free_text=bool(raw.get("free_text")),
                phrase=phrase(raw, f"question {qid}"),
            )

    indicators: dict[int, Indicator] = {}
    for raw in data.get("indicators", []):
        number = raw.get("number")
        if number in indicators:
            errors.append(f"{where}: duplicate indicator number {number}")
        for qid in raw.get("questions", []):
            if qid not in questions or questions[qid].scale is None:
                errors.append(f"{where}: indicator {number}: unknown question {qid}")
        if raw.get("area") not in data.get("areas", {}):
            errors.append(f"{where}: indicator {number}: unknown area '{raw.get('area')}'")
        indicators[number] = Indicator(
            number=number, area=raw.get("area", ""), name=need(raw.get("name"), s_langs, f"indicator {number}"),
            questions=tuple(raw.get("questions", [])), phrase=phrase(raw, f"indicator {number}"),
        )
    if errors:
        raise InstrumentError("\n".join(errors))
    return Instrument(
        version=version, status=data.get("status", "official"), title=dict(data.get("title", {})),
        participant_languages=p_langs, staff_languages=s_langs,
        unreviewed=tuple(data.get("unreviewed", ())), groups=groups, areas=dict(data.get("areas", {})),
        scales=scales, dont_know=dont_know, questions=questions, indicators=indicators,
    )


@cache
def instruments(directory: str | None = None) -> dict[str, Instrument]:
    """Every definition in `directory` (default: the shipped ones), by version."""
    folder = Path(directory) if directory else DEFINITIONS_DIR
    loaded = [load_instrument(p) for p in sorted(folder.glob("*.toml"))]
    return {i.version: i for i in loaded}


def get_instrument(version: str) -> Instrument:
    try:
        return instruments()[version]
    except KeyError:
        raise InstrumentError(f"unknown instrument version '{version}'") from None


def latest_version() -> str:
    return max(instruments())
