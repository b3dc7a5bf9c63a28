"""The outlook page's and API's numbers: the same calls, inputs and JSON as ``computegov outlook``.

:func:`outlook_payload` returns exactly what ``computegov outlook --json`` prints for the same
preset, years, overrides, draws and seed (the app's catalogue); :func:`sensitivity_payload` what
``computegov outlook sensitivity --json`` prints. Inputs are checked here, before any library
call; a bad one raises :class:`~computegov.web.forms.FieldErrors` naming the field (HTTP 422
on the API, a message beside the field on the page). Deriving the toolkit preset runs the record
forecasts (a few seconds), so the derived preset is kept per (catalogue content, years).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from computegov.errors import ComputegovError
from computegov.outlook import (
    DEFAULT_YEARS,
    PRESET_NAMES,
    Outlook,
    Preset,
    Sensitivity,
    ToolkitSources,
    feasible_runs,
    load_preset,
    parse_assignment,
    sensitivity,
    toolkit_preset,
)
from computegov.web.forms import Field, FieldErrors, Form

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "DRAWS_HIGH",
    "OUTLOOK_FORM",
    "YEAR_HIGH",
    "YEAR_LOW",
    "input_field",
    "outlook_payload",
    "preset_for",
    "run_outlook",
    "run_sensitivity",
    "sensitivity_payload",
]

#: Years the page and the API accept (the toolkit forecasts from the data's end).
YEAR_LOW, YEAR_HIGH = 2026, 2060
#: Most draws a web request may ask for (the CLI allows more).
DRAWS_HIGH = 200_000
SEED_HIGH = 2**32 - 1
#: Derived toolkit presets kept (per catalogue content and years).
_KEEP = 8

OUTLOOK_FORM = Form("outlook", (
    Field("preset", "Preset", "choice", default="toolkit", choices=PRESET_NAMES,
          help="toolkit: computegov's calibrated inputs; epoch2024: Sevilla et al. 2024's."),
    Field("from", "From year", "int", default=DEFAULT_YEARS[0], low=YEAR_LOW, high=YEAR_HIGH,
          placeholder=str(DEFAULT_YEARS[0])),
    Field("to", "To year", "int", default=DEFAULT_YEARS[-1], low=YEAR_LOW, high=YEAR_HIGH,
          placeholder=str(DEFAULT_YEARS[-1])),
    Field("draws", "Monte Carlo draws", "int", default=20_000, low=100, high=DRAWS_HIGH, placeholder="20000"),
    Field("seed", "Seed", "int", default=0, low=0, high=SEED_HIGH, placeholder="0"),
))

_cache: OrderedDict[tuple[str, tuple[int, ...]], Preset] = OrderedDict()
_lock = threading.Lock()


def input_field(name: str) -> str:
    """The form / query key of an input override: ``in_<name>``."""
    return f"in_{name}"


def _catalogue_key(chips: Sequence[Chip]) -> str:
    digest = hashlib.sha256()
    for c in chips:
        digest.update(repr((c.name, c.release_date, c.tdp_w, c.launch_price_usd,
                            sorted(c.peak_flop_per_s.items()))).encode())
    return digest.hexdigest()


def preset_for(chips: Sequence[Chip], name: str, years: Sequence[int]) -> Preset:
    """The named preset's base inputs for ``years`` (toolkit: derived from ``chips``, kept)."""
    if name != "toolkit":
        return load_preset(name)
    key = (_catalogue_key(chips), tuple(years))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    preset = toolkit_preset(years, sources=ToolkitSources(chips=tuple(chips)))
    with _lock:
        _cache[key] = preset
        while len(_cache) > _KEEP:
            _cache.popitem(last=False)
    return preset


def _years(first: int, last: int) -> list[int]:
    errors = {}
    for key, year in (("from", first), ("to", last)):
        if not YEAR_LOW <= year <= YEAR_HIGH:
            errors[key] = f"expected a year from {YEAR_LOW} to {YEAR_HIGH}"
    if not errors and last < first:
        errors["to"] = "expected a year at or after 'from'"
    if errors:
        raise FieldErrors(errors)
    return list(range(first, last + 1))


def _checked(chips: Sequence[Chip], preset: str, years: Sequence[int], sets: Mapping[str, str]) -> Preset:
    """The preset with the overrides, each bad one named by its field."""
    if preset not in PRESET_NAMES:
        raise FieldErrors({"preset": f"expected one of {', '.join(PRESET_NAMES)}"})
    base = preset_for(chips, preset, years)
    current = base.input_map()
    errors = {}
    for name, text in sets.items():
        if not str(text).strip():
            continue
        if name not in current:
            errors[input_field(name)] = f"unknown input {name!r}"
            continue
        try:
            base = base.with_inputs([parse_assignment(f"{name}={text}", base.input_map())])
        except ComputegovError as err:
            errors[input_field(name)] = str(err).split(": ", 1)[-1]
    if errors:
        raise FieldErrors(errors)
    return base


def run_outlook(chips: Sequence[Chip], *, preset: str = "toolkit", first: int = DEFAULT_YEARS[0],
                last: int = DEFAULT_YEARS[-1], sets: Mapping[str, str] | None = None, draws: int = 20_000,
                seed: int = 0) -> Outlook:
    """The outlook as ``computegov outlook --preset P --from A --to B --set ... --draws N --seed S`` computes it.

    Raises:
        FieldErrors: a bad year, preset, override, draw count or seed (by field).
    """
    import numpy as np

    years = _years(first, last)
    if not 100 <= draws <= DRAWS_HIGH:
        raise FieldErrors({"draws": f"expected 100 to {DRAWS_HIGH:,}"})
    if not 0 <= seed <= SEED_HIGH:
        raise FieldErrors({"seed": f"expected 0 to {SEED_HIGH}"})
    p = _checked(chips, preset, years, sets or {})
    return feasible_runs(p, years, rng=np.random.default_rng(seed), n_draws=draws)


def outlook_payload(chips: Sequence[Chip], **kwargs: Any) -> dict[str, Any]:
    """What ``computegov outlook --json`` prints for the same inputs (with the seed)."""
    out = run_outlook(chips, **kwargs)
    return {**out.to_dict(), "rows": out.rows(), "seed": kwargs.get("seed", 0)}


def run_sensitivity(chips: Sequence[Chip], *, preset: str = "toolkit", year: int = 2030,
                    sets: Mapping[str, str] | None = None, draws: int = 3_000, seed: int = 0) -> Sensitivity:
    """The tornado as ``computegov outlook sensitivity`` computes it.

    Raises:
        FieldErrors: a bad year, preset, override or draw count.
    """
    import numpy as np

    if not YEAR_LOW <= year <= YEAR_HIGH:
        raise FieldErrors({"year": f"expected a year from {YEAR_LOW} to {YEAR_HIGH}"})
    if not 100 <= draws <= 50_000:
        raise FieldErrors({"draws": "expected 100 to 50,000 draws per rerun"})
    p = _checked(chips, preset, [year], sets or {})
    return sensitivity(p, year, rng=np.random.default_rng(seed), n_draws=draws)


def sensitivity_payload(chips: Sequence[Chip], **kwargs: Any) -> dict[str, Any]:
    """What ``computegov outlook sensitivity --json`` prints for the same inputs."""
    s = run_sensitivity(chips, **kwargs)
    return {**s.to_dict(), "preset": kwargs.get("preset", "toolkit"), "seed": kwargs.get("seed", 0)}

