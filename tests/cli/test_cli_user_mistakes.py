"""User mistakes end in a clear message and exit status 2: no traceback, no silent nonsense.

Each case here once ended in a traceback (undecodable bytes, an output path that cannot be
written, a zero division) or in a printed ``inf`` that looked like an answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()

#: Bytes that are not UTF-8 (a Latin-1 or UTF-16 file given by mistake): 0xff never starts a
#: UTF-8 sequence, so the decoder fails at a known offset.
NOT_UTF8 = b"name,tdp_w\n\xff\xfeH100,700\n"


def _run(*args: str | Path) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(app, [str(a) for a in args])
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    return result.exit_code, result.output, exception


def _assert_refused(args: tuple[str | Path, ...], *needles: str) -> str:
    code, output, exception = _run(*args)
    assert exception is None, f"traceback: {exception!r}"
    assert code == 2, output
    flat = " ".join(output.split())
    for needle in needles:
        assert needle in flat, flat
    return flat


@pytest.fixture
def not_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.csv"
    path.write_bytes(NOT_UTF8)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("catalog", "validate", "{file}"),
        ("catalog", "import", "{file}"),
        ("catalog", "list", "--catalog", "{file}"),
        ("catalog", "show", "H100", "--catalog", "{file}"),
        ("costs", "tco", "H100", "--catalog", "{file}"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_file_that_is_not_utf8_is_refused_with_its_name_and_byte_offset(
    not_utf8: Path, args: tuple[str, ...]
) -> None:
    filled = tuple(str(not_utf8) if a == "{file}" else a for a in args)
    # 0xff is the 12th byte: offset 11 from the start of the file
    _assert_refused(filled, "latin1.csv", "UTF-8", "byte 11")


def test_a_records_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b'{"kind": "meter_start"}\n\xff\n')
    _assert_refused(("measure", "summarize", path), "run.jsonl", "UTF-8", "byte 24")


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_nan_in_a_catalogue_file_is_rejected_in_yaml_as_in_csv(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"chips{suffix}"
    if suffix == ".yaml":
        path.write_text("chips:\n  - name: Test chip\n    tdp_w: .nan\n", encoding="utf-8")
        row = "row 1"
    else:
        path.write_text("name,tdp_w\nTest chip,nan\n", encoding="utf-8")
        row = "row 2"
    _assert_refused(("catalog", "validate", path), f"chips{suffix}", row, "tdp_w", "finite")


def test_a_nan_yaml_value_in_any_numeric_field_is_not_taken_as_blank(tmp_path: Path) -> None:
    path = tmp_path / "chips.yaml"
    path.write_text("- name: Test chip\n  peak_flop_per_s_bf16: .NaN\n", encoding="utf-8")
    _assert_refused(("catalog", "list", "--catalog", path), "peak_flop_per_s_bf16")


@pytest.mark.parametrize(
    "command",
    [
        ("report", "-o"),
        ("policy", "chart", "-o"),
        ("plan", "--flop", "1e24", "--chart"),
    ],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize("where", ["missing-dir", "a-directory"])
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(
    tmp_path: Path, command: tuple[str, ...], where: str
) -> None:
    if where == "missing-dir":
        target = tmp_path / "no" / "such" / "out.html"
        needle = "no such directory"
    else:
        target = tmp_path / "existing.html"
        target.mkdir()
        needle = "is a directory"
    _assert_refused((*command, target), str(target.name), needle)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "option",
    [
        ("--price-usd", "inf"),
        ("--price-usd", "nan"),
        ("--price-usd", "1e400"),
        ("--price-usd", "1e308"),
        ("--tdp-w", "1e308"),
        ("--tdp-w", "inf"),
        ("--rent-usd-per-hour", "inf"),
        ("--price-usd", "0"),
        ("--tdp-w", "-5"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_costs_tco_refuses_prices_and_powers_out_of_range(
    option: tuple[str, str], as_json: bool
) -> None:
    args = ("costs", "tco", "H100", *option, *(("--json",) if as_json else ()))
    flat = _assert_refused(args, option[0])
    assert "$inf" not in flat


def test_costs_options_state_their_upper_bounds_in_the_help() -> None:
    result = runner.invoke(app, ["costs", "tco", "--help"])
    flat = " ".join(result.output.replace("│", " ").split())
    for option in ("--price-usd", "--tdp-w", "--rent-usd-per-hour"):
        assert option in flat
    assert flat.count("at most") >= 3, flat


def test_costs_tco_at_the_largest_accepted_price_prints_finite_numbers() -> None:
    from computegov.costs.model import MAX_CHIP_PRICE_USD

    code, output, exception = _run(
        "costs", "tco", "H100", "--price-usd", repr(MAX_CHIP_PRICE_USD), "--json"
    )
    assert exception is None and code == 0, output
    data = json.loads(output)
    year = data["summary"]["dollar_year"]
    total = data["summary"]["chip_hour"][f"total_usd_{year}_per_chip_hour"]
    assert 0 < total["low"] <= total["central"] <= total["high"] < 1e6
    assert "Infinity" not in output and "NaN" not in output


@pytest.mark.parametrize(
    "args",
    [
        ("policy", "classify", "H100", "--die-area", "1e-308"),
        ("policy", "classify", "H100", "--tpp", "1e308"),
        ("policy", "whatif", "--tpp", "4000", "--die-area", "1e-308"),
        ("policy", "whatif", "--hbm-density", "1e300"),
        ("policy", "whatif", "--tpp", "4000", "--io-bandwidth", "1e300"),
    ],
    ids=lambda a: " ".join(a[1:4]),
)
def test_policy_facts_out_of_range_are_refused_not_shown_as_infinite(args: tuple[str, ...]) -> None:
    flat = _assert_refused(args, args[-2])
    assert "∞" not in flat and "inf%" not in flat


@pytest.mark.parametrize(
    "args",
    [
        ("measure", "demo", "--steps", "99999999"),
        ("measure", "demo", "--threads", "0"),
        ("measure", "demo", "--seed", "-1"),
        ("catalog", "list", "--since", "99999999999"),
        ("plan", "--flop", "1e24", "--max-chips", "99999999999"),
        ("plan", "--flop", "1e24", "--deadline-days", "1e308"),
        ("plan", "--flop", "1e24", "--power-cap-mw", "inf"),
        ("plan", "--flop", "1e24", "--top", "0"),
        ("plan", "--flop", "1e24", "--chip", "H100", "--chips", "1.5"),
        ("report", "--seed", "-1"),
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_counts_years_and_sizes_beyond_their_stated_bounds_are_refused(
    args: tuple[str, ...],
) -> None:
    _assert_refused(args, args[-2])


def test_measure_demo_makes_the_folder_of_its_ledger(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from computegov.cli import app

    target = tmp_path / "run" / "run.jsonl"
    r = CliRunner().invoke(app, ["measure", "demo", "--steps", "2", "--ledger", str(target)])
    assert r.exit_code == 0, r.output
    assert target.is_file() and (tmp_path / "run" / "run.report.json").is_file()
    assert "recorded 2 steps:" in r.output and "FLOP in" in r.output


_METER_START = {"kind": "meter_start", "schema": "computegov.measure/v1", "rank": 0}
_INTERVAL = {
    "kind": "interval", "schema": "computegov.measure/v1", "rank": 0, "steps": 5,
    "flop": 6387924992, "flop_full_attention": 6387924992, "flop_causal_halved": 6138363904,
    "flop_flopcounter_compatible": 5888802816, "model_flop_6nd": None, "tokens": 2304,
    "counted_steps": 2, "seconds": 0.4, "time_start_unix_s": 1.7e9, "time_end_unix_s": 1.7e9 + 0.4,
    "energy_j": None, "gaps": [],
}


def _records(tmp_path: Path, interval_json: str) -> Path:
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps(_METER_START) + "\n" + interval_json + "\n", encoding="utf-8")
    return path


def test_a_well_formed_records_file_is_summarised(tmp_path: Path) -> None:
    code, output, exception = _run("measure", "summarize", _records(tmp_path, json.dumps(_INTERVAL)), "--json")
    assert exception is None and code == 0, output
    assert json.loads(output)["flop"] == _INTERVAL["flop"]


@pytest.mark.parametrize(
    ("field", "raw", "needle"),
    [
        ("flop", "1e400", "not a finite number"),
        ("seconds", "NaN", "not a finite number"),
        ("time_start_unix_s", "-Infinity", "not a finite number"),
        ("seconds", "-1", "seconds"),
        ("flop", "-100", "flop"),
        ("flop", "true", "flop"),
        ("flop", '"abc"', "flop"),
        ("steps", '"x"', "steps"),
        ("tokens", "-5", "tokens"),
        ("energy_j", "-5", "energy_j"),
        ("flop", "1e308", "flop"),
        ("rank", '"x"', "rank"),
    ],
)
def test_records_with_impossible_numbers_are_refused_not_summarised(
    tmp_path: Path, field: str, raw: str, needle: str
) -> None:
    marker = "__value__"
    text = json.dumps({**_INTERVAL, field: marker}).replace(json.dumps(marker), raw)
    flat = _assert_refused(("measure", "summarize", _records(tmp_path, text)), needle)
    assert "Traceback" not in flat
