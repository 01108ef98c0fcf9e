"""The state database as narrowcast made it by hand until issue 17: made anew, or brought up to it.

Older SQLite files already hold some of these tables, perhaps without a column added later
(tokens.expires, heartbeats.problem, users.role): those are added, as the hand-made upgrade did.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    if "heartbeats" not in present:
        op.create_table("heartbeats", sa.Column("screen", sa.Text, nullable=False), sa.Column("at", sa.Float, nullable=False),
                        sa.Column("version", sa.Text), sa.Column("item", sa.Text), sa.Column("resolution", sa.Text),
                        sa.Column("user_agent", sa.Text), sa.Column("offset_ms", sa.Integer), sa.Column("problem", sa.Text))
        op.create_index("heartbeats_screen_at", "heartbeats", ["screen", "at"])
    if "plays" not in present:
        op.create_table("plays", sa.Column("screen", sa.Text, nullable=False), sa.Column("item", sa.Text, nullable=False),
                        sa.Column("start", sa.Float, nullable=False), sa.Column("seconds", sa.Float, nullable=False))
        op.create_index("plays_start", "plays", ["start"])
    if "users" not in present:
        op.create_table("users", sa.Column("name", sa.Text, primary_key=True), sa.Column("salt", sa.LargeBinary, nullable=False),
                        sa.Column("hash", sa.LargeBinary, nullable=False), sa.Column("created", sa.Float, nullable=False),
                        sa.Column("role", sa.Text, nullable=False, server_default="redacteur"))
    if "sessions" not in present:
        op.create_table("sessions", sa.Column("token_hash", sa.Text, primary_key=True), sa.Column("user", sa.Text, nullable=False),
                        sa.Column("expires", sa.Float, nullable=False))
    if "tokens" not in present:
        op.create_table("tokens", sa.Column("token_hash", sa.Text, primary_key=True), sa.Column("user", sa.Text, nullable=False),
                        sa.Column("created", sa.Float, nullable=False), sa.Column("expires", sa.Float))
    if "screen_keys" not in present:
        op.create_table("screen_keys", sa.Column("screen", sa.Text, primary_key=True), sa.Column("key_hash", sa.Text, nullable=False))
    if "log_head" not in present:
        op.create_table("log_head", sa.Column("one", sa.Integer, primary_key=True, autoincrement=False),
                        sa.Column("seq", sa.Integer, nullable=False), sa.Column("hash", sa.Text, nullable=False))
    # Older SQLite files hold some of these tables without a column added later: the same repair
    # runs at every open (state/database.py), so it is the one place that knows those columns.
    from narrowcast.state.database import add_missing_columns

    add_missing_columns(bind)


def downgrade() -> None:
    raise NotImplementedError("narrowcast does not go back: restore the backup made before the upgrade")
