"""Fixtures for the dashboard tests; the shared helpers live with the registry's tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "registry"))

from registry_helpers import page_client

__all__ = ["page_client"]
