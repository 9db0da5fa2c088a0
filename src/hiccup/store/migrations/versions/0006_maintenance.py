"""maintenance windows

Revision ID: 0006
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenances",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("page_id", sa.String(length=12), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("start_local", sa.DateTime(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=True),
        sa.Column("remind_before_s", sa.Float(), nullable=True),
        sa.Column("declared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_maintenances_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenances")),
        sa.UniqueConstraint("page_id", "key", name=op.f("uq_maintenances_page_id_key")),
    )
    op.create_table(
        "maintenance_components",
        sa.Column("maintenance_id", sa.String(length=12), nullable=False),
        sa.Column("component_id", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["components.id"],
            name=op.f("fk_maintenance_components_component_id_components"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["maintenance_id"],
            ["maintenances.id"],
            name=op.f("fk_maintenance_components_maintenance_id_maintenances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "maintenance_id", "component_id", name=op.f("pk_maintenance_components")
        ),
    )
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("maintenance_id", sa.String(length=12), nullable=True),
        sa.Column("page_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downtime_s", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["maintenance_id"],
            ["maintenances.id"],
            name=op.f("fk_maintenance_windows_maintenance_id_maintenances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_maintenance_windows_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
        sa.UniqueConstraint(
            "maintenance_id",
            "scheduled_for",
            name=op.f("uq_maintenance_windows_maintenance_id_scheduled_for"),
        ),
    )
    op.create_index(
        op.f("ix_maintenance_windows_status_scheduled_for"),
        "maintenance_windows",
        ["status", "scheduled_for"],
        unique=False,
    )
    op.create_table(
        "maintenance_updates",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("window_id", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["maintenance_windows.id"],
            name=op.f("fk_maintenance_updates_window_id_maintenance_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_updates")),
    )
    op.create_index(
        op.f("ix_maintenance_updates_window_id_created_at"),
        "maintenance_updates",
        ["window_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "maintenance_window_components",
        sa.Column("window_id", sa.String(length=12), nullable=False),
        sa.Column("component_id", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["components.id"],
            name=op.f("fk_maintenance_window_components_component_id_components"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["maintenance_windows.id"],
            name=op.f("fk_maintenance_window_components_window_id_maintenance_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "window_id", "component_id", name=op.f("pk_maintenance_window_components")
        ),
    )


def downgrade() -> None:
    op.drop_table("maintenance_updates")
    op.drop_table("maintenance_window_components")
    op.drop_table("maintenance_windows")
    op.drop_table("maintenance_components")
    op.drop_table("maintenances")
