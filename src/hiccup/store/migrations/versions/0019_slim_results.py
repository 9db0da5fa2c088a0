"""slim raw results: integer monitor keys, epoch milliseconds, verdict codes, details apart

Revision ID: 0019
Revises: 0004 (results.reliable and the fold mark; a child of 0004 rather than of 0001, because
Alembic cannot order a revision after two sibling branches by depends_on alone), and depends on
0009 (the remote results' unique index)

Existing rows are converted in SQL. The fold mark, an id until now, becomes the time of the
newest result it covered; unfolded results older than that go to `results_late`, so the fold
still takes each once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0004"
branch_labels = None
depends_on = "0009"

FOLD_MARK = "rollups.results"


def _key(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("monitor_key", "at", "probe", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["monitor_key"],
            ["monitor_keys.key"],
            ondelete="CASCADE",
            name=f"fk_{table}_monitor_key_monitor_keys",
        ),
    ]


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("monitor_key", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("probe", sa.String(64), nullable=False),
    ]


def _create_tables() -> None:
    op.create_table(
        "monitor_keys",
        sa.Column("key", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("monitor_id", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_monitor_keys"),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            ondelete="CASCADE",
            name="fk_monitor_keys_monitor_id_monitors",
        ),
        sa.UniqueConstraint("monitor_id", name="uq_monitor_keys_monitor_id"),
    )
    op.create_table(
        "results",
        *_columns(),
        sa.Column("verdict", sa.SmallInteger(), nullable=False),
        sa.Column("latency_ms", sa.Integer()),
        sa.Column("status_code", sa.SmallInteger()),
        sa.Column("reliable", sa.Boolean(), nullable=False, server_default=sa.true()),
        *_key("results"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "result_details",
        *_columns(),
        sa.Column("error", sa.String(500)),
        sa.Column("phases", sa.JSON()),
        *_key("result_details"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "results_late",
        *_columns(),
        sa.Column("verdict", sa.SmallInteger(), nullable=False),
        sa.Column("latency_ms", sa.Integer()),
        sa.Column("reliable", sa.Boolean(), nullable=False),
        *_key("results_late"),
        sqlite_with_rowid=False,
    )


def _ms(column: str) -> str:
    """Epoch milliseconds of a stored moment, floored (SQLite keeps UTC text with microseconds)."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(floor(extract(epoch from {column}) * 1000) AS BIGINT)"
    return (
        f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000"
        f" + CAST(substr({column} || '.000', 21, 3) AS INTEGER))"
    )


def _copy_rows() -> None:
    at, probe = _ms("o.at"), "CASE WHEN o.probe = 'local' THEN '' ELSE o.probe END"
    source = "FROM results_old o JOIN monitor_keys k ON k.monitor_id = o.monitor_id"
    verdict = "CASE o.verdict WHEN 'ok' THEN 0 WHEN 'degraded' THEN 1 ELSE 2 END"
    latency = "CAST(round(o.latency_ms) AS INTEGER)"
    # "WHERE 1 = 1" before ON CONFLICT: SQLite's parser needs it after a SELECT.
    op.execute(
        "INSERT INTO results (monitor_key, at, probe, verdict, latency_ms, status_code, reliable)"
        f" SELECT k.key, {at}, {probe}, {verdict}, {latency}, o.status_code, o.reliable"
        f" {source} WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    op.execute(
        "INSERT INTO result_details (monitor_key, at, probe, error, phases)"
        f" SELECT k.key, {at}, {probe}, o.error, o.phases {source}"
        " WHERE o.verdict <> 'ok' OR o.error IS NOT NULL ON CONFLICT DO NOTHING"
    )
    _convert_mark(at, probe, verdict, latency, source)


def _convert_mark(at: str, probe: str, verdict: str, latency: str, source: str) -> None:
    bind = op.get_bind()
    old = bind.execute(
        sa.text("SELECT value FROM history_marks WHERE name = :n"), {"n": FOLD_MARK}
    ).scalar()
    if not old:
        return
    covered = bind.execute(
        sa.text(f"SELECT max({_ms('at')}) FROM results_old WHERE id <= :mark"), {"mark": old}
    ).scalar()
    new = int(covered or 0)
    op.execute(
        sa.text(
            "INSERT INTO results_late (monitor_key, at, probe, verdict, latency_ms, reliable)"
            f" SELECT k.key, {at}, {probe}, {verdict}, {latency}, o.reliable {source}"
            f" WHERE o.id > :old AND {at} <= :new ON CONFLICT DO NOTHING"
        ).bindparams(old=old, new=new)
    )
    op.execute(
        sa.text("UPDATE history_marks SET value = :new WHERE name = :n").bindparams(
            new=new, n=FOLD_MARK
        )
    )


def upgrade() -> None:
    op.drop_index("ix_results_monitor_id_at", table_name="results")
    op.drop_index("uq_results_remote", table_name="results")
    op.rename_table("results", "results_old")
    if op.get_bind().dialect.name == "postgresql":
        # Constraint names share one namespace per schema there; the new table takes these.
        op.execute("ALTER TABLE results_old RENAME CONSTRAINT pk_results TO pk_results_old")
    _create_tables()
    op.execute("INSERT INTO monitor_keys (monitor_id) SELECT id FROM monitors ORDER BY id")
    _copy_rows()
    op.drop_table("results_old")


def downgrade() -> None:
    raise NotImplementedError("0019 converts results to a slimmer form; restore a backup")
