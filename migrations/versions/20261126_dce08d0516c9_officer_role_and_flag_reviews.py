"""officer role and flag reviews

Revision ID: dce08d0516c9
Revises: 5287f493cb49
Create Date: 2026-11-26 14:22:06.283747
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback_app.db

revision: str = "dce08d0516c9"
down_revision: str | None = "5287f493cb49"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_OLD = "'admin', 'agency_admin', 'designer', 'agency_head', 'unit_head'"
ROLES_NEW = ROLES_OLD + ", 'officer'"


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("flag_reviewed_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("flag_reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_responses_flag_reviewed_by_id_users"),
            "users",
            ["flag_reviewed_by_id"],
            ["id"],
        )

    # Reviews used to be packed into flag_reason as "reason|action|time|user".
    responses = sa.table(
        "responses",
        sa.column("id", sa.Integer),
        sa.column("flag_reason", sa.String),
        sa.column("flag_reviewed_at", feedback_app.db.UTCDateTime(timezone=True)),
        sa.column("flag_reviewed_by_id", sa.Integer),
    )
    connection = op.get_bind()
    packed = connection.execute(
        sa.select(responses.c.id, responses.c.flag_reason).where(
            responses.c.flag_reason.like("%|%")
        )
    ).all()
    for row_id, value in packed:
        reason, _action, at, by = ([*value.split("|"), "", "", ""])[:4]
        connection.execute(
            responses.update()
            .where(responses.c.id == row_id)
            .values(
                flag_reason=reason,
                flag_reviewed_at=dt.datetime.fromisoformat(at) if at else None,
                flag_reviewed_by_id=int(by) if by.isdigit() else None,
            )
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", sa.text(f"role IN ({ROLES_NEW})"))


def downgrade() -> None:
    op.execute("UPDATE users SET active = false, role = 'unit_head' WHERE role = 'officer'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint("role", sa.text(f"role IN ({ROLES_OLD})"))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_responses_flag_reviewed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("flag_reviewed_by_id")
        batch_op.drop_column("flag_reviewed_at")
