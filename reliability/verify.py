"""After a run: what the citizens were told against what the database holds.

Every simulated citizen writes a unique marker into the free-text question
("saran"), so each stored response can be traced to the round trip that sent it:

- every acknowledged marker (the citizen reached the thank-you page) is stored
  exactly once; no marker is stored twice, acknowledged or not (a retried POST
  must not duplicate); nothing is stored that no citizen sent;
- every stored response of the run is whole (all nine SKM elements);
- the dashboard counts kept in each submission's transaction equal a recount of
  the raw responses (the app's own ``rebuild``, rolled back afterwards): a
  response without its counts, or counts without their response, shows here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from feedback_app.db import make_engine
from feedback_app.models import AnswerCount, ResponseCount
from feedback_app.models.aggregates import (
    answer_month_counts,
    response_day_counts,
    response_month_hours,
)
from feedback_app.results.aggregates import rebuild

ELEMENTS = [f"U{i}" for i in range(1, 10)]
COUNTED: tuple[Table, ...] = (
    ResponseCount.__table__,  # type: ignore[assignment]
    AnswerCount.__table__,  # type: ignore[assignment]
    response_day_counts,
    response_month_hours,
    answer_month_counts,
)


@dataclass
class Verdict:
    acknowledged: int
    attempted: int
    #: responses of this run in the database
    stored: int
    #: acknowledged but not stored
    lost: list[str] = field(default_factory=list)
    #: stored more than once: marker -> rows
    duplicated: dict[str, int] = field(default_factory=dict)
    #: stored but never sent by any citizen of this run
    unknown: list[str] = field(default_factory=list)
    #: stored, not acknowledged (the citizen gave up or the run ended first): allowed
    stored_unacknowledged: int = 0
    #: stored without all nine element answers
    incomplete: int = 0
    #: per counted table: keys whose kept count differs from the recount
    aggregate_differences: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.unknown
            or self.incomplete
            or self.aggregate_differences
        )


def _snapshot(session: Session) -> dict[str, dict[tuple[Any, ...], int]]:
    tables = {}
    for table in COUNTED:
        columns = [c for c in table.c if c.name not in ("id", "count")]
        rows = session.execute(select(*columns, table.c["count"])).all()
        tables[table.name] = {tuple(row[:-1]): row[-1] for row in rows if row[-1]}
    return tables


def check(url: str, marker_prefix: str, acknowledged: set[str], attempted: set[str]) -> Verdict:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT answers->>'saran', answers::jsonb ?& %(elements)s FROM responses"
                " WHERE answers->>'saran' LIKE %(prefix)s",
                {"elements": ELEMENTS, "prefix": marker_prefix + "%"},
            ).all()
        stored = Counter(marker for marker, _whole in rows)
        verdict = Verdict(
            acknowledged=len(acknowledged),
            attempted=len(attempted),
            stored=len(rows),
            lost=sorted(acknowledged - stored.keys()),
            duplicated={m: n for m, n in stored.items() if n > 1},
            unknown=sorted(stored.keys() - attempted),
            stored_unacknowledged=len(stored.keys() - acknowledged),
            incomplete=sum(1 for _marker, whole in rows if not whole),
        )
        with Session(engine) as session:
            kept = _snapshot(session)
            rebuild(session)
            session.flush()
            recounted = _snapshot(session)
            session.rollback()
        for name, counts in kept.items():
            again = recounted[name]
            differing = {k for k in counts.keys() | again.keys() if counts.get(k) != again.get(k)}
            if differing:
                verdict.aggregate_differences[name] = len(differing)
        return verdict
    finally:
        engine.dispose()
