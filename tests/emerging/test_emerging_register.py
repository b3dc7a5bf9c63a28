"""The register: the bundled file is valid and sourced; a bad entry names file, entry, field and expectation."""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from computegov.emerging import EVIDENCE_KINDS, MATURITY_LEVELS, PARADIGMS, load_register
from computegov.emerging.register import METRIC_NAMES, RATIO_METRICS, parse_register
from computegov.errors import DataError, UnknownNameError


def _raw() -> dict[str, Any]:
    text = resources.files("computegov.data").joinpath("emerging_register.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_bundled_register_loads_with_entries_in_several_paradigms() -> None:
    reg = load_register()
    assert len(reg.claims) >= 10
    assert len({c.paradigm for c in reg.claims}) == len(PARADIGMS)  # every paradigm has an entry
    assert {c.evidence for c in reg.claims} == set(EVIDENCE_KINDS)
    assert set(reg.maturity_levels) == set(MATURITY_LEVELS)


def test_every_entry_has_a_source_and_every_figure_its_quote() -> None:
    for claim in load_register().claims:
        src = claim.source
        assert src.citation, claim.id
        assert src.doi or src.url.startswith("http"), claim.id
        assert src.checked <= dt.date(2026, 12, 31), claim.id
        for metric in claim.metrics:
            assert metric.quote.strip(), (claim.id, metric.name)
            assert metric.name in METRIC_NAMES
            if metric.name in RATIO_METRICS:
                assert metric.baseline, claim.id


def test_a_comparable_entry_states_its_precision() -> None:
    for claim in load_register().claims:
        if claim.metric("op_per_j") or claim.metric("op_per_s"):
            assert claim.precision.strip(), claim.id


def _mutate(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_raw())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "expected"),
    [
        (("entries", 0, "paradigm"), "optical", "paradigm", "one of photonic"),
        (("entries", 0, "evidence"), "rumour", "evidence", "one of peer_reviewed_measurement"),
        (("entries", 0, "maturity"), "ga", "maturity", "one of research_demo"),
        (("entries", 0, "date"), "last spring", "date", "an ISO date"),
        (("entries", 0, "source"), _DELETE, "source", "a mapping with citation"),
        (("entries", 3, "source", "citation"), "", "citation", "a non-empty text"),
        (("entries", 3, "source", "url"), "ftp://x", "source.url", "an http(s) URL"),
        (("entries", 3, "metrics", 0, "value"), -12.4, "metrics[0].value", "a positive finite number"),
        (("entries", 3, "metrics", 0, "value"), "lots", "metrics[0].value", "a number"),
        (("entries", 3, "metrics", 0, "quote"), "", "quote", "a non-empty text"),
        (("entries", 3, "metrics", 0, "name"), "tops_per_w", "metrics[0].name", "one of op_per_s"),
        (("entries", 3, "metrics", 0, "basis"), "guess", "metrics[0].basis", "one of measured"),
        (("entries", 3, "precision_key"), "int3", "precision_key", "null or one of"),
    ],
)
def test_a_bad_entry_names_file_entry_field_and_expectation(
    path: tuple[Any, ...], value: Any, field: str, expected: str
) -> None:
    data = _mutate(path, value)
    with pytest.raises(DataError) as info:
        parse_register(data, "emerging_register.yaml")
    err = info.value
    assert err.path == "emerging_register.yaml"
    assert err.row == path[1] + 1
    assert err.field == field
    assert expected in str(err)
    assert repr(data["entries"][path[1]]["id"]) in str(err)  # the entry is named


def test_a_repeated_id_is_refused() -> None:
    data = _raw()
    data["entries"][1]["id"] = data["entries"][0]["id"]
    with pytest.raises(DataError, match="unique id"):
        parse_register(data, "x.yaml")


def test_an_estimate_outside_its_range_is_refused() -> None:
    data = _raw()
    data["entries"][3]["metrics"][0].update(low=2e13, high=3e13)  # value 1.24e13 is below low
    with pytest.raises(DataError, match="low <= value <= high"):
        parse_register(data, "x.yaml")


def test_a_user_file_is_read_and_bad_yaml_is_a_data_error(tmp_path: Path) -> None:
    good = tmp_path / "reg.yaml"
    data = _raw()
    data["entries"] = data["entries"][:2]
    good.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert [c.id for c in load_register(good).claims] == [e["id"] for e in data["entries"]]
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries: [unclosed", encoding="utf-8")
    with pytest.raises(DataError, match="not valid YAML"):
        load_register(bad)
    with pytest.raises(DataError, match="cannot read"):
        load_register(tmp_path / "missing.yaml")


def test_unknown_entry_and_paradigm_are_named() -> None:
    reg = load_register()
    with pytest.raises(UnknownNameError, match="no register entry"):
        reg.get("nope")
    with pytest.raises(UnknownNameError, match="unknown paradigm"):
        reg.by_paradigm("alchemy")


def _with_metric(metric: dict[str, Any]) -> dict[str, Any]:
    """The bundled register with entry 3's metrics replaced by ``metric`` alone."""
    data = _raw()
    data["entries"][3]["metrics"] = [metric]
    return data


@pytest.mark.parametrize(
    ("metric", "field", "expected"),
    [
        ({"name": "physical_qubits", "value": 101.5, "basis": "measured", "quote": "q"},
         "metrics[0].value", "a whole number"),
        ({"name": "transistors", "value": 2.5, "basis": "claimed", "quote": "q"}, "metrics[0].value", "a whole number"),
        ({"name": "logical_error_per_cycle", "value": 1.43, "basis": "measured", "quote": "q"},
         "metrics[0].value", "a probability between 0 and 1"),
        ({"name": "logical_error_per_cycle", "value": 0, "basis": "measured", "quote": "q"},
         "metrics[0].value", "a positive finite number"),
        ({"name": "relative_throughput", "value": 179, "basis": "measured", "quote": "q"}, "baseline",
         "a non-empty text"),
        ({"name": "energy_per_op_j", "value": -8e-19, "basis": "measured", "quote": "q"},
         "metrics[0].value", "a positive finite number"),
    ],
)
def test_a_count_probability_or_ratio_out_of_its_domain_is_refused(
    metric: dict[str, Any], field: str, expected: str
) -> None:
    with pytest.raises(DataError) as info:
        parse_register(_with_metric(metric), "x.yaml")
    assert info.value.field == field
    assert info.value.row == 4
    assert expected in str(info.value)


@pytest.mark.parametrize(
    "metric",
    [
        {"name": "physical_qubits", "value": 101, "basis": "measured", "quote": "q"},
        {"name": "transistors", "value": 2.6e12, "basis": "claimed", "quote": "q"},
        {"name": "logical_error_per_cycle", "value": 0.00143, "basis": "measured", "quote": "q"},
        {"name": "relative_throughput", "value": 179, "basis": "measured", "quote": "q", "baseline": "Frontier"},
        {"name": "energy_per_op_j", "value": 8e-19, "basis": "measured", "quote": "q"},
        {"name": "clock_hz", "value": 3e10, "basis": "measured", "quote": "q"},
    ],
)
def test_each_new_metric_reads_in_its_unit(metric: dict[str, Any]) -> None:
    claim = parse_register(_with_metric(metric), "x.yaml").claims[3]
    read = claim.metric(metric["name"])
    assert read is not None and read.value == float(metric["value"])
    assert metric["name"] in METRIC_NAMES


def test_the_register_covers_every_paradigm_with_at_least_two_sourced_entries() -> None:
    reg = load_register()
    assert len(reg.claims) >= 30
    for paradigm in PARADIGMS:
        entries = reg.by_paradigm(paradigm)
        assert len(entries) >= 2, paradigm
        assert all(c.source.doi or c.source.url for c in entries), paradigm


@pytest.mark.parametrize("definition", [None, "", "   ", 3])
def test_each_maturity_level_needs_a_written_definition(definition: Any) -> None:
    data = _raw()
    data["maturity_levels"] = {**data["maturity_levels"], "pilot": definition}
    with pytest.raises(DataError, match="written definition") as info:
        parse_register(data, "x.yaml")
    assert "maturity_levels.pilot" in str(info.value)


def test_bundled_register_loads_as_the_guarded_reader_reads_it() -> None:
    from computegov.emerging.register import REGISTER_FILE, _parse_text

    text = resources.files("computegov.data").joinpath(REGISTER_FILE).read_text(encoding="utf-8")
    assert load_register() == _parse_text(text, REGISTER_FILE)
