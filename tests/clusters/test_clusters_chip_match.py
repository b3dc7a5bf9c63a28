"""A cluster's chip type maps to the chip Catalog.get would give, without computing suggestions."""

from __future__ import annotations

import pytest

from computegov.catalog import load_catalog
from computegov.clusters.table import match_chip
from computegov.errors import UnknownNameError


def _by_get(name: str, catalog) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return catalog.get(name).name
    except UnknownNameError:
        return None


@pytest.fixture(scope="module")
def catalogs():  # type: ignore[no-untyped-def]
    return [load_catalog(user_config=False), load_catalog(user_config=False, broad_gpus=True)]


def test_every_bundled_chip_type_and_some_odd_names_match_as_get_would(catalogs) -> None:  # type: ignore[no-untyped-def]
    from computegov.clusters.table import load_clusters

    names = {s.chip_type for s in load_clusters() if getattr(s, "chip_type", None)}
    names |= {"H100", "NVIDIA H100 SXM5 80 GB", "A100", "MI250X", "TPU v4", "Radeon", "GeForce",
              "no such accelerator 9000", "", "nvidia"}
    assert len(names) > 20
    for catalog in catalogs:
        got = {n: match_chip(n, catalog) for n in names}
        assert got == {n: _by_get(n, catalog) for n in names}
        assert any(v is not None for v in got.values()) and any(v is None for v in got.values())
