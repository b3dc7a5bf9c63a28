"""The web application: dashboard pages, a JSON API and the compute-report registry.

:func:`create_app` and :class:`Store` need FastAPI and SQLAlchemy (the ``server`` extra) and are
imported on first use, so the pure parts (:mod:`computegov.tlog.merkle`,
:mod:`computegov.registry.treehead`, :mod:`computegov.registry.monitor`) work on the core
install. Start the server with ``computegov serve`` or build it with :func:`create_app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computegov.registry.app import create_app
    from computegov.registry.store import Store

__all__ = ["Store", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from computegov.registry.app import create_app

        return create_app
    if name == "Store":
        from computegov.registry.store import Store

        return Store
    raise AttributeError(f"module 'computegov.registry' has no attribute {name!r}")
