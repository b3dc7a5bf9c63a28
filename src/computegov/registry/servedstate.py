"""What the registry serves, compared with the state its log entries give (:class:`~computegov.registry.logstate.LogState`).

Organisations, kinds and live keys; every report's organisation, signer, title, FLOP, outcome,
``partial``, verifier, ``verdict_ok`` and withdrawal; with ``full``, each report's envelope (hashed),
title, FLOP and summary (recomputed from the envelope), ledger, verdict, counter-verdicts and
claims, and the whole audit trail. Each difference is one line of evidence.
"""

from __future__ import annotations

import json
from typing import Any

from computegov.registry.errors import LogProofError
from computegov.registry.logclient import Fetch, served_json
from computegov.registry.logentries import canonical_bytes, counter_entry, sha256_hex
from computegov.registry.logstate import LogState

__all__ = ["compare_served"]


def _all_served_reports(fetch: Fetch) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        page = served_json(fetch, f"/api/v1/reports?limit=200&offset={offset}")
        rows = page.get("reports") if isinstance(page, dict) else None
        if not isinstance(rows, list):
            raise LogProofError("GET /api/v1/reports: expected {'reports': [...]}")
        for r in rows:
            if isinstance(r, dict) and isinstance(r.get("digest_sha256"), str):
                out[r["digest_sha256"]] = r
        offset += len(rows)
        if not rows or offset >= int(page.get("total", 0)) or offset > 1_000_000:
            return out


def _expected_verdict_ok(report: Any, duplicate: bool) -> bool:
    return report.outcome == "verified" and report.signer_keyid is not None and not duplicate


def compare_served(fetch: Fetch, logged: LogState, *, full: bool = False) -> list[str]:
    """Evidence that what the registry serves differs from the state its log entries give.

    Args:
        fetch: the registry API.
        logged: the state folded from every entry.
        full: also fetch each report (envelope, summary, ledger, verdict, counter-verdicts, claims).
    """
    try:
        return list(logged.violations) + _compare_served(fetch, logged, full=full)
    except LogProofError as err:
        if not err.mismatch:
            raise
        return [*logged.violations, f"the registry will not serve the state its log holds: {err}"]


def _compare_served(fetch: Fetch, logged: LogState, *, full: bool) -> list[str]:
    evidence: list[str] = []
    orgs = served_json(fetch, "/api/v1/organisations")
    if not isinstance(orgs, list):
        raise LogProofError("GET /api/v1/organisations: expected a list")
    served_orgs = {str(o.get("name")): o for o in orgs if isinstance(o, dict)}
    for name in sorted(set(served_orgs) | set(logged.orgs)):
        if name not in logged.orgs:
            evidence.append(f"organisation {name} is served but its creation is not in the log")
            continue
        if name not in served_orgs:
            evidence.append(f"organisation {name} is in the log but not served")
            continue
        o = served_orgs[name]
        if o.get("kind", logged.orgs[name]) != logged.orgs[name]:
            evidence.append(f"organisation {name} is served as a {o.get('kind')}, the log says {logged.orgs[name]}")
        served_keys, log_keys = set(o.get("keyids") or []), logged.live_keyids(name)
        if served_keys != log_keys:
            extra, gone = sorted(served_keys - log_keys), sorted(log_keys - served_keys)
            evidence.append(f"organisation {name}: live keys served differ from the log's"
                            + (f" (served but not live in the log: {', '.join(k[:16] for k in extra)})" if extra else "")
                            + (f" (live in the log but not served: {', '.join(k[:16] for k in gone)})" if gone else ""))
    served = _all_served_reports(fetch)
    payloads: dict[str, str] = {}
    for digest in sorted(set(served) | set(logged.reports)):
        if digest not in logged.reports:
            evidence.append(f"report {digest} is served but is not in the log")
            continue
        if digest not in served:
            evidence.append(f"report {digest} is in the log (leaf {logged.reports[digest].leaf}) but not served")
            continue
        evidence += _compare_report(fetch, served[digest], logged.reports[digest], payloads, full=full)
    if full:
        evidence += _compare_audit_trail(fetch, logged)
    return evidence


def _event_key(e: Any) -> tuple[Any, ...]:
    import datetime as dt

    at: float | str
    try:
        at = round(dt.datetime.fromisoformat(str(e.get("at"))).timestamp(), 6)
    except ValueError:
        at = str(e.get("at"))
    return (at, e.get("actor"), e.get("action"), e.get("object_type"), e.get("object_id"),
            canonical_bytes(e.get("detail") or {}))


def _compare_audit_trail(fetch: Fetch, logged: LogState) -> list[str]:
    """The audit trail served (``/api/v1/audit``) must be exactly the logged ``event`` entries."""
    from collections import Counter

    served: Counter[tuple[Any, ...]] = Counter()
    offset = 0
    while offset <= 1_000_000:
        rows = served_json(fetch, f"/api/v1/audit?limit=500&offset={offset}")
        if not isinstance(rows, list) or not rows:
            break
        served.update(_event_key(r) for r in rows if isinstance(r, dict))
        offset += len(rows)
    logged_events = Counter(_event_key(e) for e in logged.events)
    if served == logged_events:
        return []
    extra, gone = served - logged_events, logged_events - served
    return [f"the audit trail served differs from the logged events: {sum(extra.values())} served but not logged"
            + (f" (e.g. {next(iter(extra))[2]} on {next(iter(extra))[4]})" if extra else "")
            + f", {sum(gone.values())} logged but not served"
            + (f" (e.g. {next(iter(gone))[2]} on {next(iter(gone))[4]})" if gone else "")]


def _compare_report(fetch: Fetch, row: dict[str, Any], rep: Any, payloads: dict[str, str], *,
                    full: bool) -> list[str]:
    digest = rep.digest
    out: list[str] = []
    want = {"organisation": rep.organisation, "signer_keyid": rep.signer_keyid, "title": rep.title,
            "total_flop": rep.total_flop, "outcome": rep.outcome, "partial": rep.partial, "verifier": rep.verifier}
    diff = sorted(k for k, v in want.items() if row.get(k) != v)
    if (row.get("withdrawn_at") is not None) != rep.withdrawn:
        diff.append("withdrawn_at")
    duplicate = False
    envelope: Any = None
    if full:
        status, body = fetch(f"/api/v1/reports/{digest}")
        if status != 200:
            return [f"report {digest} is in the log but GET /api/v1/reports/{digest} answers HTTP {status}"]
        detail = json.loads(body)
        envelope = detail.get("envelope") or {}
        if sha256_hex(canonical_bytes(envelope)) != rep.envelope_sha256 or digest != rep.envelope_sha256:
            out.append(f"report {digest}: the envelope served does not hash to the one its leaf {rep.leaf} logged")
        else:
            out += _check_derived_summary(digest, envelope, detail, payloads)
            duplicate = payloads.get(digest) == "duplicate"
        ledger = None
        if detail.get("has_ledger"):
            ls, lb = fetch(f"/api/v1/reports/{digest}/ledger")
            ledger = lb.decode() if ls == 200 else None
        if (None if ledger is None else sha256_hex(ledger)) != rep.ledger_sha256:
            out.append(f"report {digest}: the ledger served does not hash to the one its leaf {rep.leaf} logged")
        if sha256_hex(canonical_bytes(detail.get("verdict") or {})) != rep.verdict_sha256:
            out.append(f"report {digest}: the verdict served is not the one leaf {rep.verdict_leaf} logged")
        out += _compare_audits(fetch, digest, rep)
    if row.get("verdict_ok") != _expected_verdict_ok(rep, duplicate) and not (full is False and not row.get("verdict_ok")):
        diff.append("verdict_ok")
    if diff:
        out.insert(0, f"report {digest} as served differs from its log entries (fields: {', '.join(sorted(diff))}): "
                      "the registry's rows were edited")
    return out


def _check_derived_summary(digest: str, envelope: dict[str, Any], detail: dict[str, Any],
                           payloads: dict[str, str]) -> list[str]:
    """Recompute title, FLOP and summary from the served (and log-matched) envelope; note duplicates."""
    import base64

    from computegov.registry.submission import payload_digest, summarise_statement

    try:
        statement = json.loads(base64.b64decode(str(envelope.get("payload", "")), validate=True))
    except ValueError:
        return [f"report {digest}: its logged envelope's payload does not decode"]
    if not isinstance(statement, dict):
        return [f"report {digest}: its logged envelope's payload is not a Statement"]
    pd = payload_digest(statement)
    payloads[digest] = "duplicate" if pd in payloads.values() else pd
    title, flop, summary = summarise_statement(statement)
    fields = [k for k, got, want in (("title", detail.get("title"), title), ("total_flop", detail.get("total_flop"), flop),
                                     ("summary", detail.get("summary"), summary)) if got != want]
    return [f"report {digest}: {', '.join(fields)} served differ from what its logged envelope says"] if fields else []


def _compare_audits(fetch: Fetch, digest: str, rep: Any) -> list[str]:
    status, body = fetch(f"/api/v1/reports/{digest}/verdicts")
    if status == 404 and not rep.counters and not rep.claims:
        return []
    if status != 200:
        return [f"report {digest}: GET verdicts answers HTTP {status} but the log holds its audits"]
    data = json.loads(body)
    out: list[str] = []
    counters = data.get("counter_verdicts") if isinstance(data, dict) else None
    claims = data.get("claims") if isinstance(data, dict) else None
    served_live = {str(c.get("organisation")): c.get("leaf_index") for c in counters or []
                   if isinstance(c, dict) and c.get("live", True)}
    if served_live != rep.counters:
        out.append(f"report {digest}: live counter-verdicts served {sorted(served_live.items())} differ from the "
                   f"log's {sorted(rep.counters.items())}")
    for c in counters or []:
        index = c.get("leaf_index") if isinstance(c, dict) else None
        entry = rep.counter_entries.get(index)
        if entry is None:
            out.append(f"report {digest}: a counter-verdict served at leaf {index} is not a counter leaf of it")
            continue
        want = counter_entry(report_digest=digest, by=str(c.get("organisation", "")),
                             signer_keyid=str(c.get("signer_keyid", "")), outcome=str(c.get("outcome", "")),
                             payload=c.get("payload") or {}, envelope=c.get("envelope") or {})
        if canonical_bytes(want) != canonical_bytes(entry):
            out.append(f"report {digest}: {c.get('organisation')}'s counter-verdict served differs from leaf {index}")
    served_claims = {str(c.get("organisation")): c.get("leaf_index") for c in claims or [] if isinstance(c, dict)}
    if served_claims != rep.claims:
        out.append(f"report {digest}: claims served {sorted(served_claims.items())} differ from the log's "
                   f"{sorted(rep.claims.items())}")
    return out
