"""The emerging-hardware page's and API's numbers: the same calls, inputs and JSON as ``computegov emerging``.

Each ``*_payload`` function returns exactly what ``computegov emerging <command> --json`` prints
for the same inputs (the bundled register, the app's catalogue): the API returns it as is, the
page renders it. Inputs are checked here, before any library call, and a bad one raises
:class:`~computegov.web.forms.FieldErrors` naming the field (HTTP 422 on the API, a message
beside the field on the page). The forecasts behind ``compare`` and ``scenario`` take about a
second each, so results are cached per (catalogue content, inputs).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from computegov.emerging.register import EVIDENCE_KINDS, MATURITY_LEVELS, PARADIGMS
from computegov.errors import ComputegovError
from computegov.jsonsafe import json_safe
from computegov.web.forms import Field, FieldErrors, Form, parse_value

if TYPE_CHECKING:
    from computegov.emerging import Claim, Comparison, ParadigmForecast
    from computegov.trends import RecordForecast

__all__ = [
    "METRICS",
    "QUANTUM_FORM",
    "REGISTER_FORM",
    "SCENARIO_FORM",
    "compare_payload",
    "comparisons",
    "load_claims",
    "parse_degrees",
    "parse_pairs",
    "quantum_payload",
    "register_payload",
    "scenario",
    "scenario_payload",
    "watch_form",
    "watch_payload",
]

#: The trend metrics a scenario or the watch list reads (``emerging.compare.TREND_METRICS`` values).
METRICS: tuple[str, ...] = ("flop_per_j", "training_flop_per_s")
#: The CLI's bounds (cli/emerging.py), shared by the forms and the API's query parameters.
YEAR_LOW, YEAR_HIGH = 2027, 2100
MULTIPLIER_HIGH = 1e12
SEED_HIGH = 2**32 - 1

T = TypeVar("T")

REGISTER_FORM = Form("register", (
    Field("paradigm", "Paradigm", "choice", choices=("", *PARADIGMS)),
    Field("evidence", "Evidence kind", "choice", choices=("", *EVIDENCE_KINDS)),
    Field("maturity", "Maturity", "choice", choices=("", *MATURITY_LEVELS)),
))
SCENARIO_FORM = Form("scenario", (
    Field("paradigm", "Paradigm", "choice", required=True, choices=PARADIGMS),
    Field("probability", "Probability p", "float", required=True, low=0, high=1,
          help="P(the paradigm reaches production by the year), 0 to 1.", placeholder="0.3"),
    Field("year", "From year", "int", default=2030, low=YEAR_LOW, high=YEAR_HIGH,
          help="First year (1 January) the paradigm counts in."),
    Field("metric", "Metric", "choice", default="flop_per_j", choices=METRICS),
    Field("multiplier", "Multiplier M (low)", "float", low=0, high=MULTIPLIER_HIGH,
          help="> 0; empty: the register's ratios to the record.", placeholder="register"),
    Field("multiplier_high", "Multiplier M (high)", "float", low=0, high=MULTIPLIER_HIGH,
          help="M is log-uniform from low to high; empty: M = low."),
    Field("to", "Forecast to", "int", default=2045, low=YEAR_LOW, high=YEAR_HIGH),
    Field("seed", "Seed", "int", default=0, low=0, high=SEED_HIGH),
))
QUANTUM_FORM = Form("quantum", (
    Field("toffolis", "Toffolis per call G", "float", default=100.0, low=1, high=1e15),
    Field("degree", "Speed-up degrees d", "text", default="2,4", help="Whole numbers 2 to 8, comma-separated."),
    Field("parallel", "Classical parallel speed-up S", "float", default=1e3, low=1, high=1e12),
    Field("classical_call_s", "Classical time per call (s)", "float", low=0, high=1e6,
          help="> 0; empty: 330 ps per Toffoli (Babbush et al. 2021).", placeholder="G x 330 ps"),
    Field("distillation_speedup", "Distillation speed-up R", "float", default=1.0, low=1, high=1e6,
          help="Toffoli time 170 us / R."),
    Field("precision", "Chip precision", "text", default="int8"),
    Field("top", "Catalogue chips", "int", default=3, low=0, high=50),
))


def watch_form() -> Form:
    """The watch list's fields: the metric (which multiplier), then p and relevance per paradigm."""
    fields = [Field("metric", "Multiplier read on", "choice", default="flop_per_j", choices=METRICS)]
    # checkboxes: a ticked one sends "on", an unticked one nothing; "evidence_given" marks a submitted form
    fields += [Field(f"evidence_{kind}", kind.replace("_", " "), "choice", choices=("on",)) for kind in EVIDENCE_KINDS]
    fields.append(Field("evidence_given", "evidence kinds chosen", "choice", choices=("1",)))
    for paradigm in PARADIGMS:
        fields.append(Field(f"p_{paradigm}", f"p {paradigm}", "float", low=0, high=1))
        fields.append(Field(f"relevance_{paradigm}", f"relevance {paradigm}", "float", default=1.0, low=0,
                            high=1e6))
    return Form("watch", tuple(fields))


def _catalog_key(chips: Sequence[Any]) -> str:
    """A fingerprint of the catalogue's content (a user's override changes it)."""
    return hashlib.sha256(repr(tuple(chips)).encode()).hexdigest()


class _PerCatalog:
    """A small cache of results per (catalogue fingerprint, inputs)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.items: dict[tuple[Any, ...], Any] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                found: T = self.items[key]
                return found
        value = make()  # outside the lock: a slow forecast does not hold up other pages
        with self.lock:
            while len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[key] = value
        return value


_CACHE = _PerCatalog()


def _register() -> Any:
    from computegov.emerging import load_register

    return load_register()


def load_claims() -> tuple[Claim, ...]:
    """The bundled register's entries, in file order."""
    claims: tuple[Claim, ...] = _register().claims
    return claims


def _one_of(field: str, value: str | None, allowed: Sequence[str], what: str) -> None:
    if value is not None and value not in allowed:
        raise FieldErrors({field: f"unknown {what} {value!r}; choose one of {', '.join(allowed)}"})


def register_payload(paradigm: str | None = None, evidence: str | None = None,
                     maturity: str | None = None) -> dict[str, Any]:
    """``emerging register --json`` (``--paradigm``, ``--evidence``), plus a maturity filter.

    Raises:
        FieldErrors: an unknown paradigm, evidence kind or maturity level.
    """
    _one_of("paradigm", paradigm, PARADIGMS, "paradigm")
    _one_of("evidence", evidence, EVIDENCE_KINDS, "evidence kind")
    _one_of("maturity", maturity, MATURITY_LEVELS, "maturity level")
    reg = _register()
    claims = [c for c in reg.claims if paradigm in (None, c.paradigm) and evidence in (None, c.evidence)
              and maturity in (None, c.maturity)]
    out: dict[str, Any] = json_safe({"path": reg.path, "maturity_levels": dict(reg.maturity_levels),
                                     "entries": [c.to_dict() for c in claims]})
    return out


def comparisons(chips: Sequence[Any], seed: int = 0, *, history_only: bool = False
                ) -> tuple[list[Comparison], dict[str, RecordForecast | None]]:
    """Every register entry against the catalogue, and the record forecasts used (cached).

    The same as ``compare_claims(claims, chips, forecasts="auto", seed=seed)``; each entry is
    compared independently, so a filtered list is the filter of this one.
    """
    from computegov.emerging import compare_claims, trend_forecasts

    def make() -> tuple[list[Comparison], dict[str, RecordForecast | None]]:
        pool = list(chips)
        forecasts: dict[str, RecordForecast | None] = {} if history_only else trend_forecasts(pool, seed=seed)
        return compare_claims(_register().claims, pool, forecasts=forecasts), forecasts

    return _CACHE.get(("compare", _catalog_key(chips), seed, history_only), make)


def compare_payload(chips: Sequence[Any], *, paradigm: str | None = None, claim_id: str | None = None,
                    history_only: bool = False, seed: int = 0) -> dict[str, Any]:
    """``emerging compare --json`` (``--paradigm``, ``--id``, ``--history-only``, ``--seed``).

    Raises:
        FieldErrors: an unknown paradigm or entry id, or a seed out of range.
    """
    _one_of("paradigm", paradigm, PARADIGMS, "paradigm")
    _seed(seed)
    reg = _register()
    if claim_id is not None:
        ids = [c.id for c in reg.claims]
        _one_of("id", claim_id, ids, "register entry")
        wanted = {claim_id}  # as the CLI: --id replaces the paradigm filter
    else:
        wanted = {c.id for c in reg.claims if paradigm in (None, c.paradigm)}
    rows, _ = comparisons(chips, seed, history_only=history_only)
    out: dict[str, Any] = json_safe({"comparisons": [r.to_dict() for r in rows if r.claim_id in wanted]})
    return out


def _seed(seed: int) -> None:
    if not 0 <= seed <= SEED_HIGH:
        raise FieldErrors({"seed": f"must be a whole number from 0 to {SEED_HIGH}"})


def _finite(field: str, value: float | None, low: float, high: float, *, low_open: bool = False) -> None:
    parse_value(Field(field, field, "float", low=low, high=high, low_open=low_open), value)


def watch_payload(chips: Sequence[Any], probabilities: Mapping[str, float],
                  relevance: Mapping[str, float] | None = None, metric: str = "flop_per_j",
                  evidence: Sequence[str] = (), *, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``emerging watch --json`` (``--p PARADIGM=P``, ``--relevance PARADIGM=W``, ``--metric``, ``--evidence``).

    Args:
        chips: the catalogue.
        probabilities: paradigm -> P(reaches production), in [0, 1].
        relevance: paradigm -> weight >= 0 (default 1).
        metric: the trend metric the multipliers are read on.
        evidence: only entries of these evidence kinds set a multiplier (empty: all).
        fields: how the inputs are named where they came from: ``p`` and ``relevance`` (the API's
            repeated parameters) by default; the page passes ``p_{paradigm}``/``relevance_{paradigm}``.

    Raises:
        FieldErrors: an unknown paradigm or metric, a probability outside [0, 1], a negative weight.
    """
    from computegov.emerging.watch import watch_list

    names = {"p": "p", "relevance": "relevance", **(fields or {})}
    _one_of("metric", metric, METRICS, "metric")
    for kind in evidence:
        _one_of(names.get("evidence", "evidence"), kind, EVIDENCE_KINDS, "evidence kind")
    for what, weights, high in (("p", probabilities, 1.0), ("relevance", relevance or {}, math.inf)):
        for paradigm, value in weights.items():
            field = names[what].format(paradigm=paradigm)
            _one_of(field, paradigm, PARADIGMS, "paradigm")
            if not (math.isfinite(value) and 0 <= value <= high):
                bound = "from 0 to 1" if high == 1.0 else "a non-negative number"
                raise FieldErrors({field: f"{what} for {paradigm} must be {bound}, got {value!r}"})
    rows, _ = comparisons(chips, history_only=True)
    items = watch_list(rows, dict(probabilities), dict(relevance or {}), metric, evidence=list(evidence) or None)
    out: dict[str, Any] = json_safe({"metric": metric, "evidence": sorted(evidence) if evidence else None,
                                     "watch_list": [i.to_dict() for i in items]})
    return out


def parse_pairs(values: Sequence[str], field: str) -> dict[str, float]:
    """``["photonic=0.2", ...]`` -> ``{"photonic": 0.2}`` (the CLI's ``--p`` / ``--relevance`` form).

    Raises:
        FieldErrors: a value not of the form PARADIGM=NUMBER.
    """
    from computegov.emerging.watch import parse_weights

    try:
        return parse_weights(values, field)
    except ComputegovError as err:
        raise FieldErrors({field: str(err).removeprefix(f"{field}: ")}) from None


def quantum_payload(chips: Sequence[Any], *, toffolis: float = 100.0, degrees: Sequence[int] = (2, 4),
                    parallel: float = 1e3, classical_call_s: float | None = None,
                    distillation_speedup: float = 1.0, precision: str = "int8", top: int = 3) -> dict[str, Any]:
    """``emerging quantum --json``: Babbush et al. (2021) Tables I-II recomputed, your primitive, chips.

    Raises:
        FieldErrors: a value outside the CLI's range, a degree outside 2-8, an unknown precision.
    """
    from computegov.emerging import quantum_comparison
    from computegov.errors import UnknownNameError

    _finite("toffolis", toffolis, 1, 1e15)
    _finite("parallel", parallel, 1, 1e12)
    _finite("classical_call_s", classical_call_s, 0, 1e6, low_open=True)
    _finite("distillation_speedup", distillation_speedup, 1, 1e6)
    if not 0 <= top <= 50:
        raise FieldErrors({"top": f"must be a whole number from 0 to 50, got {top}"})
    if not degrees or any(not 2 <= d <= 8 for d in degrees):
        raise FieldErrors({"degree": f"expected whole numbers from 2 to 8; got {list(degrees)}"})
    try:
        result = quantum_comparison(chips, toffolis=toffolis, degrees=degrees, parallel=parallel,
                                    classical_call_s=classical_call_s, distillation_speedup=distillation_speedup,
                                    precision=precision, top=top)
    except UnknownNameError as err:
        raise FieldErrors({"precision": str(err)}) from None
    out: dict[str, Any] = json_safe(result.to_dict())
    return out


def parse_degrees(text: str) -> tuple[int, ...]:
    """``"2, 4"`` -> ``(2, 4)``.

    Raises:
        FieldErrors: not a comma-separated list of whole numbers.
    """
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise FieldErrors({"degree": f"expected whole numbers from 2 to 8, comma-separated; got {text!r}"}) from None
    return values


def scenario(chips: Sequence[Any], *, paradigm: str, probability: float, year: int = 2030,
             metric: str = "flop_per_j", multiplier: float | None = None, multiplier_high: float | None = None,
             to_year: int = 2045, seed: int = 0) -> ParadigmForecast:
    """``emerging scenario``: the calibrated record forecast mixed with the paradigm's jump (cached).

    Raises:
        FieldErrors: an unknown paradigm or metric, p outside [0, 1], M <= 0 or not a number,
            a high end without a low one or below it, years out of range, no register multiplier.
    """
    _one_of("paradigm", paradigm, PARADIGMS, "paradigm")
    _one_of("metric", metric, METRICS, "metric")
    _finite("probability", probability, 0, 1)
    _finite("multiplier", multiplier, 0, MULTIPLIER_HIGH, low_open=True)
    _finite("multiplier_high", multiplier_high, 0, MULTIPLIER_HIGH, low_open=True)
    for field, value in (("year", year), ("to", to_year)):
        if not YEAR_LOW <= value <= YEAR_HIGH:
            raise FieldErrors({field: f"must be a year from {YEAR_LOW} to {YEAR_HIGH}, got {value}"})
    _seed(seed)
    if multiplier is None and multiplier_high is not None:
        raise FieldErrors({"multiplier_high": "needs the low end (multiplier) too"})
    if multiplier is not None and multiplier_high is not None and multiplier_high < multiplier:
        raise FieldErrors({"multiplier_high": f"({multiplier_high:g}) is below the low end ({multiplier:g})"})
    key = ("scenario", _catalog_key(chips), paradigm, probability, year, metric, multiplier, multiplier_high,
           to_year, seed)
    return _CACHE.get(key, lambda: _scenario(list(chips), paradigm, probability, year, metric, multiplier,
                                             multiplier_high, to_year, seed))


def _scenario(chips: list[Any], paradigm: str, probability: float, year: int, metric: str,
              multiplier: float | None, multiplier_high: float | None, to_year: int, seed: int) -> ParadigmForecast:
    from computegov.emerging import ParadigmScenario, scenario_forecast, scenario_multiplier

    try:
        low, high, source = scenario_multiplier(_register().claims, chips, paradigm, metric, multiplier,
                                                multiplier_high)
    except ComputegovError as err:
        raise FieldErrors({"multiplier": str(err)}) from err
    try:
        return scenario_forecast(chips, ParadigmScenario(paradigm, metric, probability, year, low, high, source),
                                 to_year, seed)
    except ComputegovError as err:
        raise FieldErrors({"to": str(err)}) from err


def scenario_payload(chips: Sequence[Any], **inputs: Any) -> dict[str, Any]:
    """``emerging scenario --json`` for the same inputs as :func:`scenario`."""
    out: dict[str, Any] = json_safe(scenario(chips, **inputs).to_dict())
    return out
