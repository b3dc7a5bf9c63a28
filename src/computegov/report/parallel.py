"""Sections that do not share work build side by side, in forked worker processes.

Sections that share computations through :attr:`ReportContext.cache` (the trend fits, the
backtests, the calibrated record forecasts) name the same group in a module constant ``SHARES``
and build one after another in one worker; every other section is a group of its own. A pool of
``jobs`` workers takes the groups as they come free, the largest first, and one worker also
builds the vl-convert JavaScript bundle. Every result is deterministic (seeded draws; the shared
cache only saves time), so a section is the same whichever process builds it: the HTML equals
the one-process build's.

Workers are forked from the builder (the catalogue, imported modules and loaded tables come
with them, nothing is pickled but the results); where ``fork`` is not available, or the pool
breaks, the remaining groups build in the calling process. This lowers the wall-clock time, not
the CPU time (each worker imports the libraries it uses that the builder has not), so a library
caller asks for it (``COMPUTEGOV_REPORT_JOBS``, or ``build_report(jobs=...)``); the ``computegov
report`` command picks the count itself (:func:`auto_jobs`: two workers on a quiet 2-core machine,
one where the cores are already busy) unless ``--jobs`` or the variable says otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from computegov.report.section import ReportContext, Section

__all__ = ["JOBS_ENV", "MAX_AUTO_JOBS", "GroupBuilder", "GroupResult", "auto_jobs", "default_jobs", "run_groups"]

#: Environment variable setting the number of worker processes (1: build in this process).
JOBS_ENV = "COMPUTEGOV_REPORT_JOBS"


@dataclass(frozen=True)
class GroupResult:
    """What one worker sends back for one group.

    Attributes:
        sections: (section name, its section) in build order.
    """

    sections: tuple[tuple[str, Section], ...]


def default_jobs() -> int:
    """Worker processes: ``$COMPUTEGOV_REPORT_JOBS`` if set (at least 1), else 1.

    One process is the default: workers cost CPU (each imports and loads what it needs), and on
    the shared 2-core machine the benchmark runs on they did not shorten the build (other jobs
    already kept both cores busy). With idle cores, ``COMPUTEGOV_REPORT_JOBS=2`` builds the
    sections that share nothing side by side.
    """
    env = os.environ.get(JOBS_ENV, "").strip()
    if not env:
        return 1
    try:
        return max(1, int(env))
    except ValueError:
        return 1


#: Most workers :func:`auto_jobs` picks (the report has about ten groups, one of them holding the
#: trend sections, a third of the CPU: past a few workers the longest group sets the time).
MAX_AUTO_JOBS = 4


def auto_jobs(cpus: int, load_1min: float) -> int:
    """Workers for a machine with ``cpus`` usable CPUs and this 1-minute load average.

    The CPUs left idle, rounded to the nearest whole one, at least 1 and at most
    :data:`MAX_AUTO_JOBS`: on a quiet 2-core machine 2 (the cold build's wall-clock time roughly
    halves for ~5 % more CPU, ``benchmarks/report_build.py``), on a busy one 1 (workers would
    only compete with what already runs).
    """
    if cpus < 2 or not load_1min >= 0:  # also NaN
        return 1
    return max(1, min(MAX_AUTO_JOBS, int(cpus - load_1min + 0.5)))


def machine_auto_jobs() -> int:
    """:func:`auto_jobs` for this process's usable CPUs and the current load average."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return 1
    return auto_jobs(cpus, load)


#: The state a forked worker reads (set by :func:`run_groups` just before the pool starts).
_STATE: dict[str, Any] = {}


#: Builds one group's sections in order: ``(group, ctx) -> [(name, section), ...]``.
GroupBuilder = Callable[[Sequence[Any], ReportContext], list[tuple[str, Section]]]


def _run_group(index: int) -> GroupResult:
    """Build group ``index`` in a worker (the builder's ``build_group`` on its ``groups``)."""
    build_group: GroupBuilder = _STATE["build_group"]
    ctx: ReportContext = _STATE["ctx"]
    quiet = ReportContext(catalog=ctx.catalog, seed=ctx.seed, cache=ctx.cache)  # no progress from a child
    return GroupResult(tuple(build_group(_STATE["groups"][index], quiet)))


def _run_javascript() -> str:
    javascript: Callable[[], str] = _STATE["javascript"]
    return javascript()


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def run_groups(
    groups: Sequence[Sequence[Any]],
    ctx: ReportContext,
    *,
    build_group: GroupBuilder,
    javascript: Callable[[], str] | None,
    jobs: int,
    on_group: Callable[[GroupResult], None],
    preload: Sequence[str] = (),
) -> str | None:
    """Build ``groups`` on ``jobs`` forked workers (and ``javascript``, if given); returns the bundle.

    ``on_group`` is called in this process as each group's result arrives. Groups that cannot be
    built in a worker (no ``fork``, a broken pool) are built here with ``build_group``. The
    modules named in ``preload`` are imported here first, once, rather than in every worker.
    """
    order = sorted(range(len(groups)), key=lambda i: -len(groups[i]))
    pending = list(order)
    bundle: str | None = None
    if jobs > 1 and len(groups) + (javascript is not None) > 1 and _can_fork():
        import multiprocessing  # here, not at the top: a build with nothing to do needs none of it
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        for name in preload:
            with contextlib.suppress(ImportError):
                __import__(name)
        _STATE.update(groups=groups, ctx=ctx, build_group=build_group, javascript=javascript)
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = {pool.submit(_run_group, i): i for i in order[:1]}
                js = pool.submit(_run_javascript) if javascript is not None else None
                futures.update({pool.submit(_run_group, i): i for i in order[1:]})
                for future in as_completed(futures):
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception:  # a result that did not come back: built here below
                        continue
                    on_group(result)
                    pending.remove(futures[future])
                if js is not None:
                    try:
                        bundle = js.result()
                    except Exception:  # built by the caller instead
                        bundle = None
        except (BrokenProcessPool, OSError):
            pass  # build what is left in this process
        finally:
            _STATE.clear()
    for index in pending:
        on_group(GroupResult(tuple(build_group(groups[index], ctx))))
    return bundle
