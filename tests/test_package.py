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
    eager = {n for n, v in vars(computegov).items() if not n.startswith("_") and not inspect.ismodule(v)}
    eager -= {"annotations", "Any"}
    public = eager | set(computegov._LAZY)
    assert set(computegov.__all__) == public
    assert len(computegov.__all__) == len(set(computegov.__all__))


def test_every_lazy_name_resolves_from_its_owning_module() -> None:
    code = (
        "import computegov, json; "
        "print(json.dumps({n: getattr(computegov, n).__module__ if hasattr(getattr(computegov, n), '__module__') "
        "else 'value' for n in computegov._LAZY}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    resolved = json.loads(out.stdout)
    assert set(resolved) == set(computegov._LAZY)
    for name, module in resolved.items():
        assert module == "value" or module.startswith("computegov"), (name, module)


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        computegov.no_such_thing  # noqa: B018
    except AttributeError as err:
        assert "no_such_thing" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_every_error_class_is_exported_and_in_the_tree() -> None:
    classes = [v for v in vars(errors).values() if inspect.isclass(v) and issubclass(v, errors.ComputegovError)]
    for cls in classes:
        assert cls.__name__ in computegov.__all__
        assert cls.__name__ in errors.__doc__
    assert set(errors.__all__) == {c.__name__ for c in classes}


def test_cli_help_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "computegov", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for group in ("catalog", "trends", "report", "costs", "plan", "compute", "policy", "measure", "verify"):
        assert group in out.stdout
