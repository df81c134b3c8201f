"""Flags for suspicious submissions. Flagged responses are kept, shown to admins
and left out of scores by default; an admin can clear the flag."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.models import Response
from feedback_app.results.aggregates import set_flag


def answers_digest(answers: Mapping[str, Any]) -> str:
    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def in_networks(address: str | None, networks: Iterable[str]) -> bool:
    """Whether ``address`` lies in one of the configured ranges (e.g. the office LAN)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def flag_reason(
    session: Session,
    *,
    service_point_id: int | None,
    digest: str,
    now: dt.datetime,
    remote_addr: str | None,
    staff_networks: Iterable[str],
    burst_window: dt.timedelta,
    burst_size: int,
) -> str | None:
    """Why this submission looks suspicious, or None.

    - sent from a staff network range: officers rating themselves;
    - the same answers at the same counter ``burst_size`` times within ``burst_window``.
    """
    if in_networks(remote_addr, staff_networks):
        return "staff_network"
    if service_point_id is None or burst_size < 1:
        return None
    same = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(
            Response.service_point_id == service_point_id,
            Response.answers_digest == digest,
            Response.submitted_at >= now - burst_window,
        )
    )
    if (same or 0) + 1 < burst_size:
        return None
    # The earlier members of the burst were fine alone; flag them with it.
    earlier = session.scalars(
        select(Response).where(
            Response.service_point_id == service_point_id,
            Response.answers_digest == digest,
            Response.submitted_at >= now - burst_window,
            Response.flagged.is_(False),
        )
    ).all()
    for response in earlier:
        set_flag(session, response, True, "identical_burst")
    return "identical_burst"
