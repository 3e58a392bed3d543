"""Shared bits of the account tests."""
import json
import re

from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditLog

GOOD_PASSWORD = "tre glada tranor flyger"


def audit_rows(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def detail(row: AuditLog) -> dict:
    return json.loads(row.detail)


def link_in(html: str) -> str:
    """The one-time link shown on the admin's page."""
    return re.search(r'id="password-link"[^>]*value="([^"]+)"', html).group(1)


def says(html: str, *texts: str) -> bool:
    """The page shows one of `texts` (the English msgid, or its Swedish translation once the
    integrator has merged the catalogue)."""
    html = html.replace("&#39;", "'").replace("&quot;", '"')
    return any(t in html for t in texts)
