"""Build requests: an instance that is not the builder asks it to build (serve/cluster.py).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("build_requests",
                    sa.Column("id", sa.Text, primary_key=True), sa.Column("reason", sa.Text, nullable=False),
                    sa.Column("options", sa.Text), sa.Column("at", sa.Text, nullable=False),
                    sa.Column("instance", sa.Text, nullable=False), sa.Column("state", sa.Text, nullable=False),
                    sa.Column("outcome", sa.Text),
                    sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))
    op.create_index("build_requests_state_at", "build_requests", ["state", "at"])


def downgrade() -> None:
    raise NotImplementedError("narrowcast does not go back: restore the backup made before the upgrade")
