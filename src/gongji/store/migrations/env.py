"""Alembic environment: runs migrations on the connection gongji hands over (see ``gongji.store.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from gongji.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("gongji runs migrations through gongji.store.migrate, with a connection")
_run(connection)
