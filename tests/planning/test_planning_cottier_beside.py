"""`plan` puts the Cottier et al. (2024) amortised cost beside each bought option's own cost."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from computegov.cli import app


def test_plan_json_has_the_cottier_cost_of_each_option_at_its_chip_hours() -> None:
    from computegov.catalog import load_catalog
    from computegov.costs import CostModel
    from computegov.costs.cottier import cottier_chip_hour
    from computegov.costs.money import usd

    out = CliRunner().invoke(app, ["plan", "--flop", "3e25", "--deadline-days", "90", "--top", "3", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["cottier2024"], "bought options get the paper's cost beside ours"
    first = data["options"][0]
    beside = data["cottier2024"][first["chip"]]
    model = CostModel()
    chip = load_catalog(user_config=False).get(first["chip"])
    price_2023 = usd(model.chip_hour_cost(chip).price_usd, model.dollar_year, 2023)
    by_hand = cottier_chip_hour(chip.name, price_2023, model.chip_tdp_w(chip), 2023).total_usd
    per_hour = usd(by_hand, 2023, model.dollar_year)
    assert beside["total_usd_per_chip_hour"] == pytest.approx(per_hour, rel=1e-12)
    assert beside["total_usd"] == pytest.approx(per_hour * first["chip_hours"]["central"], rel=1e-9)
    assert beside["dollar_year"] == first["dollar_year"]


def test_rented_plans_have_no_cottier_cost() -> None:
    out = CliRunner().invoke(app, ["plan", "--flop", "3e25", "--rent", "--top", "2", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["cottier2024"] == {}
