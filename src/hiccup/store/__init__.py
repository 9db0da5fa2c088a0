"""Persistence: tables, migrations, repositories. SQLite (WAL) by default, PostgreSQL supported."""
