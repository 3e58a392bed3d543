"""A realistic demo data set (`flask --app survey demo`).

Six förbund of different sizes (the two smallest so small that many gender cells are hidden),
2019–2025, all six respondent groups, instrument 2017-A before 2021 and 2021-A from 2021, avslut
records, and the gaps NNS's equality analysis found: men go to subsidised work more often, men are
slightly less satisfied on treatment and needs, women more often say care limits their
participation. Deterministic (fixed seed) and idempotent: rows have fixed ids, so a second run adds
nothing. Stored through the importer's bulk path, so it takes seconds.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from indicators.instrument import get_instrument

from .extensions import db
from .models import Campaign, Forbund, Insats, Role, User

PASSWORD = "demo-lösenord-1"
YEARS = range(2019, 2026)
FORBUND = [  # code, name, size (1.0 = the largest)
    ("norra-kusten", "Samordningsförbundet Norra Kusten", 1.0),
    ("mittland", "Finsam Mittland", 0.7),
    ("sjobygden", "Samordningsförbundet Sjöbygden", 0.5),
    ("dalalven", "Samordningsförbundet Dalälven", 0.35),
    ("fjallbyn", "Samordningsförbundet Fjällbyn", 0.12),
    ("skargarden", "Samordningsförbundet Skärgården", 0.07),
]
INSATSER = [
    ("steget", "Steget"), ("vagen-framat", "Vägen framåt"), ("unga-vuxna", "Unga vuxna"),
    ("hallbar-halsa", "Hållbar hälsa"), ("arbetsporten", "Arbetsporten"),
]
# Responses a year for a förbund of size 1.0; staff groups have a floor (a board is a board).
PER_YEAR = {"deltagare_pagaende": (160, 2), "deltagare_avslut": (130, 2), "insatspersonal": (24, 3),
            "styrelse": (9, 5), "chefer": (12, 3), "remittenter": (30, 3)}
KON = (("kvinna", 0.54), ("man", 0.40), ("annat", 0.025), ("ej_svar", 0.035))
ALDER = ("16-19", "20-24", "25-29", "30-39", "40-49", "50-64", "ej_svar")
UTFALL = {  # weights per kön: men more often subsidised work, women more often studies
    "kvinna": {"arbete": 17, "subventionerat_arbete": 11, "studier": 19, "arbetssokande": 20,
               "annan_insats": 13, "sjukskriven": 14, "annat": 3, "vet_inte": 3},
    "man": {"arbete": 19, "subventionerat_arbete": 25, "studier": 10, "arbetssokande": 20,
            "annan_insats": 11, "sjukskriven": 9, "annat": 3, "vet_inte": 3},
}
INCOME_AFTER = {"arbete": "lon", "subventionerat_arbete": "lon", "studier": "studiemedel",
                "arbetssokande": "a_kassa_aktivitetsstod", "sjukskriven": "sjukpenning_ersattning"}
COMMENTS = [
    "Personalen lyssnade på mig och tog mig på allvar.",
    "Det tog lång tid innan något hände i början.",
    "Bra att allt fanns på ett ställe, jag slapp springa mellan myndigheter.",
    "Jag hade velat ha mer stöd efter att insatsen tog slut.",
    "Svårt att få ihop tiderna med hämtning på förskolan.",
    "Samverkan mellan parterna har blivit bättre i år.",
    "Mer tid för uppföljning behövs.",
]
DEMO_USERS = [  # email, role, förbund code
    ("admin@demo.se", Role.ADMIN, None),
    ("nns@demo.se", Role.NNS, None),
    ("forbundsadmin@demo.se", Role.FORBUND_ADMIN, "norra-kusten"),
    ("handlaggare@demo.se", Role.FORBUND_USER, "norra-kusten"),
    ("mittland-admin@demo.se", Role.FORBUND_ADMIN, "mittland"),
]


def _pick(rng: random.Random, weights: dict[str, float] | tuple) -> str:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


def _answer(rng: random.Random, scale, p_positive: float) -> int | None:
    draw = rng.random()
    if draw < 0.04:
        return None  # not answered
    if draw < 0.09:
        return 9  # vet inte / ej aktuellt
    steps = len(scale.steps)
    if rng.random() < p_positive:
        return 1 if steps == 2 or rng.random() < 0.45 else 2
    return 2 if steps == 2 else (3 if rng.random() < 0.7 else 4)


def _responses(rng: random.Random, code: str, size: float, insatser: list[str]) -> list[dict]:
    rows = []
    for year in YEARS:
        inst = get_instrument("2017-A" if year < 2021 else "2021-A")
        trend = 0.012 * (year - 2019)
        for group, (base, floor) in PER_YEAR.items():
            participant = inst.is_participant_group(group)
            n = max(floor, round(base * size * rng.uniform(0.8, 1.2)))
            optional = {"omsorg", "vald_rutin"} if year >= 2021 else set()
            questions = [q for q in inst.questionnaire(group, optional=optional) if q.scale is not None]
            for i in range(n):
                kon = _pick(rng, KON) if participant else None
                answers = {}
                for q in questions:
                    if q.id == "omsorg":
                        p = 0.27 if kon == "kvinna" else 0.12  # Ja = care limits participation
                    elif q.id == "vald_rutin":
                        p = 0.35 + 2 * trend
                    else:
                        p = 0.74 + trend - (0.09 if kon == "man" and q.id in ("D1", "D2") else 0.0)
                    value = _answer(rng, q.scale, p)
                    if value is not None:
                        answers[q.id] = value
                utfall = None
                if group == "deltagare_avslut":
                    utfall = _pick(rng, UTFALL["man" if kon == "man" else "kvinna"])
                    if rng.random() < 0.05:
                        utfall = None
                rows.append({
                    "key": f"demo-{code}-{year}-{group}-{i}", "forbund": code,
                    "insats": rng.choice(insatser) if participant or group == "insatspersonal" else None,
                    "year": year, "month": f"{year}-{rng.randint(3, 11):02d}", "respondent_group": group,
                    "instrument_version": inst.version, "kon": kon,
                    "alder": rng.choice(ALDER) if participant else None, "utfall": utfall,
                    "kommentar": rng.choice(COMMENTS) if rng.random() < 0.06 else None,
                    "answers": answers,
                })
    return rows


def _avslut(rng: random.Random, code: str, size: float, insatser: list[str]) -> list[dict]:
    rows = []
    for year in YEARS:
        for i in range(max(3, round(70 * size * rng.uniform(0.8, 1.2)))):
            kon = _pick(rng, KON)
            utfall = _pick(rng, UTFALL["man" if kon == "man" else "kvinna"])
            rows.append({
                "key": f"demo-avslut-{code}-{year}-{i}", "forbund": code, "insats": rng.choice(insatser),
                "year": year, "kon": kon, "alder": rng.choice(ALDER), "manader": rng.randint(1, 36),
                "forsorjning_fore": _pick(rng, {"forsorjningsstod": 4, "sjukpenning_ersattning": 3,
                                                "a_kassa_aktivitetsstod": 2, "ingen": 1, "okand": 1}),
                "forsorjning_efter": INCOME_AFTER.get(utfall, rng.choice(["forsorjningsstod", "ingen", "okand"])),
                "utfall": utfall,
            })
    return rows


def _users() -> list[str]:
    from .credentials.passwords import hash_password

    lines, hashed = [], None
    for email, role, forbund_code in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            hashed = hashed or hash_password(PASSWORD)
            forbund = db.session.scalar(select(Forbund).where(Forbund.code == forbund_code)) if forbund_code else None
            db.session.add(User(email=email, role=role.value, forbund=forbund, password_hash=hashed,
                                name=email.split("@")[0]))
        lines.append(f"  {email:<26} {role.value:<14} {forbund_code or '':<14} {PASSWORD}")
    db.session.commit()
    return lines


def _campaigns(forbund: Forbund) -> list[str]:
    """One open campaign per participant group, so the participant link works in the demo."""
    today = date.today()
    insats = db.session.scalar(select(Insats).where(Insats.forbund_id == forbund.id, Insats.code == "steget"))
    lines = []
    for group in ("deltagare_pagaende", "deltagare_avslut"):
        title = f"Demo: {group}"
        campaign = db.session.scalar(select(Campaign).where(Campaign.forbund_id == forbund.id, Campaign.title == title))
        if campaign is None:
            campaign = Campaign(forbund=forbund, insats=insats, title=title, respondent_group=group,
                                instrument_version="2021-A", opens_on=today - timedelta(days=14),
                                closes_on=today + timedelta(days=90), optional_questions=["omsorg", "kommentar"])
            db.session.add(campaign)
        elif campaign.closes_on < today:  # an old demo database: keep the link working
            campaign.opens_on, campaign.closes_on = today - timedelta(days=14), today + timedelta(days=90)
        db.session.flush()
        lines.append(f"  {group:<20} /e/{campaign.token}")
    db.session.commit()
    return lines


def load_demo() -> str:
    from . import importing

    rng = random.Random(20240521)
    responses, records = [], []
    for index, (code, name, size) in enumerate(FORBUND):
        forbund = db.session.scalar(select(Forbund).where(Forbund.code == code))
        if forbund is None:
            forbund = Forbund(code=code, name=name)
            db.session.add(forbund)
        count = 2 if size < 0.2 else 3 + index % 3
        existing = {i.code for i in forbund.insatser}
        for icode, iname in INSATSER[:count]:
            if icode not in existing:
                db.session.add(Insats(forbund=forbund, code=icode, name=iname))
        db.session.flush()
        insatser = [c for c, _ in INSATSER[:count]]
        responses += _responses(rng, code, size, insatser)
        records += _avslut(rng, code, size, insatser)
    db.session.commit()

    added = []
    for kind, rows in (("responses", responses), ("avslut", records)):
        # Fixed ids make a second run find every row known and add nothing.
        checked = importing.Checked(kind, rows=rows)
        known = importing.known_keys(kind, [r["key"] for r in rows])
        checked.rows = [r for r in rows if r["key"] not in known]
        checked.known = len(known)
        added.append(importing.store(checked, user_id=None, source="demo data").added)

    largest = db.session.scalar(select(Forbund).where(Forbund.code == FORBUND[0][0]))
    lines = [
        f"Demo data: {len(FORBUND)} förbund, {YEARS.start}–{YEARS.stop - 1}: "
        f"{added[0]} new responses, {added[1]} new avslut records "
        f"({len(responses) - added[0]} responses and {len(records) - added[1]} records were there already).",
        "", "Users (email, role, förbund, password):", *_users(),
        "", f"Open participant links ({largest.name}):", *_campaigns(largest),
    ]
    return "\n".join(lines)
