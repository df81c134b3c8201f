"""Flags for suspicious submissions. Flagged responses are kept, shown to admins
and left out of scores by default; an admin can clear the flag, or set it again.

``Response.flag_reason`` holds the reason code (kept after a flag is cleared);
``flag_reviewed_at`` / ``flag_reviewed_by_id`` record the last admin review.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.models import Response
from feedback_app.results.aggregates import set_flag

log = logging.getLogger(__name__)

#: sent from one of STAFF_NETWORKS: officers may be rating themselves
STAFF_NETWORK = "staff_network"
#: the same answers at one counter (or for one officer) several times in a short window
IDENTICAL_BURST = "identical_burst"
REASONS = (STAFF_NETWORK, IDENTICAL_BURST)

#: an admin's review, kept with the reason
CLEARED = "cleared"
REFLAGGED = "reflagged"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def answers_digest(answers: Mapping[str, Any]) -> str:
    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- staff networks ---------------------------------------------------------------


@lru_cache(maxsize=32)
def _parse_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            log.warning("STAFF_NETWORKS: %r is not a network range; ignored", entry)
    return tuple(networks)


def parse_networks(networks: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """The configured ranges, from a list or from one string ("10.20.0.0/16, 10.30.1.0/24").

    A string is what ``FEEDBACK_STAFF_NETWORKS`` gives when it is not JSON; read
    character by character it would silently match nothing.
    """
    if isinstance(networks, str):
        entries = networks.replace(",", " ").split()
    else:
        entries = [str(n).strip() for n in networks if str(n).strip()]
    return _parse_networks(tuple(entries))


def in_networks(address: str | None, networks: str | Iterable[str]) -> bool:
    """Whether ``address`` lies in one of the configured ranges (e.g. the office LAN)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # a dual-stack server reports IPv4 callers as ::ffff:a.b.c.d
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in parse_networks(networks))


# --- deciding the flag ------------------------------------------------------------


@dataclass(frozen=True)
class Suspicion:
    """What :func:`assess` found: the new response's flag, and whether it ends a burst."""

    reason: str | None
    #: the earlier members of a burst get flagged with it (:meth:`flag_earlier`)
    burst: bool
    where: tuple[Any, ...] = ()

    def flag_earlier(self, session: Session) -> None:
        """Flag the earlier members of the burst, unless an admin has already reviewed them:
        a cleared response stays cleared. Called after the response is inserted."""
        if not self.burst:
            return
        earlier = session.scalars(
            select(Response).where(
                *self.where, Response.flagged.is_(False), Response.flag_reason.is_(None)
            )
        ).all()
        for response in earlier:
            set_flag(session, response, True, IDENTICAL_BURST)


def assess(
    session: Session,
    *,
    service_point_id: int | None,
    digest: str,
    now: dt.datetime,
    remote_addr: str | None,
    staff_networks: str | Iterable[str],
    burst_window: dt.timedelta,
    burst_size: int,
    employee_id: int | None = None,
) -> Suspicion:
    """Why this submission looks suspicious, if it does; reads only.

    - sent from a staff network range: officers rating themselves;
    - the same answers at the same counter ``burst_size`` times within
      ``burst_window``; a nameplate scanned away from any counter is grouped by
      its officer (``employee_id``) instead.
    """
    where = _burst_members(service_point_id, employee_id, digest, now, burst_window)
    burst = False
    if where and burst_size >= 1:
        same = session.scalar(select(func.count()).select_from(Response).where(*where)) or 0
        burst = same + 1 >= burst_size
    if in_networks(remote_addr, staff_networks):
        return Suspicion(STAFF_NETWORK, burst, where)
    return Suspicion(IDENTICAL_BURST if burst else None, burst, where)


def _burst_members(
    service_point_id: int | None,
    employee_id: int | None,
    digest: str,
    now: dt.datetime,
    window: dt.timedelta,
) -> tuple[Any, ...]:
    """The conditions that pick the earlier responses a burst is counted over (none: no burst)."""
    if service_point_id is not None:
        where = Response.service_point_id == service_point_id
    elif employee_id is not None:
        where = (Response.service_point_id.is_(None)) & (Response.employee_id == employee_id)
    else:
        return ()
    return (where, Response.answers_digest == digest, Response.submitted_at >= now - window)


# --- an admin's review ------------------------------------------------------------


@dataclass(frozen=True)
class FlagNote:
    """A response's flag reason and the last review of it, if any."""

    reason: str
    #: CLEARED or REFLAGGED, None before any review
    action: str | None = None
    at: dt.datetime | None = None
    by_user_id: int | None = None


def flag_note(response: Response) -> FlagNote | None:
    """What the flag of ``response`` says; None when it was never flagged."""
    if not response.flag_reason:
        return None
    if response.flag_reviewed_at is None:
        return FlagNote(response.flag_reason)
    return FlagNote(
        response.flag_reason,
        REFLAGGED if response.flagged else CLEARED,
        response.flag_reviewed_at,
        response.flag_reviewed_by_id,
    )


def review(
    session: Session, response: Response, *, flagged: bool, user_id: int | None, now: dt.datetime
) -> bool:
    """Clear (``flagged=False``) or set again a flag, recording who and when.

    Returns False when there was nothing to do: never flagged, or already so.
    The response's counts move between the scored and the flagged bucket.
    """
    if not response.flag_reason or response.flagged == flagged:
        return False
    set_flag(session, response, flagged, response.flag_reason)
    response.flag_reviewed_at = now
    response.flag_reviewed_by_id = user_id
    return True
