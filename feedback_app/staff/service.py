"""Nameplate links, kiosk devices, single-use codes and API tokens.

No request in here: the staff pages and the codes API share these, and tests
call them directly to set up a world.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_app.db import utcnow
from feedback_app.models import (
    ApiToken,
    Employee,
    LinkKind,
    PublicLink,
    RosterEntry,
    Service,
    ServicePoint,
    TransactionCode,
    User,
)
from feedback_app.models.responses import TOKEN_ALPHABET
from feedback_app.public.links import (
    ensure_counter_link,
    ensure_link_of,
    live_link_of,
    on_duty,
    reissue_link_of,
)

#: 31^32 ≈ 2^158: a kiosk's address is its only credential, and it is never printed.
#: Drawn from the token alphabet because ``find_link`` accepts lower-case letters and digits only.
KIOSK_TOKEN_LENGTH = 32

#: an officer may open the counter display this long before the shift starts
DISPLAY_GRACE = dt.timedelta(minutes=30)


# --- addresses -----------------------------------------------------------------------


def nameplate_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def kiosk_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/k/{token}"


def code_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/c/{code}"


# --- nameplates ----------------------------------------------------------------------


def live_nameplate(session: Session, employee: Employee) -> PublicLink | None:
    return live_link_of(session, LinkKind.NAMEPLATE, employee.id)


def ensure_nameplate_link(session: Session, employee: Employee) -> PublicLink:
    """The officer's live nameplate link, created on first use."""
    return ensure_link_of(session, LinkKind.NAMEPLATE, employee.id)


def regenerate_nameplate_link(session: Session, employee: Employee) -> PublicLink:
    """Retire the nameplate's token (the old address then says so) and issue a new one."""
    return reissue_link_of(session, LinkKind.NAMEPLATE, employee.id)


# --- kiosks --------------------------------------------------------------------------


def new_kiosk_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(KIOSK_TOKEN_LENGTH))


def create_kiosk(session: Session, point: ServicePoint, label: str) -> PublicLink:
    link = PublicLink(
        kind=LinkKind.KIOSK, service_point_id=point.id, label=label, token=new_kiosk_token()
    )
    session.add(link)
    session.flush()
    return link


def revoke_kiosk(link: PublicLink) -> None:
    if link.retired_at is None:
        link.retired_at = utcnow()


# --- single-use codes ----------------------------------------------------------------


def mint_code(
    session: Session,
    point: ServicePoint,
    *,
    ttl_hours: float,
    employee: Employee | None = None,
    service: Service | None = None,
    user: User | None = None,
    api_token: ApiToken | None = None,
) -> TransactionCode:
    """A fresh code for one finished service at ``point``.

    The counter's general link is made sure to exist, so a citizen holding a
    used or expired code is always offered the counter's ordinary form.
    """
    ensure_counter_link(session, point)
    now = utcnow()
    code = TransactionCode(
        service_point_id=point.id,
        employee_id=employee.id if employee else None,
        service_id=service.id if service else None,
        created_by_user_id=user.id if user else None,
        api_token_id=api_token.id if api_token else None,
        created_at=now,
        expires_at=now + dt.timedelta(hours=ttl_hours),
    )
    session.add(code)
    session.flush()
    return code


def is_open(code: TransactionCode, at: dt.datetime) -> bool:
    return code.used_at is None and code.expires_at > at


def rostered(session: Session, employee_id: int, point_id: int, at: dt.datetime) -> bool:
    """Whether the roster places the officer at this counter now (or shortly)."""
    return (
        session.scalar(
            select(RosterEntry.id)
            .join(Employee, RosterEntry.employee_id == Employee.id)
            .where(
                RosterEntry.employee_id == employee_id,
                RosterEntry.service_point_id == point_id,
                RosterEntry.active.is_(True),
                RosterEntry.starts_at <= at + DISPLAY_GRACE,
                RosterEntry.ends_at > at,
                Employee.active.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def display_officer(
    session: Session, user: User, point: ServicePoint, at: dt.datetime
) -> Employee | None:
    """Who a counter display credits: the signed-in officer when rostered there,
    else the one officer on duty; nobody when that is unclear."""
    if user.employee_id is not None and rostered(session, user.employee_id, point.id, at):
        return user.employee
    officers = on_duty(session, point, at)
    return officers[0] if len(officers) == 1 else None


def display_code(
    session: Session, user: User, point: ServicePoint, *, ttl_hours: float
) -> TransactionCode:
    """The code the display shows: the user's latest code here while it is open and
    still names the officer on duty; otherwise a fresh one."""
    now = utcnow()
    latest = session.scalar(
        select(TransactionCode)
        .where(
            TransactionCode.service_point_id == point.id,
            TransactionCode.created_by_user_id == user.id,
        )
        .order_by(TransactionCode.created_at.desc(), TransactionCode.id.desc())
        .limit(1)
    )
    officer = display_officer(session, user, point, now)
    officer_id = officer.id if officer else None
    if latest is not None and is_open(latest, now) and latest.employee_id == officer_id:
        return latest
    return mint_code(session, point, ttl_hours=ttl_hours, employee=officer, user=user)


# --- API tokens ----------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_token(
    session: Session, *, agency_id: int, unit_id: int | None, name: str
) -> tuple[ApiToken, str]:
    """A new token and its secret; only the secret's hash is kept."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        agency_id=agency_id, unit_id=unit_id, name=name, token_hash=hash_secret(secret)
    )
    session.add(token)
    session.flush()
    return token, secret


def find_api_token(session: Session, secret: str) -> ApiToken | None:
    """The active token with this secret (compared by hash, so timing reveals nothing)."""
    if not secret or len(secret) > 200:
        return None
    return session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_secret(secret), ApiToken.active.is_(True)
        )
    )
