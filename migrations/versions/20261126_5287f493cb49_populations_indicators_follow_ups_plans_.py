"""populations, indicators, follow-ups, plans, exports, audit log, settings

Revision ID: 5287f493cb49
Revises: 5a0cc89a2a02
Create Date: 2026-11-26 13:48:47.745809
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback_app.db

revision: str = "5287f493cb49"
down_revision: str | None = "5a0cc89a2a02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "unit",
                "employee",
                "position",
                name="indicator_scope",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "ikm",
                "element",
                "question_mean",
                "share_satisfied",
                "response_count",
                name="indicator_source",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("question_key", sa.String(length=64), nullable=True),
        sa.Column("target", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column(
            "comparison",
            sa.Enum(
                "at_least",
                "at_most",
                name="comparison",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "period",
            sa.Enum(
                "month",
                "quarter",
                "semester",
                "year",
                name="period",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("above_margin", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("below_margin", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_indicators_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "improvement_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("element_key", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_improvement_plans_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_improvement_plans_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_plans")),
    )
    with op.batch_alter_table("improvement_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvement_plans_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "unit_populations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_unit_populations_period_order")
        ),
        sa.CheckConstraint("population >= 0", name=op.f("ck_unit_populations_population_positive")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_populations_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_populations")),
        sa.UniqueConstraint(
            "unit_id",
            "period_start",
            "period_end",
            name=op.f("uq_unit_populations_unit_id_period_start_period_end"),
        ),
    )
    with op.batch_alter_table("unit_populations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_populations_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "indicator_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(employee_id IS NULL) <> (unit_id IS NULL)",
            name=op.f("ck_indicator_assignments_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_indicator_assignments_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_assignments_indicator_id_indicators"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_indicator_assignments_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_assignments")),
        sa.UniqueConstraint(
            "indicator_id",
            "employee_id",
            "unit_id",
            name=op.f("uq_indicator_assignments_indicator_id_employee_id_unit_id"),
        ),
    )
    with op.batch_alter_table("indicator_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_assignments_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicator_assignments_indicator_id"), ["indicator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicator_assignments_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("api_token_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_audit_log_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["api_token_id"], ["api_tokens.id"], name=op.f("fk_audit_log_api_token_id_api_tokens")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_agency_time", ["agency_id", "created_at"], unique=False)

    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("done_rows", sa.Integer(), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_export_jobs_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_export_jobs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_jobs_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "baru",
                "diproses",
                "selesai",
                name="follow_up_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_follow_ups_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_follow_ups_response_id_responses")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_follow_ups_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("response_id", name=op.f("uq_follow_ups_response_id")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_unit_status", ["unit_id", "status"], unique=False)

    op.create_table(
        "follow_up_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_follow_up_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_follow_up_notes_follow_up_id_follow_ups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_notes")),
    )
    with op.batch_alter_table("follow_up_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_notes_follow_up_id"), ["follow_up_id"], unique=False
        )

    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legacy_ikm_weight", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("min_employee_responses", sa.Integer(), nullable=False, server_default="30")
        )
        batch_op.add_column(sa.Column("head_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("head_nip", sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column("head_title", sa.String(length=200), nullable=True))

    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_versions_created_by_id_users"), "users", ["created_by_id"], ["id"]
        )

    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("opens_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closes_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notify_negative",
                sa.Enum(
                    "off",
                    "immediate",
                    "daily",
                    name="notify_mode",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=False,
                server_default="off",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_notify_mode"), type_="check")
        batch_op.drop_column("notify_negative")

    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("closes_at")
        batch_op.drop_column("opens_at")

    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_versions_created_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("note")
        batch_op.drop_column("created_by_id")

    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("head_title")
        batch_op.drop_column("head_nip")
        batch_op.drop_column("head_name")
        batch_op.drop_column("min_employee_responses")
        batch_op.drop_column("legacy_ikm_weight")

    with op.batch_alter_table("follow_up_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_notes_follow_up_id"))

    op.drop_table("follow_up_notes")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_unit_status")

    op.drop_table("follow_ups")
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_jobs_user_id"))
        batch_op.drop_index(batch_op.f("ix_export_jobs_expires_at"))

    op.drop_table("export_jobs")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_agency_time")

    op.drop_table("audit_log")
    with op.batch_alter_table("indicator_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_assignments_unit_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_assignments_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_assignments_employee_id"))

    op.drop_table("indicator_assignments")
    with op.batch_alter_table("unit_populations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_populations_unit_id"))

    op.drop_table("unit_populations")
    with op.batch_alter_table("improvement_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_plans_unit_id"))

    op.drop_table("improvement_plans")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_agency_id"))

    op.drop_table("indicators")
