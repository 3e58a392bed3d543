"""Builders for hand-made responses and avslut records (tests/exchange only)."""
from __future__ import annotations

import itertools

from survey.extensions import db
from survey.models import Answer, AvslutRecord, Response

_keys = itertools.count(1)


def response(forbund, group: str = "deltagare_avslut", answers: dict | None = None, *, kon=None,
             year: int = 2024, version: str = "2021-A", insats=None, alder=None, utfall=None,
             kommentar=None, key: str | None = None, commit: bool = True) -> Response:
    r = Response(response_key=key or f"r{next(_keys)}", forbund=forbund, insats=insats, year=year,
                 respondent_group=group, instrument_version=version, kon=kon, alder=alder,
                 utfall=utfall, kommentar=kommentar)
    r.answers = [Answer(question_id=q, value=v) for q, v in (answers or {}).items() if v is not None]
    db.session.add(r)
    if commit:
        db.session.commit()
    return r


def many(n: int, forbund, group: str, answers: dict, **kw) -> None:
    for _ in range(n):
        response(forbund, group, answers, commit=False, **kw)
    db.session.commit()


def avslut(forbund, *, year: int = 2024, kon="kvinna", utfall="arbete", insats=None, alder=None,
           manader=None, fore=None, efter=None, key: str | None = None, n: int = 1) -> None:
    for _ in range(n):
        db.session.add(AvslutRecord(record_key=key or f"a{next(_keys)}", forbund=forbund, insats=insats,
                                    year=year, kon=kon, alder=alder, manader=manader,
                                    forsorjning_fore=fore, forsorjning_efter=efter, utfall=utfall))
    db.session.commit()
