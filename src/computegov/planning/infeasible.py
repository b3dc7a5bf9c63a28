"""Why no option meets the constraints: which one binds, and by how much."""

from __future__ import annotations

from computegov.errors import PlanInfeasibleError
from computegov.planning.option import Plan
from computegov.planning.request import PlanRequest

__all__ = ["explain_infeasible"]


def _money(value: float) -> str:
    for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"${value / scale:,.3g}{unit}"
    return f"${value:,.0f}"


def _describe(constraint: str, best: Plan, request: PlanRequest) -> tuple[str, float, float]:
    if constraint == "deadline":
        limit = float(request.deadline_days or 0)
        value = best.days
        over = value - limit
        text = (
            f"deadline binds: the fastest option that meets the other constraints "
            f"({best.chips:,} x {best.chip_name}) takes {value:,.1f} days, "
            f"{over:,.1f} days ({over / limit:.0%}) past the {limit:g}-day deadline"
        )
    elif constraint == "budget":
        limit = float(request.budget_usd or 0)
        value = best.cost_usd.central
        over = value - limit
        text = (
            f"budget binds: the cheapest option that meets the other constraints "
            f"({best.chips:,} x {best.chip_name}) costs {_money(value)} (USD {best.dollar_year}), "
            f"{_money(over)} ({over / limit:.0%}) over the {_money(limit)} budget"
        )
    elif constraint == "power_cap":
        limit = float(request.power_cap_mw or 0)
        value = best.peak_power_mw
        over = value - limit
        text = (
            f"power cap binds: the option that meets the other constraints with the least power "
            f"({best.chips:,} x {best.chip_name}) needs {value:,.2f} MW, "
            f"{over:,.2f} MW ({over / limit:.0%}) above the {limit:g} MW cap"
        )
    else:
        limit = float(request.max_chips or 0)
        value = float(best.chips)
        over = value - limit
        text = (
            f"chip limit binds: the option that meets the other constraints with the fewest chips "
            f"({best.chip_name}) needs {value:,.0f} chips, {over:,.0f} ({over / limit:.0%}) more "
            f"than the {limit:,.0f} allowed"
        )
    return text, value, limit


_METRIC_OF = {
    "deadline": lambda p: p.days,
    "budget": lambda p: p.cost_usd.central,
    "power_cap": lambda p: p.peak_power_mw,
    "max_chips": lambda p: float(p.chips),
}


def explain_infeasible(
    options: list[Plan], request: PlanRequest, skipped: dict[str, str]
) -> PlanInfeasibleError:
    """The error to raise when no option in ``options`` is feasible, naming the binding constraints.

    Each violated constraint is described by the best option that breaks only it (or, when none
    does, the best option of any kind), with its value and the limit in the constraint's unit.
    """
    fitting = [o for o in options if o.memory_fits is not False]
    if not fitting:
        reasons = "; ".join(f"{k}: {v}" for k, v in list(skipped.items())[:5])
        return PlanInfeasibleError(
            "no chip in the catalogue can run this: none has the data needed or the model fits in "
            f"none of them at any size ({reasons})",
            binding={},
        )
    active = sorted({v for o in fitting for v in o.violations if v != "memory"})
    lines = []
    binding: dict[str, tuple[float, float]] = {}
    for constraint in active:
        others = [o for o in fitting if set(o.violations) <= {constraint}]
        if not others:
            continue
        best = min(others, key=_METRIC_OF[constraint])
        text, value, limit = _describe(constraint, best, request)
        lines.append(text)
        binding[constraint] = (value, limit)
    if not lines:
        for constraint in active:
            best = min(fitting, key=_METRIC_OF[constraint])
            text, value, limit = _describe(constraint, best, request)
            lines.append(text.replace("that meets the other constraints ", "of any kind "))
            binding[constraint] = (value, limit)
        header = "no option meets the constraints together; each alone is short by"
    else:
        header = "no option meets the constraints"
    return PlanInfeasibleError(header + ":\n  " + "\n  ".join(lines), binding=binding)
