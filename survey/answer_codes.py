"""Single-use answer codes (issue 10, point 5): a campaign can hand out printed cards, each with a
QR code and a short code to type, and each code sends one questionnaire. An open link can be
answered any number of times, which lets someone pad a small group with known answers until it
passes the threshold; a code cannot be used twice.

Only a hash of each code is stored (salted with the campaign's link), with a random key and a
used flag: no time, no order, nothing that links a code to a person, a draft or a response. The
codes themselves are shown once, when they are made, to be printed.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select, update

from .extensions import db
from .models import LINK_ALPHABET, AnswerCode, Campaign

LENGTH = 8  # 31^8 ≈ 8.5e11 codes: guessing one of a few hundred takes about 10^9 tries
MAX_BATCH = 500


def normalise(text: str) -> str:
    """What people type: any case, with spaces or dashes (the alphabet has no look-alikes)."""
    return "".join(ch for ch in (text or "").lower() if ch in LINK_ALPHABET)


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_hash(campaign: Campaign, code: str) -> str:
    return hashlib.sha256(f"{campaign.token}:{normalise(code)}".encode()).hexdigest()


def issue(campaign: Campaign, n: int) -> list[str]:
    """Make n new codes for the campaign; returns them (as printed) once, stores only hashes."""
    if not 1 <= n <= MAX_BATCH:
        raise ValueError(f"between 1 and {MAX_BATCH} codes at a time")
    codes: list[str] = []
    while len(codes) < n:
        code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(LENGTH))
        if code not in codes:
            codes.append(code)
    db.session.add_all(AnswerCode(campaign_id=campaign.id, code_hash=code_hash(campaign, c)) for c in codes)
    db.session.commit()
    return [display(c) for c in codes]


def usable(campaign: Campaign, code: str) -> str | None:
    """The code's hash if it belongs to the campaign and has not been used, else None."""
    if len(normalise(code)) != LENGTH:
        return None
    digest = code_hash(campaign, code)
    found = db.session.scalar(select(AnswerCode.id).where(
        AnswerCode.campaign_id == campaign.id, AnswerCode.code_hash == digest, AnswerCode.used.is_(False)))
    return digest if found is not None else None


def use(digest: str) -> bool:
    """Mark the code used in the caller's transaction (Send); False if it was used already."""
    return db.session.execute(update(AnswerCode).where(AnswerCode.code_hash == digest, AnswerCode.used.is_(False))
                              .values(used=True).execution_options(synchronize_session=False)).rowcount == 1


def handed_out(campaign_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AnswerCode).where(AnswerCode.campaign_id == campaign_id)) or 0
