"""The public surface: a light import, an accurate __all__, every error exported."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import computegov
from computegov import errors

HEAVY = ("torch", "fastapi", "ray", "altair", "sqlalchemy", "uvicorn", "vl_convert", "pandas", "scipy")


def test_import_computegov_loads_no_heavy_library() -> None:
    code = "import sys, json, computegov; print(json.dumps(sorted(m for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not [m for m in HEAVY if m in loaded]


def test_all_lists_exactly_the_public_names() -> None:
    public = {n for n in vars(computegov) if not n.startswith("_")} - {"annotations"}
    submodules = {n for n, v in vars(computegov).items() if inspect.ismodule(v)}
    assert set(computegov.__all__) == public - submodules
    assert len(computegov.__all__) == len(set(computegov.__all__))


def test_every_error_class_is_exported_and_in_the_tree() -> None:
    classes = [v for v in vars(errors).values() if inspect.isclass(v) and issubclass(v, errors.ComputegovError)]
    for cls in classes:
        assert cls.__name__ in computegov.__all__
        assert cls.__name__ in errors.__doc__


def test_cli_help_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "computegov", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "catalog" in out.stdout
