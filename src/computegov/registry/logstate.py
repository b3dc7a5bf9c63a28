"""The registry's state re-derived from its log entries alone (pure; the monitor's model of the registry).

:class:`LogState` folds entries in log order: organisations and their kinds (``org.create``,
``org.kind`` events), signing keys with their organisation and whether they are live (``key.add``,
``key.reinstate``, ``key.revoke``), reports (``report`` leaves) with their latest verdict
(``verdict`` leaves), withdrawals (``report.withdraw`` / ``report.reinstate``), verifiers'
counter-verdicts (``counter`` leaves; a verifier's latest one is live) and claims (``claim``).
While folding it also checks the registry kept its own rules *as the log tells them*: a report
is signed by a live key of its organisation, only verifiers post counter-verdicts or claim
reports. A break is a *violation*: evidence that the served state and the log disagree, or that
the operator let through what its rules refuse.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

__all__ = ["LogState", "LoggedReport", "parse_entry"]

_SCAN_ONCE = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # json.loads's own C scanner


def parse_entry(raw: bytes) -> Any:
    """``json.loads(raw)``, the same answer or error, without its per-call overhead on an entry.

    An entry that starts ``{"`` is UTF-8 by the rule :func:`json.loads` applies to bytes (no BOM,
    no NUL among the first bytes), so it is decoded as ``json.loads`` decodes it (UTF-8 with
    ``surrogatepass``) and handed to the stdlib's scanner directly; anything else goes to
    :func:`json.loads` itself. Trailing data other than JSON whitespace is refused as there.

    Raises:
        ValueError: not JSON (as :func:`json.loads` raises ``JSONDecodeError`` or ``UnicodeDecodeError``).
    """
    if raw[:2] != b'{"':
        return json.loads(raw)
    text = raw.decode("utf-8", "surrogatepass")
    try:
        obj, end = _SCAN_ONCE(text, 0)
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", text, err.value) from None
    if end != len(text) and text[end:].lstrip(" \t\n\r"):  # only JSON whitespace may follow
        raise json.JSONDecodeError("Extra data", text, end)
    return obj


@dataclasses.dataclass
class LoggedReport:
    """What the log says about one report (mutable while folding)."""

    digest: str
    leaf: int
    organisation: str
    signer_keyid: str | None
    title: str
    total_flop: float | None
    envelope_sha256: str
    ledger_sha256: str | None
    verdict_leaf: int | None = None
    outcome: str | None = None
    partial: bool = False
    verifier: str | None = None
    verdict_sha256: str | None = None
    withdrawn: bool = False
    #: organisation -> leaf index of its live (latest) counter-verdict entry.
    counters: dict[str, int] = dataclasses.field(default_factory=dict)
    #: every counter leaf on this report, by leaf index -> entry.
    counter_entries: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: organisation -> leaf index of its claim.
    claims: dict[str, int] = dataclasses.field(default_factory=dict)


class LogState:
    """Folds registry log entries (see the module docstring); ``violations`` lists rule breaks found."""

    def __init__(self, *, max_violations: int = 50, keep_events: bool = False) -> None:
        self.orgs: dict[str, str] = {}
        self.keys: dict[str, tuple[str, bool]] = {}
        self.reports: dict[str, LoggedReport] = {}
        self.violations: list[str] = []
        self.entries = 0
        #: every ``event`` entry, when ``keep_events`` (to compare with the served audit trail).
        self.events: list[dict[str, Any]] = []
        self._keep_events = keep_events
        self._max = max_violations
        #: True while reading the entries migration 0003 wrote for what was stored before the log
        #: (keys revoked before 0003 are logged before the reports they signed).
        self._legacy = True
        self._handlers = {"event": self._event, "report": self._report, "verdict": self._verdict,
                          "counter": self._counter, "claim": self._claim}

    def _violation(self, message: str) -> None:
        if len(self.violations) < self._max:
            self.violations.append(message)

    def add(self, index: int, raw: bytes) -> None:
        """Fold entry ``index`` (its exact bytes)."""
        self.entries += 1
        try:
            entry = parse_entry(raw)
        except ValueError:
            self._violation(f"entry {index} is not JSON")
            return
        if not isinstance(entry, dict):
            self._violation(f"entry {index} is not a JSON object")
            return
        kind = entry.get("kind")
        handler = self._handlers.get(kind if type(kind) is str else str(kind))
        if handler is None:
            self._violation(f"entry {index} has unknown kind {kind!r}")
            return
        handler(index, entry)

    def _org(self, name: str) -> None:
        self.orgs.setdefault(name, "lab")

    def _event(self, index: int, e: dict[str, Any]) -> None:
        action, obj, detail = str(e.get("action", "")), str(e.get("object_id", "")), e.get("detail") or {}
        if not str(e.get("actor", "")).startswith("migration"):
            self._legacy = False
        if self._keep_events:
            self.events.append(e)
        org = str(detail.get("organisation", "")) if isinstance(detail, dict) else ""
        if action == "org.create":
            self._org(obj)
        elif action == "org.kind" and isinstance(detail, dict):
            self._org(obj)
            self.orgs[obj] = str(detail.get("kind", "lab"))
        elif action in ("key.add", "key.reinstate"):
            held = self.keys.get(obj)
            if held is not None and held[0] != org:
                self._violation(f"entry {index}: key {obj[:16]}... registered to {org} but the log gave it to "
                                f"{held[0]} first (a key belongs to one organisation)")
                return
            self._org(org)
            self.keys[obj] = (org, True)
        elif action == "key.revoke":
            held = self.keys.get(obj)
            if held is not None:
                self.keys[obj] = (held[0], False)
        elif action in ("report.withdraw", "report.reinstate") and obj in self.reports:
            self.reports[obj].withdrawn = action == "report.withdraw"
        elif action == "report.reclaim" and obj in self.reports:
            self.reports[obj].withdrawn = False

    def _report(self, index: int, e: dict[str, Any]) -> None:
        digest, org, signer = str(e.get("digest_sha256", "")), str(e.get("organisation", "")), e.get("signer_keyid")
        if signer is not None:
            held = self.keys.get(str(signer))
            if held is None or held[0] != org or not (held[1] or self._legacy):
                why = ("not registered" if held is None else f"registered to {held[0]}" if held[0] != org
                       else "revoked")
                self._violation(f"entry {index}: report {digest[:16]}... of {org} was accepted signed by key "
                                f"{str(signer)[:16]}..., which the log shows {why} at that point")
        previous = self.reports.get(digest)
        self.reports[digest] = LoggedReport(
            digest, index, org, None if signer is None else str(signer), str(e.get("title", "")), e.get("total_flop"),
            str(e.get("envelope_sha256", "")), e.get("ledger_sha256"),
            counters=previous.counters if previous else {}, counter_entries=previous.counter_entries if previous else {},
            claims=previous.claims if previous else {})

    def _verdict(self, index: int, e: dict[str, Any]) -> None:
        report = self.reports.get(str(e.get("report", "")))
        if report is None:
            self._violation(f"entry {index}: a verdict on report {str(e.get('report'))[:16]}... that is not logged")
            return
        report.verdict_leaf, report.outcome, report.partial = index, str(e.get("outcome", "")), bool(e.get("partial"))
        report.verifier, report.verdict_sha256 = str(e.get("verifier", "")), e.get("verdict_sha256")

    def _counter(self, index: int, e: dict[str, Any]) -> None:
        by, report = str(e.get("by", "")), self.reports.get(str(e.get("report", "")))
        if self.orgs.get(by) != "verifier":
            self._violation(f"entry {index}: {by} posted a counter-verdict but the log shows it is not a verifier")
        held = self.keys.get(str(e.get("signer_keyid", "")))
        if held is None or held[0] != by or not held[1]:
            self._violation(f"entry {index}: {by}'s counter-verdict is signed by a key the log does not show as "
                            f"its live key")
        if report is None:
            self._violation(f"entry {index}: a counter-verdict on a report that is not logged")
            return
        report.counters[by] = index
        report.counter_entries[index] = e

    def _claim(self, index: int, e: dict[str, Any]) -> None:
        by, report = str(e.get("by", "")), self.reports.get(str(e.get("report", "")))
        if self.orgs.get(by) != "verifier":
            self._violation(f"entry {index}: {by} claimed a report but the log shows it is not a verifier")
        if report is None:
            self._violation(f"entry {index}: a claim on a report that is not logged")
            return
        report.claims.setdefault(by, index)

    def live_keyids(self, org: str) -> set[str]:
        """The key ids the log shows live for ``org``."""
        return {k for k, (o, live) in self.keys.items() if o == org and live}
