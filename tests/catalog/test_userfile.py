"""User catalogue files: validated row by row, with clear errors; they add and override chips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.catalog import load_catalog
from computegov.catalog.epoch import chips_from_epoch_csv
from computegov.catalog.userfile import read_user_file, write_user_file
from computegov.cli import app
from computegov.errors import DataError

runner = CliRunner()
HEADER = "name,manufacturer,kind,release_date,peak_flop_per_s_bf16,memory_bytes,tdp_w,source\n"


def write(tmp_path: Path, body: str, name: str = "chips.csv") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_user_file_adds_a_chip_with_its_source(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Acme X1,Acme,asic,2025-03-01,2e15,1.44e11,900,Acme datasheet rev 2\n")
    cat = load_catalog([path], user_config=False)
    chip = cat.get("acme x1")
    assert chip.origin == "user"
    assert chip.peak("bf16") == 2e15
    assert chip.source_of("peak_flop_per_s.bf16") == "Acme datasheet rev 2"


def test_user_file_overrides_only_the_values_it_gives(tmp_path: Path) -> None:
    path = write(tmp_path, "name,tdp_w,source\nH100 SXM,650,our measurement\n")
    chip = load_catalog([path], user_config=False).get("H100 SXM")
    assert chip.tdp_w == 650
    assert chip.source_of("tdp_w") == "our measurement"
    assert chip.memory_bytes == 80e9


def test_config_dir_file_is_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "catalog.yaml").write_text("- name: Acme Y\n  peak_flop_per_s_bf16: 1e15\n  source: mine\n")
    monkeypatch.setenv("COMPUTEGOV_CONFIG_DIR", str(config))
    assert load_catalog().get("Acme Y").peak("bf16") == 1e15
    assert "Acme Y" not in load_catalog(user_config=False)


@pytest.mark.parametrize(
    ("body", "row", "field", "expected"),
    [
        ("tdp_w\n700\n", 1, "name", "missing column 'name'"),
        (HEADER + "Acme X1,Acme,asic,2025-03-01,n/a,1e11,900,s\n", 2, "peak_flop_per_s_bf16", "'n/a'"),
        (HEADER + "Acme X1,Acme,asic,2025-03-01,1e15,-5,900,s\n", 2, "memory_bytes", "positive"),
        (HEADER + "Acme X1,Acme,asic,2099-01-01,1e15,1e11,900,s\n", 2, "release_date", "future"),
        (HEADER + "Acme X1,Acme,asic,2025-13-45,1e15,1e11,900,s\n", 2, "release_date", "YYYY-MM-DD"),
        (HEADER + "A,Acme,asic,2025-01-01,1e15,1e11,900,s\nB,Acme,asic,2025-01-01,1e15,1e11,900,s\n"
         "a,Acme,asic,2025-01-01,1e15,1e11,900,s\n", 4, "name", "duplicate name"),
        (HEADER + "Acme X1,Acme,quantum,2025-01-01,1e15,1e11,900,s\n", 2, "kind", "unknown kind"),
        ("name,peak_tflops\nX,5\n", 2, "peak_tflops", "unknown column"),
        ("name,launch_price_usd\nX,5000\n", 2, "launch_price_year", "launch_price_year"),
    ],
)
def test_bad_rows_name_file_row_field_and_expectation(tmp_path: Path, body: str, row: int, field: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(DataError) as info:
        read_user_file(path)
    err = info.value
    assert (err.row, err.field) == (row, field)
    assert expected in str(err)
    assert "chips.csv" in str(err)


def test_validate_command_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "Acme X1,Acme,asic,2025-03-01,1e15,-5,900,s\n")
    result = runner.invoke(app, ["catalog", "validate", str(path)])
    assert result.exit_code == 2
    assert "row 2" in result.output and "memory_bytes" in result.output
    assert "Traceback" not in result.output


def test_validate_accepts_a_good_file_and_reports_anomalies(tmp_path: Path) -> None:
    path = write(tmp_path, "name,peak_flop_per_s_bf16,peak_flop_per_s_fp8,source\nAcme Z,1e15,5e14,s\n")
    result = runner.invoke(app, ["catalog", "validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "fp8-below-bf16" in result.output


def test_yaml_errors_name_the_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "- name: A\n  tdp_w: 100\n- name: B\n  tdp_w: hot\n", "c.yaml")
    with pytest.raises(DataError) as info:
        read_user_file(path)
    assert (info.value.row, info.value.field) == (2, "tdp_w")


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    chips = list(load_catalog(user_config=False).filter(manufacturer="google"))
    for suffix in (".csv", ".yaml"):
        path = write_user_file(chips, tmp_path / f"out{suffix}")
        rows = read_user_file(path)
        assert [r.name for r in rows] == [c.name for c in chips]
        from computegov.catalog.userfile import apply_row

        rebuilt = [apply_row(None, r) for r in rows]
        for a, b in zip(chips, rebuilt, strict=True):
            assert a.peak_flop_per_s == b.peak_flop_per_s
            assert a.release_date == b.release_date
            assert a.tdp_w == b.tdp_w
            assert a.launch_price_usd == b.launch_price_usd
            assert a.origin == b.origin
            assert a.datacenter == b.datacenter


def test_epoch_csv_missing_column_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "Hardware name,Manufacturer\nX,Y\n", "epoch.csv")
    with pytest.raises(DataError) as info:
        chips_from_epoch_csv(path)
    assert info.value.row == 1 and "missing column" in str(info.value)


def test_parse_date_limit_is_relative_to_today() -> None:
    from computegov.catalog.records import parse_date

    today = dt.date(2026, 1, 1)
    assert parse_date("2027-06-01", path="f", row=2, field="d", today=today) == dt.date(2027, 6, 1)
    with pytest.raises(DataError):
        parse_date("2028-06-01", path="f", row=2, field="d", today=today)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("- name: X\n  tdp_w: .nan\n", "tdp_w", "finite"),
        ("- name: X\n  tdp_w: .inf\n", "tdp_w", "finite"),
        ("- name: X\n  release_date: 2024-13-45\n", None, "not valid YAML"),
        ("- name: X\n  aliases: {a: 1}\n", "aliases", "list of names"),
        ("- name: [1, 2]\n", "name", "chip name"),
        ("- name: X\n  launch_price_usd: 1.0e+300\n  launch_price_year: 2020\n", "launch_price_usd", "at most"),
        ("- name: X\n  peak_flop_per_s_bf16: 1.0e+300\n", "peak_flop_per_s_bf16", "at most"),
        ("- name: X\n  memory_bytes: 99999999999999999999999999999999999\n", "memory_bytes", "at most"),
    ],
)
def test_hostile_yaml_values_are_refused_with_the_field_named(
    tmp_path: Path, body: str, field: str | None, message: str
) -> None:
    with pytest.raises(DataError, match=message) as caught:
        read_user_file(write(tmp_path, body, "chips.yaml"))
    assert caught.value.field == field


def test_the_sanity_bounds_admit_every_bundled_chip() -> None:
    from computegov.catalog.chip import FIELD_MAXIMA, NUMERIC_FIELDS

    catalog = load_catalog(user_config=False)
    for chip in catalog:
        for field in NUMERIC_FIELDS:
            value = getattr(chip, field)
            assert value is None or value <= FIELD_MAXIMA[field] / 10, (chip.name, field)
        assert all(v <= FIELD_MAXIMA["peak_flop_per_s"] / 10 for v in chip.peak_flop_per_s.values())
