"""The compute-report registry: store, intake, keys, organisations, claims and audits.

Every change is appended to the transparency log (:mod:`computegov.tlog`).

:class:`Store` needs SQLAlchemy (the ``server`` extra) and is imported on first use, so the pure
parts (:mod:`computegov.registry.treehead`, :mod:`computegov.registry.monitor`) work on the core
install. The registry's HTTP endpoints are :mod:`computegov.registry.api`,
:mod:`computegov.registry.log_api` and :mod:`computegov.registry.verdicts_api`; the web app that
serves them with the dashboard is :func:`computegov.web.create_app` (``computegov serve``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computegov.registry.store import Store

__all__ = ["Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from computegov.registry.store import Store

        return Store
    raise AttributeError(f"module 'computegov.registry' has no attribute {name!r}")
