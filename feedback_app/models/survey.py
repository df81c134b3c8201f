"""Stored surveys and their frozen versions.

The definition itself (sections, questions, conditions) is the ``surveys``
package's JSON format; a published version is never changed again, so every
response keeps reading with the wording it was answered in.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.db import Base, utcnow
from feedback_app.models.organisation import TimestampMixin, _enum
from surveys.definition import SurveyDefinition
from surveys.serialization import definition_from_json


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Survey(TimestampMixin, Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True, nullable=False)
    #: internal name shown to designers; the citizen sees the version's own title
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[SurveyStatus] = mapped_column(
        _enum(SurveyStatus, "survey_status"), default=SurveyStatus.DRAFT, nullable=False
    )
    #: the survey counters open when neither they nor their units name one
    is_agency_default: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: optional window in which the public form accepts answers
    opens_at: Mapped[dt.datetime | None] = mapped_column()
    closes_at: Mapped[dt.datetime | None] = mapped_column()
    #: version new responses use; None until the first publication
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_versions.id", use_alter=True)
    )

    current_version: Mapped[SurveyVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.name!r}>"


class SurveyVersion(Base):
    __tablename__ = "survey_versions"
    __table_args__ = (
        UniqueConstraint("survey_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True, nullable=False)
    #: 1, 2, 3 ... in publication order
    number: Mapped[int] = mapped_column(nullable=False)
    #: the ``surveys`` JSON definition; frozen once ``published_at`` is set
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: what the designer says changed, shown in the version history
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)

    survey: Mapped[Survey] = relationship(foreign_keys=[survey_id])

    def __repr__(self) -> str:
        return f"<SurveyVersion {self.survey_id}v{self.number}>"


# Published versions never change, so each is parsed once per process. The key
# carries the publication time too: a row id can be reused after a rollback.
_published: dict[tuple[int, dt.datetime], SurveyDefinition] = {}


def definition_for(version: SurveyVersion) -> SurveyDefinition:
    """The parsed definition of a version (cached once it is published)."""
    if version.published_at is None:
        return definition_from_json(version.definition, validate=False)
    key = (version.id, version.published_at)
    definition = _published.get(key)
    if definition is None:
        definition = _published[key] = definition_from_json(version.definition, validate=False)
    return definition
