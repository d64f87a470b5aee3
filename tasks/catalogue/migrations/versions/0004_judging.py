"""judging: works under judging, experts, assignments, scores, signatures, duplicates, approvals

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "judging_work",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("category_override", sa.String(length=40), nullable=True),
        sa.Column("category_set_by", sa.String(length=200), nullable=True),
        _when("category_set_at", nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "judging_expert",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("roster_file", sa.String(length=500), nullable=True),
        _when("imported_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "judging_assignment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(["expert_id"], ["judging_expert.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "expert_id", name="uq_judging_assignment"),
    )
    op.create_table(
        "judging_score",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("source_file", sa.String(length=500), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        _when("imported_at"),
        sa.ForeignKeyConstraint(["expert_id"], ["judging_expert.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "expert_id", name="uq_judging_score"),
    )
    for table, columns in (
        ("judging_assignment", ("submission_id", "expert_id")),
        ("judging_score", ("submission_id", "expert_id", "source_sha256")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    op.create_table(
        "judging_signature",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _when("computed_at"),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "judging_duplicate",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("first_submission_id", sa.String(length=32), nullable=False),
        sa.Column("second_submission_id", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        _when("resolved_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(["first_submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["second_submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("first_submission_id", "second_submission_id", name="uq_judging_duplicate"),
    )
    op.create_table(
        "judging_approval",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        _when("approved_at"),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=40), nullable=False),
        sa.Column("flow_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for table in ("judging_approval", "judging_duplicate", "judging_signature"):
        op.drop_table(table)
    for table, columns in (
        ("judging_score", ("submission_id", "expert_id", "source_sha256")),
        ("judging_assignment", ("submission_id", "expert_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    op.drop_table("judging_expert")
    op.drop_table("judging_work")
