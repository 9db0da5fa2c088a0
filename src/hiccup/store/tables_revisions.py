"""Counters the database itself moves when history that readers keep in memory is rewritten.

`history_revisions` holds one row per subject. Triggers (migration 0010) add one to
`closed_outages` in the same transaction as any write that inserts, edits or deletes an outage
that had ended, whoever runs it: a cascade from a deleted monitor, another server, an operator
at a SQL prompt. Opening an outage and closing it (the recorder's everyday writes) leave it
alone, so it costs nothing and locks nothing in normal running. hiccup.store.public_bars reads
it to know that the closed days' outages it keeps were not rewritten.

SQLite drops a table's triggers when a migration rebuilds it (`batch_alter_table` copying the
table): a migration that rebuilds `outages` must create them again, as 0010 does.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from hiccup.store.tables import metadata

CLOSED_OUTAGES = "closed_outages"

history_revisions = Table(
    "history_revisions",
    metadata,
    Column("subject", String(32), primary_key=True),
    Column("revision", BigInteger, nullable=False),
)
