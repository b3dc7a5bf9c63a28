"""The PostgreSQL pool: no round trip to check a recently used connection, yet a connection the
server closed (a restart, ``pg_terminate_backend``) is replaced at checkout, not handed to a request."""

from __future__ import annotations

import os
import time

import pytest

from computegov.registry.database import (
    DEFAULT_CONNECTION_BUDGET,
    DEFAULT_POOL_SIZE,
    make_engine,
    pool_for_workers,
)

PG_URL = os.environ.get("COMPUTEGOV_TEST_POSTGRES_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="needs COMPUTEGOV_TEST_POSTGRES_URL")


@pytest.mark.parametrize("workers", [1, 2, 3, 4, 8, 15])
def test_worker_pools_stay_within_the_budget_and_keep_their_connections(workers: int) -> None:
    size, overflow = pool_for_workers(workers)
    assert overflow == 0  # an overflow connection is opened and closed per request under load: churn
    assert 4 <= size <= DEFAULT_POOL_SIZE
    assert workers * (size + overflow) <= max(DEFAULT_CONNECTION_BUDGET, 4 * workers)


@needs_pg


def test_a_recently_used_connection_is_checked_out_without_a_ping() -> None:
    engine = make_engine(str(PG_URL))
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_conn: object) -> bool:
        pings.append(dbapi_conn)
        return bool(ping(dbapi_conn))

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    try:
        for _ in range(5):
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        assert pings == []  # pool_pre_ping would have sent 4 (one per checkout of the pooled connection)
        record = engine.pool._pool.queue[0]  # type: ignore[attr-defined]  # the pooled connection, idle
        record.info["idle_since_s"] -= 3600  # as if it sat idle an hour: that one is pinged
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert len(pings) == 1
    finally:
        engine.dispose()


@needs_pg
def test_a_connection_the_server_terminated_is_replaced_at_checkout() -> None:
    engine = make_engine(str(PG_URL))
    admin = make_engine(str(PG_URL))
    try:
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.connect() as other:  # as a server restart does to every connection
            assert other.exec_driver_sql("SELECT pg_terminate_backend(%s)", (pid,)).scalar() is True
        time.sleep(0.3)  # the termination notice reaches the idle socket
        with engine.connect() as conn:  # the pool notices and opens a fresh one: no error
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    finally:
        engine.dispose()
        admin.dispose()
