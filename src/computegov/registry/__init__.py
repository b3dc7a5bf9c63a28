"""The web application: dashboard pages, a JSON API and the compute-report registry.

Importing this package imports FastAPI and SQLAlchemy (the ``server`` extra); nothing else in
computegov imports it. Start it with ``computegov serve`` or build it with :func:`create_app`.
"""

from __future__ import annotations

from computegov.registry.app import create_app
from computegov.registry.store import Store

__all__ = ["Store", "create_app"]
