"""Shared fixtures: isolate every test from the user's real config and data dirs."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("COMPUTEGOV_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("COMPUTEGOV_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("COMPUTEGOV_CACHE_DIR", str(base / "cache"))
