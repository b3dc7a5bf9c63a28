"""Where computegov keeps a user's files: the config dir (catalogue overrides) and the data dir."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["config_dir", "data_dir"]


def config_dir() -> Path:
    """The user's computegov config dir (``$COMPUTEGOV_CONFIG_DIR`` or the platform's)."""
    env = os.environ.get("COMPUTEGOV_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("computegov"))


def data_dir() -> Path:
    """The user's computegov data dir (``$COMPUTEGOV_DATA_DIR`` or the platform's)."""
    env = os.environ.get("COMPUTEGOV_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("computegov"))
