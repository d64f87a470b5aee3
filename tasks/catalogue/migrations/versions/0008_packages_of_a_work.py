"""packages of a work (first, supplement, resend) with their Message-ID and sender; decision values

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intake_package", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("sender", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_intake_package_message_id"), ["message_id"], unique=False)
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("value")
    with op.batch_alter_table("intake_package", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_package_message_id"))
        batch_op.drop_column("kind")
        batch_op.drop_column("sender")
        batch_op.drop_column("message_id")
