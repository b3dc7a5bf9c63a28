"""The dashboard: a FastAPI app with pages, views, forms, templates and static files.

It also serves the JSON API behind them, and the same process serves the registry's endpoints
(:mod:`computegov.registry`).

:func:`create_app` needs FastAPI and SQLAlchemy (the ``server`` extra) and is imported on first
use. Start the server with ``computegov serve`` or build it with :func:`create_app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from computegov.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from computegov.web.app import create_app

        return create_app
    raise AttributeError(f"module 'computegov.web' has no attribute {name!r}")
