"""YAML through the guarded reader: limits on nesting and aliases with either parser, lines named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from computegov.errors import DataError
from computegov.inputyaml import load_bundled_yaml, parse_yaml_text, read_input_yaml


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both parsers the guarded reader may use: libyaml's when PyYAML has it, else PyYAML's own."""
    import yaml

    if request.param == "pure-python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("this PyYAML was built without libyaml")
    return str(request.param)


def test_yaml_limits_depth_and_aliases_and_names_the_line(tmp_path: Path, yaml_parser: str) -> None:
    with pytest.raises(DataError, match="nested deeper than 100 levels"):
        parse_yaml_text("a: " + "[" * 300 + "]" * 300, path="y.yaml")
    bomb = "a: &a [1, 2]\nb: [" + ", ".join(["*a"] * 21) + "]\n"
    with pytest.raises(DataError, match="more than 20 YAML aliases"):
        parse_yaml_text(bomb, path="y.yaml")
    assert parse_yaml_text("a: &a [1, 2]\nb: *a\n", path="y.yaml") == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(DataError, match=r"y.yaml row 3: not valid YAML"):
        parse_yaml_text("a: 1\nb: [1,\n", path="y.yaml")
    with pytest.raises(DataError, match=r"not valid YAML: month must be in 1\.\.12"):
        parse_yaml_text("d: 2024-13-45\n", path="y.yaml")
    path = tmp_path / "ok.yaml"
    path.write_text("pue: 1.1\n", encoding="utf-8")
    assert read_input_yaml(path) == {"pue": 1.1}


@pytest.mark.parametrize("depth", [98, 99, 100])
def test_yaml_depth_limit_is_the_same_boundary_for_both_parsers(yaml_parser: str, depth: int) -> None:
    # "a: [[...[1]...]]": the mapping, `depth` sequences and the scalar: depth + 2 levels of nodes
    text = "a: " + "[" * depth + "1" + "]" * depth
    if depth + 2 > 100:
        with pytest.raises(DataError, match="nested deeper than 100 levels"):
            parse_yaml_text(text, path="y.yaml")
    else:
        assert parse_yaml_text(text, path="y.yaml")["a"] is not None
    bomb = "a: &a [1]\nb: [" + ", ".join(["*a"] * 20) + "]\n"  # exactly 20 aliases: allowed
    assert len(parse_yaml_text(bomb, path="y.yaml")["b"]) == 20


def test_a_large_json_file_read_as_yaml_parses_in_seconds() -> None:
    import time

    import yaml

    if getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("this PyYAML was built without libyaml (the pure-Python parser takes about a minute)")
    doc = {"claims": [{"name": f"c{i}", "values": [i, i * 0.5, [i, {"x": i}]]} for i in range(6_000)]}
    text = json.dumps(doc)
    assert len(text) > 300_000  # the pure-Python parser: over 20 s
    started = time.process_time()
    assert parse_yaml_text(text, path="big.json") == doc
    assert time.process_time() - started < 6.0


def test_bundled_yaml_loads_like_safe_load() -> None:
    from importlib import resources

    import yaml

    for name in ("curated.yaml", "export_control_rules.yaml", "emerging_register.yaml"):
        text = resources.files("computegov.data").joinpath(name).read_text(encoding="utf-8")
        assert load_bundled_yaml(text) == yaml.safe_load(text)
