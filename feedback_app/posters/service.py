"""Build poster data for counters; shared by the pages and ``flask posters``."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from exports.posters import PosterInfo
from feedback_app.models import Agency, ServicePoint, Unit
from feedback_app.public.links import ensure_counter_link


def public_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def qr_url(base_url: str, token: str) -> str:
    """What the QR code encodes: the short link, marked so responses count as scanned."""
    return public_url(base_url, token) + "?c=qr"


def display_url(url: str) -> str:
    """What is printed under the QR code: no scheme, nothing to mistype."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def poster_info(session: Session, point: ServicePoint, base_url: str) -> PosterInfo:
    link = ensure_counter_link(session, point)
    unit = point.unit
    return PosterInfo(
        agency=unit.agency.name,
        unit=unit.name,
        counter=point.name,
        location=point.location,
        url=qr_url(base_url, link.token),
        display_url=display_url(public_url(base_url, link.token)),
        duration_hint="± 1 menit",
    )


def counters_query(agency_id: int, unit_ids: list[int] | None) -> Select:
    query = (
        select(ServicePoint)
        .join(Unit, ServicePoint.unit_id == Unit.id)
        .where(Unit.agency_id == agency_id, ServicePoint.active.is_(True), Unit.active.is_(True))
        .order_by(Unit.name, ServicePoint.code)
    )
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    return query


def poster_infos(
    session: Session, agency: Agency, unit_ids: list[int] | None, base_url: str
) -> Iterator[PosterInfo]:
    for point in session.scalars(counters_query(agency.id, unit_ids)):
        yield poster_info(session, point, base_url)
