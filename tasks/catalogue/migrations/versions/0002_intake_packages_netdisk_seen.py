"""intake: package identity, Netdisk share, Message-ID, file meta, seen source items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_name", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("netdisk_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("netdisk_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("netdisk_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_submission_message_id"), ["message_id"], unique=False)

    with op.batch_alter_table("file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meta", sa.JSON(), nullable=True))

    op.create_table(
        "intake_package",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=True),
        sa.Column("object_key", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("intake_package", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_package_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "intake_seen",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("item", sa.String(length=1000), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=True),
        sa.Column("submission_id", sa.String(length=32), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "item", name="uq_intake_seen_source_item"),
    )


def downgrade() -> None:
    op.drop_table("intake_seen")
    with op.batch_alter_table("intake_package", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_package_submission_id"))
    op.drop_table("intake_package")
    with op.batch_alter_table("file", schema=None) as batch_op:
        batch_op.drop_column("meta")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_message_id"))
        batch_op.drop_column("netdisk_expires_at")
        batch_op.drop_column("netdisk_code")
        batch_op.drop_column("netdisk_url")
        batch_op.drop_column("message_id")
        batch_op.drop_column("package_name")
