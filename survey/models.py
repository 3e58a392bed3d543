"""The data model.

Privacy by design (DISCLOSURE.md, issue 2): a stored response carries no name, personal number,
address, user agent or precise time, only the month it was sent. "Who is answering" (the draft,
under an opaque token) is stored apart from "what was answered" (the response), and once a draft
is sent nothing links the two.
"""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, timedelta, timezone

from flask_login import UserMixin
from sqlalchemy import false as sa_false
from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
    SmallInteger, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


# Campaign links are typed in from posters by people who may read little Swedish: lowercase
# letters and digits without look-alikes (0/o, 1/l/i); 12 of them (59 bits) cannot be guessed.
LINK_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_link_token(length: int = 12) -> str:
    return "".join(secrets.choice(LINK_ALPHABET) for _ in range(length))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Role(str, enum.Enum):
    ADMIN = "admin"  # system administrator
    NNS = "nns"  # NNS analyst: national figures, never raw responses
    FORBUND_ADMIN = "forbund_admin"
    FORBUND_USER = "forbund_user"


class Forbund(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Free-text comments older than this are deleted by the retention command.
    free_text_retention_months: Mapped[int] = mapped_column(SmallInteger, default=24)
    # What participants are told about whom to contact (the page "Om enkäten och dina uppgifter"
    # and the accessibility statement); written by the förbund administrator.
    contact_email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    privacy_contact: Mapped[str] = mapped_column(String(200), default="", server_default="")  # dataskyddsombud
    information_note: Mapped[str] = mapped_column(Text, default="", server_default="")  # in Swedish

    insatser: Mapped[list[Insats]] = relationship(back_populates="forbund", order_by="Insats.code")


class Insats(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))

    # Archived: out of the default lists and choices (new campaigns, avslut form, imports,
    # filters); its data and figures stay (survey/corrections.py).
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    forbund: Mapped[Forbund] = relationship(back_populates="insatser")
    __table_args__ = (UniqueConstraint("forbund_id", "code"),)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id"))
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session's user id: counting it up ends every session of the user at once
    # (logout, and later a password change), also copies of a cookie taken before.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Two-step login (survey/credentials/twofactor.py): the TOTP key, sealed (None: not turned on), the last
    # 30-second step a code was accepted for (a code is never accepted twice) and the SHA-256
    # hashes of the unused one-time recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(160))  # sealed (twofactor.seal)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_codes: Mapped[list | None] = mapped_column(JSON)

    forbund: Mapped[Forbund | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}.{self.session_epoch or 0}"

    def end_sessions(self) -> None:
        """Every session of this user (every browser, every copied cookie) stops working."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def can_see_forbund(self, forbund_id: int) -> bool:
        return self.role in (Role.ADMIN, Role.NNS) or self.forbund_id == forbund_id


class LoginDevice(db.Model):
    """A browser that has signed in to an account (OWASP "device cookies", survey/credentials/passwords.py):
    its own failure count and lock, so that failures from elsewhere never lock it out. The cookie
    holds the signed nonce; nothing here says where or when the browser was."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


DEFAULT_SEND_GRACE_DAYS = 7


class Campaign(db.Model):
    """One questionnaire round: a link that a respondent group answers within open dates."""
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_link_token)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id"))
    title: Mapped[str] = mapped_column(String(200), default="")  # staff only
    # What participants see as the heading (empty: a heading of the product, in their language).
    public_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    respondent_group: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    # Ids of the optional questions (omsorg, vald_rutin, kommentar) this campaign asks.
    optional_questions: Mapped[list] = mapped_column(JSON, default=list)
    # Days after closing in which a questionnaire started before can still be sent: nobody
    # who began in time loses their answers to the date.
    send_grace_days: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_SEND_GRACE_DAYS,
                                                 server_default=str(DEFAULT_SEND_GRACE_DAYS))
    # Answered with single-use codes (answer_codes.py) instead of by anyone with the link.
    uses_codes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Archived: out of the default lists; its link takes no answers; its data and figures stay.
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    forbund: Mapped[Forbund] = relationship()
    insats: Mapped[Insats | None] = relationship()

    def status(self, today: date) -> str:
        if self.archived:
            return "archived"
        if today < self.opens_on:
            return "not_open"
        if today > self.closes_on:
            return "closed"
        return "open"

    def last_day_to_send(self) -> date:
        """The last day a questionnaire started by the closing day can be sent."""
        return self.closes_on + timedelta(days=self.send_grace_days or 0)

    @property
    def year(self) -> int:
        return self.opens_on.year


class Draft(db.Model):
    """An unfinished questionnaire, resumable under its opaque token until `expires_on`.

    Send deletes it in the transaction that stores the response (a resubmission finds nothing
    to claim and stores nothing), so no sent draft, with its language and dates, stays to be
    matched against the responses. Expired drafts are deleted by `flask retention` and as new
    ones start.
    """
    token: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_token)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="sv")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    # The hash of the single-use code this questionnaire was started with, if any; marked used
    # by Send, which deletes the draft (so nothing keeps code and response together).
    code_hash: Mapped[str | None] = mapped_column(String(64))

    campaign: Mapped[Campaign] = relationship()


def random_id() -> int:
    """A random 62-bit key: a sequence would number responses in the order they were sent, and
    drafts, access logs and the order of sends could then be matched to them."""
    return secrets.randbits(62) or 1


class Response(db.Model):
    """One sent questionnaire. `month` (YYYY-MM) is the only time stored; the key is random
    (random_id), so neither it nor the table's order (SQLite keeps rows in key order) follows
    the order of sending."""
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=random_id)  # SQLite: the rowid
    response_key: Mapped[str] = mapped_column(String(80), unique=True, default=lambda: new_token(16))
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    year: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[str | None] = mapped_column(String(7))
    respondent_group: Mapped[str] = mapped_column(String(40))
    instrument_version: Mapped[str] = mapped_column(String(20))
    kon: Mapped[str | None] = mapped_column(String(10))
    alder: Mapped[str | None] = mapped_column(String(10))
    utfall: Mapped[str | None] = mapped_column(String(30))
    kommentar: Mapped[str | None] = mapped_column(Text)
    # The import that stored it (ImportBatch), so that the import can be undone as a whole. It ties
    # the response to an import time, so retention clears it after the undo window.
    import_batch_id: Mapped[int | None] = mapped_column(Integer, index=True)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    forbund: Mapped[Forbund] = relationship()
    insats: Mapped[Insats | None] = relationship()

    __table_args__ = (
        Index("ix_response_cell", "forbund_id", "year", "respondent_group", "kon"),
        # Covering indexes of the two counts read from the responses themselves (figures/counts.py):
        # questionnaires per campaign, and the participants' own outcome answers with their splits.
        Index("ix_response_campaign", "forbund_id", "year", "respondent_group", "campaign_id"),
        Index("ix_response_outcome", "respondent_group", "forbund_id", "year", "kon", "utfall", "insats_id", "alder"),
    )


class AnswerCode(db.Model):
    """A single-use answer code of a campaign (answer_codes.py): only its hash, a random key (no
    order of making or using) and whether a questionnaire has been sent with it."""
    __tablename__ = "answer_code"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False, default=random_id)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Answer(db.Model):
    """One answer step (1–4, or 9 = vet inte / ej aktuellt) to one scale question.

    Long format, so a new instrument version with new question ids needs no schema change.
    Unanswered questions have no row.
    """
    response_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)

    response: Mapped[Response] = relationship(back_populates="answers")
    # SQLite: no hidden rowid, which would number answer rows in the order they were sent.
    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 9", name="answer_value_range"), {"sqlite_with_rowid": False})


class AvslutRecord(db.Model):
    """An anonymous record of one participant who ended an intervention (OUTCOMES.md)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    record_key: Mapped[str] = mapped_column(String(80), unique=True, default=lambda: new_token(16))
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"))
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    kon: Mapped[str | None] = mapped_column(String(10))
    alder: Mapped[str | None] = mapped_column(String(10))
    manader: Mapped[int | None] = mapped_column(SmallInteger)
    forsorjning_fore: Mapped[str | None] = mapped_column(String(30))
    forsorjning_efter: Mapped[str | None] = mapped_column(String(30))
    utfall: Mapped[str | None] = mapped_column(String(30))
    import_batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # as Response's

    forbund: Mapped[Forbund] = relationship()
    insats: Mapped[Insats | None] = relationship()
    __table_args__ = (Index("ix_avslut_cell", "forbund_id", "year", "kon"),)


class AuditLog(db.Model):
    """Who did what and when, for raw-data exports, imports, deletions (DISCLOSURE.md)."""
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")


class PasswordLink(db.Model):
    """A one-time link to set a password (survey/accounts.py): only the SHA-256 of its token is
    stored, so a copy of the database sets no password; it expires and is used once."""
    __tablename__ = "password_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class ImportBatch(db.Model):
    """One confirmed import (web or command line), so that it can be undone as a whole
    (survey/corrections.py). The rows it stored carry its id (no foreign key: batches are never
    deleted, and a plain column is added to the big tables without rebuilding them) until
    `flask retention` clears the link after the undo window; `links_cleared` then says that
    undo is no longer possible."""
    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # responses | avslut
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id", ondelete="SET NULL"))  # None: several
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(300), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    links_cleared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    forbund: Mapped[Forbund | None] = relationship()


class PendingUpload(db.Model):
    """A checked import file waiting for its administrator's confirmation. In the database, not on
    one server's disk, so that whichever app server gets the confirm request finds it."""
    token: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_token)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    create_insatser: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --------------------------------------------------------------------------- derived counts
# Pre-aggregated counts kept in the same transaction as every write of responses (see
# survey/exchange/cells.py, which owns them): counting reads these few rows instead of every
# answer. `flask --app survey recount` rebuilds them from the answers. Blank keys are stored as
# 0 (no insats) and '' (no kön) so that the primary key, the upsert target, is never NULL.
class IndicatorCell(db.Model):
    """Counts of one indicator for one förbund, insats, year, group, instrument version and kön."""
    forbund_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    insats_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 0: none
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    respondent_group: Mapped[str] = mapped_column(String(40), primary_key=True)
    instrument_version: Mapped[str] = mapped_column(String(20), primary_key=True)
    kon: Mapped[str] = mapped_column(String(10), primary_key=True)  # '': blank
    indicator: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n_responses: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class QuestionCell(db.Model):
    """Counts of one scale question (indicator or background, e.g. omsorg) per the same keys;
    n_responses of one question is its number of valid answers."""
    forbund_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    insats_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 0: none
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    respondent_group: Mapped[str] = mapped_column(String(40), primary_key=True)
    instrument_version: Mapped[str] = mapped_column(String(20), primary_key=True)
    kon: Mapped[str] = mapped_column(String(10), primary_key=True)  # '': blank
    question_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    valid: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class Release(db.Model):
    """The counts last published from one source (figures/releases.py): what pages and exports
    show until at least k responses or records have been added to a figure's base."""
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    counts: Mapped[str | None] = mapped_column(Text)  # JSON: columns and rows
    steps: Mapped[int] = mapped_column(Integer, default=0)  # also written to lock the row


class ProtectedBlock(db.Model):
    """A block's suppression pattern as the disclosure engine decided it, under digests of the
    engine settings and of the block's released counts (figures/patterns.py): solved by one
    process, read by all, kept across restarts. Derived data: deleting rows costs only time."""
    __tablename__ = "protected_block"
    settings: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    pattern: Mapped[bytes] = mapped_column(LargeBinary)
    used_on: Mapped[date] = mapped_column(Date, index=True)  # a day, for pruning what no release uses


class DataVersion(db.Model):
    """One row (id 1) counted up in the same transaction as every write of responses or avslut
    records: the key under which processes cache the tables computed from them."""
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
