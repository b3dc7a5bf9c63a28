"""Forgiving chip lookup: spelling variants find one chip; ambiguity and typos are explained."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.catalog import Catalog, Chip, load_catalog
from computegov.errors import UnknownNameError

CATALOG = load_catalog(user_config=False)


@pytest.mark.parametrize("query", ["H100", "h100 sxm", "NVIDIA H100 SXM5 80GB", "nvidia  h100-sxm5 80 GB", "H100 SXM5"])
def test_h100_spellings_find_the_sxm_part(query: str) -> None:
    assert CATALOG.get(query).name == "NVIDIA H100 SXM5 80GB"


def test_exact_name_without_vendor_prefix() -> None:
    assert CATALOG.get("tpu v4").name == "Google TPU v4"


def test_ambiguous_name_lists_candidates() -> None:
    with pytest.raises(UnknownNameError) as info:
        CATALOG.get("A800 80GB")
    assert info.value.ambiguous
    assert len(info.value.candidates) >= 2
    assert all("A800" in c for c in info.value.candidates)


def test_exact_row_name_wins_over_longer_variants() -> None:
    # Epoch has a generic "NVIDIA V100" row beside the SXM2/PCIe variants.
    assert CATALOG.get("V100").name == "NVIDIA V100"


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        CATALOG.get("H1000 SXM")
    assert not info.value.ambiguous
    assert any("H100" in c for c in info.value.candidates)


def test_small_catalogue_lookup_by_alias() -> None:
    cat = Catalog((Chip(name="Acme X1 Pro", aliases=("X1",)), Chip(name="Acme X1 Lite")))
    assert cat.get("x1").name == "Acme X1 Pro"
    assert cat.get("x1 lite").name == "Acme X1 Lite"


@given(st.sampled_from(CATALOG.names), st.sampled_from([str.lower, str.upper, str.title, lambda s: s]),
       st.sampled_from([" ", "  ", "-", "_"]))
def test_every_canonical_name_finds_itself_in_any_case_and_spacing(name: str, case, sep: str) -> None:
    variant = case(name).replace(" ", sep)
    assert CATALOG.get(variant).name == name
