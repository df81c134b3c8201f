"""single-use codes, kiosk links, api tokens, answer digests

Revision ID: 894107fea0f6
Revises: de77f080008c
Create Date: 2026-11-26 13:41:00.073898
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback_app.db

revision: str = "894107fea0f6"
down_revision: str | None = "de77f080008c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK_OLD = (
    "(kind = 'counter' AND service_point_id IS NOT NULL AND employee_id IS NULL)"
    " OR (kind = 'nameplate' AND employee_id IS NOT NULL)"
)
KIND_CHECK_NEW = (
    "(kind IN ('counter', 'kiosk') AND service_point_id IS NOT NULL AND employee_id IS NULL)"
    " OR (kind = 'nameplate' AND employee_id IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_api_tokens_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_api_tokens_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "transaction_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("api_token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_transaction_codes_expires_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["api_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_transaction_codes_api_token_id_api_tokens"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_transaction_codes_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_transaction_codes_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_transaction_codes_response_id_responses"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_transaction_codes_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_transaction_codes_service_point_id_service_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_transaction_codes_code")),
        sa.UniqueConstraint("response_id", name=op.f("uq_transaction_codes_response_id")),
    )
    with op.batch_alter_table("transaction_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transaction_codes_service_point_id"), ["service_point_id"], unique=False
        )

    # kiosk devices are public links too; widen both checks on the kind
    with op.batch_alter_table("public_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=100), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_public_links_link_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_public_links_target_matches_kind"), type_="check")
        batch_op.create_check_constraint(
            "link_kind", sa.text("kind IN ('counter', 'nameplate', 'kiosk')")
        )
        batch_op.create_check_constraint("target_matches_kind", sa.text(KIND_CHECK_NEW))

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_digest", sa.String(length=64), nullable=True))
    # responses stored before digests existed can never be part of a new burst
    op.execute("UPDATE responses SET answers_digest = '' WHERE answers_digest IS NULL")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("answers_digest", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(
            "ix_responses_point_digest",
            ["service_point_id", "answers_digest", "submitted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_point_digest")
        batch_op.drop_column("answers_digest")

    op.execute("DELETE FROM public_links WHERE kind = 'kiosk'")
    with op.batch_alter_table("public_links", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_public_links_link_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_public_links_target_matches_kind"), type_="check")
        batch_op.create_check_constraint("link_kind", sa.text("kind IN ('counter', 'nameplate')"))
        batch_op.create_check_constraint("target_matches_kind", sa.text(KIND_CHECK_OLD))
        batch_op.drop_column("label")

    with op.batch_alter_table("transaction_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transaction_codes_service_point_id"))

    op.drop_table("transaction_codes")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_agency_id"))

    op.drop_table("api_tokens")
