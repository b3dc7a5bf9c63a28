"""Chips without a published price or TDP are planned at a rental quote or an estimate, marked."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from typer.testing import CliRunner

from computegov.catalog import Chip, load_catalog
from computegov.cli import app
from computegov.costs import CostModel
from computegov.planning import PlanRequest, evaluate, plan
from computegov.planning.gaps import fill_gaps, peer_ratio

runner = CliRunner()
REQUEST = PlanRequest(failures=False, flop=1e24, utilisation=0.4, deadline_days=200)


@pytest.fixture(scope="module")
def catalog() -> list[Chip]:
    return list(load_catalog(user_config=False))


def _peer(name: str, peak: float, price: float, tdp: float, year: int) -> Chip:
    return Chip(name=name, kind="gpu", datacenter=True, release_date=dt.date(year, 6, 1),
                peak_flop_per_s={"bf16": peak}, launch_price_usd=price, launch_price_year=year, tdp_w=tdp)


PEERS = [_peer("A", 1e15, 20_000, 700, 2024), _peer("B", 2e15, 30_000, 1000, 2024),
         _peer("C", 1e15, 40_000, 500, 2025), _peer("Old", 1e13, 10_000, 300, 2012)]


def test_a_chip_without_a_price_or_quote_gets_an_estimated_price_from_its_peers() -> None:
    new = Chip(name="New", kind="asic", datacenter=True, release_date=dt.date(2025, 1, 1),
               peak_flop_per_s={"bf16": 1e15})
    filled = fill_gaps(new, CostModel(), PEERS)
    ratios = [1e15 / 20_000, 2e15 / 30_000, 1e15 / 40_000]
    found = peer_ratio(new, PEERS, lambda c: c.launch_price_usd)
    assert found is not None
    median, names = found[1], found[3]
    assert names == ["A", "B", "C"]  # the 2012 chip is not a peer of a 2025 chip
    assert median == sorted(ratios)[1]
    assert filled.chip.launch_price_usd == pytest.approx(1e15 / median)
    assert (filled.chip.source_of("launch_price_usd") or "").startswith("estimate:")
    assert "launch_price_usd: estimated" in filled.estimated and "tdp_w: estimated" in filled.estimated
    assert 1e15 / (1e15 / 500) <= (filled.chip.tdp_w or 0) <= 1e15 / (2e15 / 1000)


def test_the_users_price_and_tdp_win_over_any_estimate() -> None:
    new = Chip(name="New", kind="asic", datacenter=True, release_date=dt.date(2025, 1, 1),
               peak_flop_per_s={"bf16": 1e15})
    filled = fill_gaps(new, CostModel().replace(chip_price_usd=12_345.0, tdp_w=321.0), PEERS)
    assert filled.estimated == () and filled.chip is new


@pytest.mark.parametrize("name", ["H200", "TPU v5p"])
def test_current_chips_without_a_launch_price_are_planned_at_their_rental_quote(
    name: str, catalog: list[Chip]
) -> None:
    chip = load_catalog(user_config=False).get(name)
    assert chip.launch_price_usd is None
    _, option = evaluate(REQUEST, chip, 1024, reference=catalog)
    assert "launch_price_usd: rental quote" in option.estimated_inputs
    assert option.mode == "rent" and option.cost_usd.central > 0
    assert any("rental quote" in n for n in option.notes)


def test_tpu_v5p_has_no_published_tdp_and_gets_a_marked_estimate(catalog: list[Chip]) -> None:
    chip = load_catalog(user_config=False).get("TPU v5p")
    _, option = evaluate(REQUEST, chip, 1024, reference=catalog)
    assert "tdp_w: estimated" in option.estimated_inputs
    assert option.energy_j.central > 0


def test_the_recommendation_has_utilisation_evidence_and_a_known_price(catalog: list[Chip]) -> None:
    result = plan(dataclasses.replace(REQUEST, utilisation=None), catalog)
    assert result.recommended is not None
    assert result.recommended.utilisation_evidence
    assert not any(e.endswith("estimated") for e in result.recommended.estimated_inputs)
    first = result.options[0]
    if first is not result.recommended:
        assert any("not the recommendation" in n and first.chip_name in n for n in result.notes)
    # the chips newly plannable are in, the ones still lacking data are named with the reason
    planned = {o.chip_name for o in result.options}
    assert {"NVIDIA H200 SXM", "Google TPU v5p"} <= planned
    assert "BF16" in result.skipped["NVIDIA Rubin"]


@pytest.mark.parametrize("name", ["H200", "TPU v5p"])
def test_plan_cli_plans_current_chips(name: str) -> None:
    result = runner.invoke(app, ["plan", "--flop", "1e24", "--chip", name, "--deadline-days", "200"])
    assert result.exit_code == 0, result.output
    assert "rental quote" in result.output
