"""``computegov policy``: classify, history, rules, whatif, chart; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["policy", *args])
    return result.exit_code, result.stdout, result.stderr


def test_classify_h100_json() -> None:
    code, out, _ = _run("classify", "H100", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["eccn"] == "3A090.a" and data["rule"] == "2026-01"
    assert data["facts"]["tpp"] == pytest.approx(15832, rel=1e-3)


def test_classify_table_names_clauses_and_margin() -> None:
    code, out, _ = _run("classify", "H20", "--rule", "2023-10")
    assert code == 0
    assert "3A090.b.1" in out and "not controlled" in out and "nearest boundary" in out


def test_unknown_rule_exits_2_and_lists_versions() -> None:
    code, _, err = _run("classify", "H100", "--rule", "1999-01")
    assert code == 2
    assert "2022-10" in err and "2024-12" in err


def test_negative_die_area_exits_2() -> None:
    code, _, err = _run("classify", "H100", "--die-area", "-600")
    assert code == 2 and "--die-area" in err and "-600" in err


@pytest.fixture
def gamer_catalog(tmp_path: Path) -> Path:
    """A user catalogue file with a consumer GPU whose I/O bandwidth is unknown (TPP 5,284.8)."""
    path = tmp_path / "chips.yaml"
    path.write_text(
        "chips:\n"
        "  - name: Test Gamer GPU\n"
        "    kind: gpu\n"
        "    peak_flop_per_s_fp8: 660.6e12\n"
        "    die_area_mm2: 608.5\n"
        "    datacenter: false\n"
        "    source: test fixture\n",
        encoding="utf-8",
    )
    return path


def test_missing_fact_exits_2_and_offers_the_option(gamer_catalog: Path) -> None:
    args = ("classify", "Test Gamer GPU", "--rule", "2022-10", "--catalog", str(gamer_catalog))
    code, _, err = _run(*args)
    assert code == 2
    assert "--io-bandwidth" in err
    code, out, _ = _run(*args, "--io-bandwidth", "64", "--json")
    assert code == 0 and json.loads(out)["status"] == "not_controlled"
    code, out, _ = _run("classify", "Test Gamer GPU", "--catalog", str(gamer_catalog), "--json")
    assert code == 0 and json.loads(out)["license_exceptions"] == ["NAC"]


def test_classify_all_json_covers_the_catalogue() -> None:
    code, out, _ = _run("classify", "--all", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["count"] == len(data["classifications"]) > 50


def test_classify_without_chip_or_all_exits_2() -> None:
    assert _run("classify")[0] == 2


def test_history_json_has_every_version() -> None:
    code, out, _ = _run("history", "A800", "--json")
    assert code == 0
    rules = [c["rule"] for c in json.loads(out)["classifications"]]
    assert rules == ["2022-10", "2023-10", "2024-12", "2025-01", "2025-05", "2026-01"]


def test_rules_table_and_json() -> None:
    code, out, _ = _run("rules")
    assert code == 0 and "88 FR 73458" in out
    code, out, _ = _run("rules", "--json")
    assert {r["id"] for r in json.loads(out)["rules"]} == {
        "2022-10",
        "2023-10",
        "2024-12",
        "2025-01",
        "2025-05",
        "2026-01",
    }


def test_whatif() -> None:
    code, out, _ = _run("whatif", "--tpp", "4000", "--die-area", "600", "--json")
    assert code == 0
    data = json.loads(out)
    assert [c["outcome"] for c in data["classifications"]][1] == "3A090.a"
    code, out, _ = _run("whatif", "--tpp", "4000", "--die-area", "600")
    assert code == 0 and "3,552" in out


def test_whatif_zero_die_area_exits_2() -> None:
    assert _run("whatif", "--tpp", "4000", "--die-area", "0")[0] == 2


def test_chart_svg(tmp_path: Path) -> None:
    out = tmp_path / "policy.svg"
    code, _, _ = _run("chart", "-o", str(out))
    assert code == 0 and out.read_text().startswith("<svg")


def test_chart_bad_extension_exits_2(tmp_path: Path) -> None:
    assert _run("chart", "-o", str(tmp_path / "policy.gif"))[0] == 2


def test_whatif_hbm_stack() -> None:
    code, out, _ = _run("whatif", "--hbm-density", "3.3", "--json")
    assert code == 0
    outcomes = [c["outcome"] for c in json.loads(out)["classifications"]]
    assert outcomes == ["not controlled", "not controlled", *["3A090.c"] * 4]


def test_whatif_needs_tpp_or_hbm_density() -> None:
    assert _run("whatif")[0] == 2


def test_whatif_die_area_alone_gives_the_tpp_limits() -> None:
    code, out, _ = _run("whatif", "--die-area", "600", "--json")
    assert code == 0
    limits = {
        (lim["rule"], lim["paragraph"]): lim["max_tpp_outside"] for lim in json.loads(out)["limits"]
    }
    assert limits[("2024-12", "3A090.a")] == pytest.approx(3552)
    assert limits[("2024-12", "3A090.b")] == pytest.approx(1920)
    assert limits[("2022-10", "3A090.a")] == 4800


def test_unknown_chip_exits_2() -> None:
    code, _, err = _run("classify", "Zzz9999 Accelerator")
    assert code == 2 and "Zzz9999" in err


def test_whatif_json_writes_unreachable_limits_as_null() -> None:
    code, out, _ = _run("whatif", "--die-area", "600", "--io-bandwidth", "400", "--json")
    assert code == 0
    first = json.loads(out)["limits"][0]
    assert first["rule"] == "2022-10" and first["max_tpp_outside"] is None


@pytest.fixture
def no_area_catalog(tmp_path: Path) -> Path:
    """A datacenter chip with TPP 3,200 and no die area: 3A090.a, .b or nothing depending on it."""
    path = tmp_path / "chips.yaml"
    path.write_text(
        "chips:\n"
        "  - name: Test Arealess Accelerator\n"
        "    kind: asic\n"
        "    peak_flop_per_s_bf16: 200e12\n"
        "    datacenter: true\n"
        "    source: test fixture\n",
        encoding="utf-8",
    )
    return path


def test_classify_all_json_is_sorted_summarised_and_names_missing_facts(
    no_area_catalog: Path,
) -> None:
    code, out, _ = _run("classify", "--all", "--json", "--catalog", str(no_area_catalog))
    assert code == 0
    data = json.loads(out)
    results = data["classifications"]
    tpps = [r["facts"]["tpp"] for r in results]
    known = [t for t in tpps if t is not None]
    assert known == sorted(known, reverse=True)
    assert tpps[: len(known)] == known  # chips without a TPP come last
    by_status = data["summary"]["by_status"]
    assert sum(by_status.values()) == data["count"] == len(results)
    assert by_status["indeterminate"] == sum(r["status"] == "indeterminate" for r in results)
    assert all(r["missing"] for r in results if r["status"] == "indeterminate")
    mine = next(r for r in results if r["chip"] == "Test Arealess Accelerator")
    assert mine["status"] == "indeterminate"
    assert [m["option"] for m in mine["missing"]] == ["--die-area"]
    assert mine["reason"] == "needs applicable die area, mm^2 (--die-area)"


def test_classify_all_table_ends_with_the_summary(no_area_catalog: Path) -> None:
    code, out, _ = _run("classify", "--all", "--catalog", str(no_area_catalog))
    assert code == 0
    assert "chips under 2026-01:" in out and "--die-area" in out


@pytest.mark.parametrize(
    "args", [("H100", "--all"), ("--all", "--die-area", "600"), ("--all", "--not-datacenter")]
)
def test_classify_all_refuses_a_chip_or_per_chip_facts(args: tuple[str, ...]) -> None:
    code, _, err = _run("classify", *args)
    assert code == 2 and "--all" in err


def test_history_json_gives_the_reason_for_each_version() -> None:
    code, out, _ = _run("history", "A800", "--json")
    assert code == 0
    reasons = [c["reason"] for c in json.loads(out)["classifications"]]
    assert reasons[0].startswith("fails I/O GB/s 400..")
    assert reasons[1].startswith("meets 3A090.a.1")


def test_negative_hbm_density_is_refused_in_the_users_unit() -> None:
    code, _, err = _run("whatif", "--hbm-density", "-1")
    assert code == 2 and "GB/s per mm^2" in err and "'-1'" in err
