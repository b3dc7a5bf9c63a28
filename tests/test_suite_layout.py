"""The test suite's own layout: what pytest's default import mode and pytest-xdist need."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_file_basenames_are_unique() -> None:
    """Test folders are not packages (no ``__init__.py``): pytest imports ``tests/a/test_x.py`` as
    module ``test_x``, and refuses to collect a second ``test_x.py`` elsewhere (import file mismatch),
    which stops a serial run and errors under xdist."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        where[path.name].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not clashes, f"test files sharing a basename: {clashes}"
    assert len(where) > 100  # the walk found the suite
