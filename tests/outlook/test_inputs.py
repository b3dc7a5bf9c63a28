"""Overrides, assumptions files and presets: every input settable, every bad one named."""

from __future__ import annotations

from pathlib import Path

import pytest

from computegov.errors import DataError, InputError, UnknownNameError
from computegov.outlook import (
    PRESET_NAMES,
    Fan,
    build_preset,
    load_preset,
    parse_assignment,
    read_assumptions,
)


def test_every_preset_input_has_a_source_and_estimates_have_a_range_or_say_why() -> None:
    for name in PRESET_NAMES:
        for inp in load_preset(name).inputs:
            assert inp.source, f"{name}.{inp.name}"
            if inp.estimate:
                assert inp.low is not None or "estimate" in inp.source.lower() or inp.name == "pooled_years"


def test_set_fixes_a_value_and_a_range_sets_the_interval() -> None:
    inputs = load_preset("epoch2024").input_map()
    fixed = parse_assignment("power_w=5e9", inputs)
    assert (fixed.value, fixed.low, fixed.high) == (5e9, None, None)
    ranged = parse_assignment("power_w=1e9..4e10", inputs)
    assert (ranged.low, ranged.high) == (1e9, 4e10)
    assert ranged.value == pytest.approx((1e9 * 4e10) ** 0.5)
    assert ranged.source.startswith("user")
    assert ranged.at_year == inputs["power_w"].at_year


@pytest.mark.parametrize("text, error, match", [
    ("power_w", InputError, "NAME=VALUE"),
    ("bogus=1", UnknownNameError, "bogus"),
    ("power_w=abc", InputError, "expected a number"),
    ("power_w=5..1", InputError, "LOW <= HIGH"),
    ("power_w=-3", InputError, ">= 0"),
    ("utilisation=2", InputError, "above its largest"),
])
def test_bad_assignment_is_refused_with_a_message_naming_it(text: str, error: type[Exception], match: str) -> None:
    inputs = load_preset("toolkit").input_map()
    with pytest.raises(error, match=match):
        parse_assignment(text, inputs)


def test_overriding_a_growth_drops_the_fan_it_would_be_ignored_by() -> None:
    preset = load_preset("toolkit")
    inputs = preset.input_map()
    fan = Fan((2030,), (0.05, 0.5, 0.95), ((1.0, 2.0, 3.0),), "test")
    preset = preset.with_inputs([inputs["power_w"].__class__(**{**inputs["power_w"].__dict__, "fan": fan})])
    assert preset.input_map()["power_w"].fan is not None
    changed = preset.with_inputs([parse_assignment("power_w_growth=1.1", preset.input_map())])
    assert changed.input_map()["power_w"].fan is None


def test_assumptions_file_sets_inputs_correlations_and_preset(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("preset: epoch2024\ninputs:\n  power_w: 3e9\n  utilisation: 0.3..0.5\n"
                    "  duration_s: {value: 1.0e7, low: 5.0e6, high: 2.0e7, source: my note}\n"
                    "correlations:\n  - [power_w, duration_s, 0.4, why]\n", encoding="utf-8")
    preset = build_preset(None, [2030], assumptions=path)
    assert preset.name == "epoch2024"
    got = preset.input_map()
    assert got["power_w"].value == 3e9
    assert (got["utilisation"].low, got["utilisation"].high) == (0.3, 0.5)
    assert got["duration_s"].source == "my note"
    assert any({c.a, c.b} == {"power_w", "duration_s"} and c.rho == 0.4 for c in preset.correlations)


def test_set_applies_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("inputs:\n  power_w: 3e9\n", encoding="utf-8")
    preset = build_preset("epoch2024", [2030], assumptions=path, sets=["power_w=7e9"])
    assert preset.input_map()["power_w"].value == 7e9


@pytest.mark.parametrize("body, field", [
    ("inputs:\n  nonsense: 1\n", "inputs.nonsense"),
    ("inputs:\n  power_w: {value: fast}\n", "inputs.power_w.value"),
    ("inputs:\n  power_w: {low: 1}\n", "inputs.power_w"),
    ("correlations:\n  - [power_w, nope, 0.5]\n", "correlations[1]"),
    ("correlations:\n  - [power_w, duration_s, 1.5]\n", "correlations[1]"),
    ("surprise: 1\n", None),
])
def test_bad_assumptions_file_names_file_and_field(tmp_path: Path, body: str, field: str | None) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_assumptions(path, load_preset("epoch2024").input_map())
    assert "bad.yaml" in str(info.value)
    if field:
        assert info.value.field == field


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(UnknownNameError) as info:
        build_preset("nope", [2030])
    assert set(info.value.candidates) == set(PRESET_NAMES)


def test_binding_set_override_is_checked() -> None:
    with pytest.raises(UnknownNameError):
        build_preset("epoch2024", [2030], binding=["power", "weather"])
    assert build_preset("epoch2024", [2030], binding=["data"]).binding == ("data",)
