"""Alembic environment of the registry; run programmatically by :mod:`computegov.registry.database`.

The caller passes an open SQLAlchemy connection in ``config.attributes["connection"]``; there is
no alembic.ini and no logging configuration here (the application owns logging).
"""

from __future__ import annotations

from alembic import context

from computegov.registry.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on the connection the caller gave."""
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only when someone runs `alembic` by hand
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("computegov registry migrations run online only (computegov registry init)")
run_migrations_online()
