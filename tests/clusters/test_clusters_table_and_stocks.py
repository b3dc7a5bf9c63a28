"""The clusters table and compute stocks, checked against values read by hand from the CSV.

SUBSET holds eight rows copied verbatim (trimmed columns) from Epoch AI's "GPU Clusters" table
(CC-BY 4.0, data/gpu_clusters.csv). The expected stocks below are sums of the numbers in those
rows, written out so a reader can check them against the CSV without running any code.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.clusters import (
    ClusterSystem,
    country_code,
    filter_systems,
    load_clusters,
    parse_clusters_csv,
    stocks,
)
from computegov.clusters.hypothetical import hypothetical_system
from computegov.errors import DataError, InputError

HEADER = (
    "Name,Status,Certainty,Single cluster?,Possible Duplicate,Include in Standard Analysis,First Operational Date,"
    "Decommissioned Date (if applicable),Country,Owner,Sector,Chip type (primary),Chip quantity (primary),"
    "H100 equivalents,16-bit OP/s,Power Capacity (MW)"
)
SUBSET = "\n".join([
    HEADER,
    "NVIDIA Eos Phase 1,Existing,Confirmed,Yes,,TRUE,5/22/2023,,United States of America,NVIDIA,Private,NVIDIA H100 SXM5 80GB,1024,1024,1.01E+18,1.48721664",
    "Texas A&M Grace,Existing,Confirmed,Yes,,TRUE,11/1/2021,,United States of America,Texas A&M,Public,NVIDIA A100,200,63.0621526,6.24E+16,0.171808",
    "Anonymized Chinese System,Existing,Confirmed,Yes,,TRUE,11/15/2018,,China,,Private,,1000,90,2.00E+17,1",
    "Anonymized Chinese System,Existing,Confirmed,Yes,,TRUE,7/15/2021,,China,,Private,,10000,3000,3.00E+18,6",
    "University of Florida HiPerGator 3.0 Superpod,Existing,Confirmed,Yes,,TRUE,1/31/2021,,United States of America,University of Florida,Public,NVIDIA A100,1120,353.1480546,3.49E+17,1.0261",
    "High-Performance Computing Center Stuttgart Hawk,Existing,Confirmed,Yes,,TRUE,9/20/2021,,Germany,University of Stuttgart,Public,NVIDIA A100,192,60.5396665,5.99E+16,0.16493568",
    "Oak Ridge NL Summit,Decommissioned,Confirmed,Yes,,,6/8/2018,11/15/2024,United States of America,US Department of Energy,Public,NVIDIA Tesla V100 SXM2,27648,1746.336534,3.46E+18,13",
    "Preferred Networks MN-1b,Decommissioned,Confirmed,Yes,,,7/30/2018,2021-07,Japan,Preferred Networks Inc,Private,NVIDIA V100,512,42.01556342,8.31E+16,0.93929472",
])  # fmt: skip


@pytest.fixture(scope="module")
def subset() -> tuple[ClusterSystem, ...]:
    from computegov.catalog import load_catalog

    return parse_clusters_csv(SUBSET, path="subset.csv", catalog=load_catalog(user_config=False)).systems


def test_rows_are_typed_with_iso_countries_and_catalogue_chips(subset: tuple[ClusterSystem, ...]) -> None:
    eos = subset[0]
    assert eos.country == "US" and eos.first_operational == dt.date(2023, 5, 22)
    assert eos.chip == "NVIDIA H100 SXM5 80GB" and eos.chip_count == 1024
    assert eos.power_w == pytest.approx(1.48721664e6)  # MW -> W
    assert eos.sector == "private" and eos.single_cluster is True and eos.standard is True
    assert subset[2].chip is None and subset[2].country == "CN"
    assert subset[7].decommissioned == dt.date(2021, 7, 1)  # "2021-07"


def test_stock_by_country_matches_hand_sums(subset: tuple[ClusterSystem, ...]) -> None:
    # 2022-01-01: Eos (2023) not yet operational; MN-1b decommissioned 2021-07; Summit still running.
    table = stocks(subset, dt.date(2022, 1, 1), by="country", metric="h100e")
    us = 63.0621526 + 353.1480546 + 1746.336534
    cn = 90 + 3000
    de = 60.5396665
    assert table.value("US") == pytest.approx(us)
    assert table.value("CN") == pytest.approx(cn)
    assert table.value("JP") == 0
    assert table.share("US") == pytest.approx(us / (us + cn + de))
    # 2025-01-01: Summit decommissioned 2024-11-15, Eos in.
    later = stocks(subset, dt.date(2025, 1, 1), by="country", metric="flop_per_s_16bit")
    assert later.value("US") == pytest.approx(6.24e16 + 3.49e17 + 1.01e18)


def test_stock_by_sector_and_filter_report(subset: tuple[ClusterSystem, ...]) -> None:
    table = stocks(subset, dt.date(2025, 1, 1), by="sector", metric="h100e")
    assert table.value("public") == pytest.approx(63.0621526 + 353.1480546 + 60.5396665)
    assert table.value("private") == pytest.approx(1024 + 90 + 3000)
    kept, steps = filter_systems(subset, standard=True)
    assert len(kept) == 6
    assert steps[0].removed == 2 and steps[0].removed_h100e == pytest.approx(1746.336534 + 42.01556342)


def test_bad_values_give_named_warnings_not_drops() -> None:
    text = SUBSET + "\nBroken,Existing,Sometimes,Maybe,,,13/45/2020,,Atlantis,,Private,,-5,n/a,,"
    table = parse_clusters_csv(text, path="bad.csv")
    assert len(table) == 9
    fields = {w.field for w in table.warnings}
    assert {"certainty", "single_cluster", "first_operational", "country", "chip_count", "h100e"} <= fields
    assert all(w.row == 10 for w in table.warnings)
    broken = table.systems[-1]
    assert broken.chip_count is None and broken.country is None and broken.country_name == "Atlantis"


def test_missing_name_column_is_a_data_error() -> None:
    with pytest.raises(DataError, match="Name"):
        parse_clusters_csv("Status\nExisting\n")


@pytest.mark.parametrize(
    ("name", "code"),
    [("Korea (Republic of)", "KR"), ("Philippines (the)", "PH"), ("Russia", "RU"), ("Taiwan", "TW"),
     ("United Kingdom of Great Britain and Northern Ireland", "GB"), ("us", "US"), ("DEU", "DE")],
)  # fmt: skip
def test_country_names_map_to_iso_codes(name: str, code: str) -> None:
    assert country_code(name) == code


def test_unknown_country_names_the_field() -> None:
    with pytest.raises(InputError, match=r"^country: unknown country 'Narnia'"):
        country_code("Narnia")


def test_bundled_table_loads_every_row_and_reports_unmatched_chips() -> None:
    table = load_clusters()
    assert len(table) == 786  # rows in Epoch's file (shared/data/SOURCES.md)
    assert table.warnings == ()
    assert "Cerebras CS-2" in table.unmatched_chips
    assert sum(1 for s in table if s.chip) > 400


def test_hypothetical_system_rejects_negative_counts() -> None:
    with pytest.raises(InputError, match=r"^chip_count: "):
        hypothetical_system("x", "US", "H100", -1, dt.date(2025, 1, 1))
    system = hypothetical_system("x", "US", "H100", 1000, dt.date(2025, 1, 1))
    assert system.h100e == pytest.approx(1000)


# --- properties ---------------------------------------------------------------------------------

COUNTRIES = ("US", "CN", "DE", None)


@st.composite
def systems_strategy(draw: st.DrawFn) -> list[ClusterSystem]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        start = dt.date(2018, 1, 1) + dt.timedelta(days=draw(st.integers(0, 2500)))
        gone = draw(st.one_of(st.none(), st.integers(1, 2000)))
        out.append(ClusterSystem(
            name=f"s{i}", row=i + 2, status=draw(st.sampled_from(["existing", "planned", "decommissioned"])),
            first_operational=start, decommissioned=None if gone is None else start + dt.timedelta(days=gone),
            country=draw(st.sampled_from(COUNTRIES)), sector=draw(st.sampled_from(["private", "public", None])),
            h100e=draw(st.one_of(st.none(), st.floats(0, 1e6))),
        ))
    return out


@given(systems_strategy(), st.sampled_from(["country", "sector", "owner"]))
def test_shares_sum_to_one(systems: list[ClusterSystem], by: str) -> None:
    table = stocks(systems, dt.date(2023, 6, 1), by=by, metric="h100e")
    if table.total > 0:
        assert sum(r.share for r in table.rows) == pytest.approx(1.0)
    else:
        assert all(r.share == 0 for r in table.rows)


@given(systems_strategy(), st.sampled_from(["US", "CN", "DE"]), st.floats(0, 1e6), st.integers(0, 3000))
def test_adding_a_system_never_lowers_its_countrys_stock(
    systems: list[ClusterSystem], country: str, h100e: float, day: int
) -> None:
    date = dt.date(2018, 1, 1) + dt.timedelta(days=day)
    before = stocks(systems, date).value(country)
    new = ClusterSystem(name="new", row=0, status="existing", first_operational=dt.date(2018, 1, 1),
                        country=country, h100e=h100e)
    after = stocks([*systems, new], date).value(country)
    assert after >= before
