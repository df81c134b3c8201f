"""surveys, public links and responses

Revision ID: de77f080008c
Revises: fab44447ffdc
Create Date: 2026-11-26 13:33:42.019710
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback_app.db

revision: str = "de77f080008c"
down_revision: str | None = "fab44447ffdc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "closed",
                "archived",
                name="survey_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("is_agency_default", sa.Boolean(), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_surveys_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "survey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("published_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_survey_versions_number_positive")),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_versions_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint(
            "survey_id", "number", name=op.f("uq_survey_versions_survey_id_number")
        ),
    )
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_versions_survey_id"), ["survey_id"], unique=False
        )
    # surveys and survey_versions point at each other: add the back reference last
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_surveys_current_version_id_survey_versions"),
            "survey_versions",
            ["current_version_id"],
            ["id"],
        )

    op.create_table(
        "public_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "counter",
                "nameplate",
                name="link_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("service_point_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", feedback_app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'counter' AND service_point_id IS NOT NULL AND employee_id IS NULL)"
            " OR (kind = 'nameplate' AND employee_id IS NOT NULL)",
            name=op.f("ck_public_links_target_matches_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_public_links_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_public_links_service_point_id_service_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_links")),
        sa.UniqueConstraint("token", name=op.f("uq_public_links_token")),
    )
    with op.batch_alter_table("public_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_links_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_public_links_service_point_id"), ["service_point_id"], unique=False
        )
        batch_op.create_index(
            "uq_public_links_live_counter",
            ["service_point_id"],
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL AND kind = 'counter'"),
            postgresql_where=sa.text("retired_at IS NULL AND kind = 'counter'"),
        )
        batch_op.create_index(
            "uq_public_links_live_nameplate",
            ["employee_id"],
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL AND kind = 'nameplate'"),
            postgresql_where=sa.text("retired_at IS NULL AND kind = 'nameplate'"),
        )

    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("service_point_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "qr",
                "kiosk",
                "link",
                "code",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "timezone",
            sa.Enum(
                "WIB",
                "WITA",
                "WIT",
                name="timezone",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flag_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_responses_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_responses_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_responses_service_id_services")
        ),
        sa.ForeignKeyConstraint(
            ["service_point_id"],
            ["service_points.id"],
            name=op.f("fk_responses_service_point_id_service_points"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_version_id"],
            ["survey_versions.id"],
            name=op.f("fk_responses_survey_version_id_survey_versions"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_responses_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_responses_idempotency_key")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_agency_time", ["agency_id", "submitted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_responses_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_responses_service_id"), ["service_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_responses_service_point_id"), ["service_point_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_responses_survey_version_id"), ["survey_version_id"], unique=False
        )
        batch_op.create_index("ix_responses_unit_time", ["unit_id", "submitted_at"], unique=False)

    op.create_table(
        "response_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("delete_after", feedback_app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_contacts_response_id_responses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_contacts")),
        sa.UniqueConstraint("response_id", name=op.f("uq_response_contacts_response_id")),
    )
    with op.batch_alter_table("response_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_contacts_delete_after"), ["delete_after"], unique=False
        )

    with op.batch_alter_table("service_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_service_points_survey_id_surveys"), "surveys", ["survey_id"], ["id"]
        )

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_units_survey_id_surveys"), "surveys", ["survey_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_units_survey_id_surveys"), type_="foreignkey")
        batch_op.drop_column("survey_id")

    with op.batch_alter_table("service_points", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_service_points_survey_id_surveys"), type_="foreignkey"
        )
        batch_op.drop_column("survey_id")

    with op.batch_alter_table("response_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_contacts_delete_after"))

    op.drop_table("response_contacts")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_unit_time")
        batch_op.drop_index(batch_op.f("ix_responses_survey_version_id"))
        batch_op.drop_index(batch_op.f("ix_responses_service_point_id"))
        batch_op.drop_index(batch_op.f("ix_responses_service_id"))
        batch_op.drop_index(batch_op.f("ix_responses_employee_id"))
        batch_op.drop_index("ix_responses_agency_time")

    op.drop_table("responses")
    with op.batch_alter_table("public_links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_public_links_live_nameplate",
            sqlite_where=sa.text("retired_at IS NULL AND kind = 'nameplate'"),
            postgresql_where=sa.text("retired_at IS NULL AND kind = 'nameplate'"),
        )
        batch_op.drop_index(
            "uq_public_links_live_counter",
            sqlite_where=sa.text("retired_at IS NULL AND kind = 'counter'"),
            postgresql_where=sa.text("retired_at IS NULL AND kind = 'counter'"),
        )
        batch_op.drop_index(batch_op.f("ix_public_links_service_point_id"))
        batch_op.drop_index(batch_op.f("ix_public_links_employee_id"))

    op.drop_table("public_links")
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_versions_survey_id"))

    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_surveys_current_version_id_survey_versions"), type_="foreignkey"
        )
    op.drop_table("survey_versions")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_agency_id"))

    op.drop_table("surveys")
