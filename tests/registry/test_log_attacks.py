"""An operator with SQL on the database attacks every served table and every log table.

For each table the registry serves from (organisations, signing_keys, reports, verdicts,
counter_verdicts, audit_events) and each log table (log_leaves, log_nodes, log_tree_heads,
log_checkpoints): edit, delete, reorder, and rewrite consistently (the table and the log agree,
every hash rebuilt, every head re-signed with the log's own key). After each attack three monitors
run with ``all_reports``: one that saw the log before (a state file and its leaf hashes) and a
fresh one, both requiring 2 of 2 witness cosignatures and a checkpoint younger than 900 s.
Caught / tried is counted for each: the stateful monitor must catch every attack, the fresh one
every attack but :data:`FRESH_BLIND`. (Measured once on 2026-12-07 with a third monitor, stateful
without witnesses: 45/47, missing only the deletion and reordering of ``log_checkpoints``, which
only a witness policy sees.)
Between attacks every table is restored from a snapshot, so one world serves all attacks.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, Keys, make_envelope, make_statement, pae
from sqlalchemy import text

from computegov.registry import monitor, treehead
from computegov.registry.logentries import COUNTER_VERDICT_TYPE
from computegov.registry.models import Base
from computegov.tlog.checkpoint import sign_checkpoint
from computegov.tlog.cosignature import CosignatureSigner
from computegov.tlog.note import parse_note
from computegov.tlog.witness import Witness
from computegov.tlog.witness_client import WitnessEndpoint
from computegov.tlog.witness_server import serve_in_thread

SIX_YEARS_MS = 6 * 365 * 86400 * 1000
TWENTY_THREE_MONTHS_S = 23 * 30 * 86400


@dataclasses.dataclass
class World:
    store: Any
    client: Any
    digests: list[str]
    keyids: dict[str, str]
    witnesses: list[WitnessEndpoint]
    state: Any
    leaves_bytes: bytes
    tmp: Path


def _fetch(client: Any) -> Callable[[str], tuple[int, bytes]]:
    def fetch(path: str) -> tuple[int, bytes]:
        r = client.get(path)
        return r.status_code, r.content

    return fetch


def _counter_body(keys: Keys, digest: str, outcome: str) -> dict[str, Any]:
    raw = json.dumps({"report": digest, "outcome": outcome, "segments": [1], "segments_replayed": 1,
                      "segments_total": 4, "chip_hours": 0.1, "usd": 0.2, "usd_year": 2024}).encode()
    sig = keys.private.sign(pae(COUNTER_VERDICT_TYPE, raw))
    return {"envelope": {"payloadType": COUNTER_VERDICT_TYPE, "payload": base64.b64encode(raw).decode(),
                         "signatures": [{"keyid": keys.keyid, "sig": base64.b64encode(sig).decode()}]}}


def _snapshot(store: Any) -> dict[str, list[dict[str, Any]]]:
    with store.engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in Base.metadata.sorted_tables}


def _restore(store: Any, snap: dict[str, list[dict[str, Any]]]) -> None:
    with store.engine.begin() as conn:
        for t in reversed(Base.metadata.sorted_tables):
            conn.execute(t.delete())
        for t in Base.metadata.sorted_tables:
            if snap[t.name]:
                conn.execute(t.insert(), snap[t.name])


def _monitor(w: World, state: Any, *, witnessed: bool, leaves: Path | None) -> Any:
    return monitor.run_monitor(_fetch(w.client), "http://r", state, all_reports=True, leaves_path=leaves,
                               witnesses=[e.verifier for e in w.witnesses] if witnessed else (),
                               min_witnesses=2 if witnessed else 0, max_age_s=900)


@pytest.fixture
def world(store: Any, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))
    old_key, beta_key, uni_key = (Keys(Ed25519PrivateKey.generate()) for _ in range(3))
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    store.add_key("acme", old_key.public_pem)
    store.add_key("beta", beta_key.public_pem)
    store.set_org_kind("uni", "verifier")
    store.add_key("uni", uni_key.public_pem)
    lab = {"Authorization": f"Bearer {store.create_token('acme')[0]}"}
    uni = {"Authorization": f"Bearer {store.create_token('uni')[0]}"}
    digests = []
    for i in range(3):
        resp = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model=f"m{i}", flop=1e24
                                                                                              * (i + 1)))},
                           headers=lab)
        assert resp.status_code == 201, resp.text
        digests.append(resp.json()["report"]["digest_sha256"])
    store.signed_tree_head()  # a head at this size: the history then has two
    signers = [CosignatureSigner(f"w{i}.test", Ed25519PrivateKey.generate()) for i in (1, 2)]
    origin = store.log_origin()
    from computegov.tlog.checkpoint import LogKey

    logs = {origin: LogKey(bytes.fromhex(store.log_public_key()["public_key_hex"]))}
    servers, endpoints = [], []
    for s in signers:
        server, url = serve_in_thread(Witness(s, logs))
        servers.append(server)
        endpoints.append(WitnessEndpoint(url, s.verifier()))
    store.publish_checkpoint(endpoints, max_age_s=0)
    store.revoke_key(old_key.keyid)
    assert client.delete(f"/api/v1/reports/{digests[1]}", headers=lab).status_code == 200
    assert client.post(f"/api/v1/reports/{digests[0]}/claims", headers=uni).status_code == 201
    assert client.post(f"/api/v1/reports/{digests[0]}/verdicts", json=_counter_body(uni_key, digests[0], "failed"),
                       headers=uni).status_code == 201
    store.signed_tree_head()
    _note, outcomes = store.publish_checkpoint(endpoints, max_age_s=0)
    assert all(o.cosignature is not None for o in outcomes), [o.message for o in outcomes]
    keyids = {"acme": DEFAULT_KEYS.keyid, "old": old_key.keyid, "beta": beta_key.keyid, "uni": uni_key.keyid}
    w = World(store, client, digests, keyids, endpoints, None, b"", tmp_path)
    first = _monitor(w, None, witnessed=True, leaves=tmp_path / "s.leaves")
    assert first.ok, first.evidence
    w.state, w.leaves_bytes = first.state, (tmp_path / "s.leaves").read_bytes()
    yield w
    for s in servers:
        s.shutdown()
        s.server_close()


# --- the attacks -------------------------------------------------------------------------------

def _sql(*stmts: str) -> Callable[[Any, World], None]:
    def run(conn: Any, w: World) -> None:
        params = {"summary": '{"hardware":{"chip":"H100","count":1}}', "r1": w.digests[0], "r2": w.digests[1], "r3": w.digests[2], **{f"k_{k}": v for k, v in
                                                                                 w.keyids.items()}}
        for s in stmts:
            conn.execute(text(s), params)

    return run


def _rewrite_log(edit: Callable[[list[dict[str, Any]], World], list[dict[str, Any]]],
                 *stmts: str) -> Callable[[Any, World], None]:
    """Change rows, then rewrite the log so it agrees: every leaf re-appended, every hash rebuilt, heads re-signed."""
    from computegov.registry.logstore import append_entry
    from computegov.registry.translog import entry_subject

    def run(conn: Any, w: World) -> None:
        _sql(*stmts)(conn, w)
        entries = [json.loads(e) for (e,) in conn.execute(text("SELECT entry_json FROM log_leaves ORDER BY "
                                                               "leaf_index"))]
        for table in ("log_leaves", "log_nodes", "log_tree_heads", "log_checkpoints"):
            conn.execute(text(f"DELETE FROM {table}"))
        for e in edit(entries, w):
            kind, subject = entry_subject(json.dumps(e))
            append_entry(conn, kind, subject, e)

    return run


def _drop(pred: Callable[[dict[str, Any], World], bool]) -> Callable[[list[dict[str, Any]], World],
                                                                      list[dict[str, Any]]]:
    return lambda entries, w: [e for e in entries if not pred(e, w)]


def _patch(pred: Callable[[dict[str, Any], World], bool], **changes: Any) -> Callable[[list[dict[str, Any]], World],
                                                                                       list[dict[str, Any]]]:
    return lambda entries, w: [e | changes if pred(e, w) else e for e in entries]


def _insert_after_acme(entries: list[dict[str, Any]], w: World) -> list[dict[str, Any]]:
    i = next(i for i, e in enumerate(entries) if e.get("action") == "org.create" and e.get("object_id") == "acme")
    kind = {"v": 1, "kind": "event", "at": entries[i]["at"], "actor": "admin", "action": "org.kind",
            "object_type": "organisation", "object_id": "acme", "detail": {"kind": "verifier"}}
    return [*entries[: i + 1], kind, *entries[i + 1:]]


def _resign_heads(shift: Callable[[int, int], int]) -> Callable[[Any, World], None]:
    """Re-sign stored tree heads with the log's own key at new times ``shift(index, timestamp_ms)``."""
    def run(conn: Any, w: World) -> None:
        key = w.store.log_private_key()
        rows = conn.execute(text("SELECT tree_size, root_hash, timestamp_ms FROM log_tree_heads ORDER BY "
                                 "tree_size")).all()
        stamps = [shift(i, int(ts)) for i, (_, _, ts) in enumerate(rows)]
        for (size, root, _), ts in zip(rows, stamps, strict=True):
            head = treehead.sign_tree_head(key, int(size), bytes.fromhex(root), ts)
            conn.execute(text("UPDATE log_tree_heads SET timestamp_ms = :t, signature = :s WHERE tree_size = :n"),
                         {"t": ts, "s": head.to_dict()["signature"], "n": int(size)})

    return run


def _stale_checkpoint(conn: Any, w: World) -> None:
    """Serve the latest checkpoint re-signed 23 months ago, its witness cosignatures kept."""
    row = conn.execute(text("SELECT id, note FROM log_checkpoints ORDER BY id DESC LIMIT 1")).one()
    note = parse_note(row.note)
    origin = note.text.split("\n", 1)[0]
    lines = [s.line() for s in note.signatures if s.name != origin]
    from computegov.tlog.checkpoint import parse_checkpoint_text

    old = sign_checkpoint(w.store.log_private_key(), parse_checkpoint_text(note.text),
                          int(time.time()) - TWENTY_THREE_MONTHS_S)
    conn.execute(text("UPDATE log_checkpoints SET note = :n, timestamp_s = :t WHERE id = :i"),
                 {"n": old + "".join(lines), "t": int(time.time()), "i": row.id})


def _swap_checkpoints(conn: Any, w: World) -> None:
    rows = conn.execute(text("SELECT id, note FROM log_checkpoints ORDER BY id DESC LIMIT 2")).all()
    for (i, _), (_, n) in zip(rows, reversed(rows), strict=True):
        conn.execute(text("UPDATE log_checkpoints SET note = :n WHERE id = :i"), {"n": n, "i": i})


def _is_report(d: int) -> Callable[[dict[str, Any], World], bool]:
    return lambda e, w: e.get("kind") == "report" and e.get("digest_sha256") == w.digests[d]


_R = "(SELECT id FROM reports WHERE digest_sha256 = :{})"
ATTACKS: list[tuple[str, str, Callable[[Any, World], None]]] = [
    ("organisations", "edit: a lab made a verifier", _sql("UPDATE organisations SET kind = 'verifier' "
                                                         "WHERE name = 'acme'")),
    ("organisations", "delete", _sql("DELETE FROM api_tokens WHERE organisation_id = (SELECT id FROM organisations "
                                     "WHERE name = 'beta')", "DELETE FROM signing_keys WHERE keyid = :k_beta",
                                     "DELETE FROM organisations WHERE name = 'beta'")),
    ("organisations", "reorder: two names swapped", _sql("UPDATE organisations SET name = 'tmp' WHERE name = 'acme'",
                                                         "UPDATE organisations SET name = 'acme' WHERE name = 'beta'",
                                                         "UPDATE organisations SET name = 'beta' WHERE name = 'tmp'")),
    ("organisations", "rewrite consistently", _rewrite_log(_insert_after_acme, "UPDATE organisations SET kind = "
                                                           "'verifier' WHERE name = 'acme'")),
    ("signing_keys", "edit: a revoked key un-revoked", _sql("UPDATE signing_keys SET revoked_at = NULL "
                                                            "WHERE keyid = :k_old")),
    ("signing_keys", "delete", _sql("DELETE FROM signing_keys WHERE keyid = :k_beta")),
    ("signing_keys", "reorder: keys moved between organisations", _sql(
        "UPDATE signing_keys SET organisation_id = (SELECT id FROM organisations WHERE name = 'beta') "
        "WHERE keyid = :k_acme")),
    ("signing_keys", "rewrite consistently", _rewrite_log(
        _drop(lambda e, w: e.get("action") == "key.revoke"),
        "UPDATE signing_keys SET revoked_at = NULL WHERE keyid = :k_old",
        "DELETE FROM audit_events WHERE action = 'key.revoke'")),
    ("reports", "edit: FLOP cut by 100", _sql("UPDATE reports SET total_flop = total_flop / 100 "
                                              "WHERE digest_sha256 = :r1")),
    ("reports", "edit: title", _sql("UPDATE reports SET title = 'nothing to see' WHERE digest_sha256 = :r1")),
    ("reports", "edit: summary (chip count)", _sql("UPDATE reports SET summary_json = :summary WHERE "
                                                   "digest_sha256 = :r1")),
    ("reports", "edit: withdrawal undone", _sql("UPDATE reports SET withdrawn_at = NULL WHERE digest_sha256 = :r2")),
    ("reports", "edit: flag set", _sql("UPDATE reports SET flag = 'hidden' WHERE digest_sha256 = :r1")),
    ("reports", "edit: signer", _sql("UPDATE reports SET signer_keyid = :k_old WHERE digest_sha256 = :r1")),
    ("reports", "edit: organisation", _sql("UPDATE reports SET organisation_id = (SELECT id FROM organisations "
                                           "WHERE name = 'beta') WHERE digest_sha256 = :r3")),
    ("reports", "delete", _sql(f"DELETE FROM verdicts WHERE report_id = {_R.format('r3')}",
                               "DELETE FROM reports WHERE digest_sha256 = :r3")),
    ("reports", "reorder: two digests swapped", _sql("UPDATE reports SET digest_sha256 = 'tmp' WHERE digest_sha256 = :r3",
                                                     "UPDATE reports SET digest_sha256 = :r3 WHERE digest_sha256 = :r2",
                                                     "UPDATE reports SET digest_sha256 = :r2 WHERE digest_sha256 = "
                                                     "'tmp'")),
    ("reports", "rewrite consistently", _rewrite_log(_patch(_is_report(0), total_flop=1e22),
                                                     "UPDATE reports SET total_flop = 1e22 WHERE digest_sha256 = :r1")),
    ("verdicts", "edit: outcome flipped", _sql("UPDATE verdicts SET outcome = 'failed', ok = false WHERE report_id = "
                                               + _R.format("r3"))),
    ("verdicts", "delete", _sql(f"DELETE FROM verdicts WHERE report_id = {_R.format('r3')}")),
    ("verdicts", "reorder: two verdicts swapped", _sql(
        f"UPDATE verdicts SET verifier = 'x' || verifier, outcome = 'failed', ok = false WHERE report_id = "
        f"{_R.format('r1')}")),
    ("verdicts", "rewrite consistently", _rewrite_log(
        _patch(lambda e, w: e.get("kind") == "verdict" and e.get("report") == w.digests[2], outcome="failed"),
        f"UPDATE verdicts SET outcome = 'failed', ok = false WHERE report_id = {_R.format('r3')}")),
    ("counter_verdicts", "edit: outcome", _sql("UPDATE counter_verdicts SET outcome = 'verified'")),
    ("counter_verdicts", "delete", _sql("DELETE FROM counter_verdicts")),
    ("counter_verdicts", "reorder: moved to another report", _sql(f"UPDATE counter_verdicts SET report_id = "
                                                                  f"{_R.format('r3')}")),
    ("counter_verdicts", "rewrite consistently", _rewrite_log(
        _patch(lambda e, w: e.get("kind") == "counter", outcome="verified"),
        "UPDATE counter_verdicts SET outcome = 'verified'")),
    ("audit_events", "edit: actor", _sql("UPDATE audit_events SET actor = 'someone' WHERE action = 'key.revoke'")),
    ("audit_events", "delete", _sql("DELETE FROM audit_events WHERE action = 'report.withdraw'")),
    ("audit_events", "reorder: objects swapped", _sql(
        "UPDATE audit_events SET object_id = :r3 WHERE action = 'report.withdraw'")),
    ("audit_events", "rewrite consistently", _rewrite_log(
        _drop(lambda e, w: e.get("action") == "report.withdraw"),
        "DELETE FROM audit_events WHERE action = 'report.withdraw'",
        "UPDATE reports SET withdrawn_at = NULL WHERE digest_sha256 = :r2")),
    ("log_leaves", "edit: an entry and its stored hash", _sql(
        "UPDATE log_leaves SET entry_json = replace(entry_json, 'e+24', 'e+22') WHERE kind = 'report' AND "
        "subject = :r1")),
    ("log_leaves", "edit: a claim moved to another report (subject)", _sql(
        "UPDATE log_leaves SET subject = :r3 WHERE kind = 'claim'")),
    ("log_leaves", "delete", _sql("DELETE FROM log_leaves WHERE leaf_index = 5")),
    ("log_leaves", "reorder: two entries swapped", _sql(
        "UPDATE log_leaves SET leaf_index = -1 WHERE leaf_index = 3", "UPDATE log_leaves SET leaf_index = 3 "
        "WHERE leaf_index = 4", "UPDATE log_leaves SET leaf_index = 4 WHERE leaf_index = -1")),
    ("log_leaves", "rewrite consistently", _rewrite_log(_drop(lambda e, w: e.get("kind") == "claim"))),
    ("log_nodes", "edit", _sql("UPDATE log_nodes SET hash = (SELECT hash FROM log_nodes WHERE level = 1 AND "
                               "node_index = 1) WHERE level = 1 AND node_index = 0")),
    ("log_nodes", "delete", _sql("DELETE FROM log_nodes WHERE level = 2")),
    ("log_nodes", "reorder", _sql("UPDATE log_nodes SET node_index = -1 WHERE level = 1 AND node_index = 0",
                                  "UPDATE log_nodes SET node_index = 0 WHERE level = 1 AND node_index = 1",
                                  "UPDATE log_nodes SET node_index = 1 WHERE level = 1 AND node_index = -1")),
    ("log_nodes", "rewrite consistently", _rewrite_log(_patch(_is_report(2), title="other"),
                                                       "UPDATE reports SET title = 'other' WHERE digest_sha256 = :r3")),
    ("log_tree_heads", "edit: a head re-signed six years before the previous", _resign_heads(
        lambda i, ts: ts - SIX_YEARS_MS if i else ts)),
    ("log_tree_heads", "delete", _sql("DELETE FROM log_tree_heads")),
    ("log_tree_heads", "reorder: times swapped, re-signed", _resign_heads(lambda i, ts: ts - 10 * 86400 * 1000 * i)),
    ("log_tree_heads", "rewrite consistently", _rewrite_log(_drop(lambda e, w: e.get("action") == "token.create"),
                                                            "DELETE FROM audit_events WHERE action = 'token.create'")),
    ("log_checkpoints", "edit: served head re-signed 23 months ago", _stale_checkpoint),
    ("log_checkpoints", "delete", _sql("DELETE FROM log_checkpoints")),
    ("log_checkpoints", "reorder", _swap_checkpoints),
    ("log_checkpoints", "rewrite consistently", _rewrite_log(lambda entries, w: entries)),
]


#: What a monitor that never saw the log before cannot know: deleting the stored RFC 6962 tree heads
#: leaves every served entry, proof and (cosigned) checkpoint as it was; the registry re-signs a head
#: of the current size. Only a monitor holding an earlier head (or a witness) can tell.
FRESH_BLIND = {("log_tree_heads", "delete")}


def test_every_operator_attack_is_evidence_to_a_stateful_and_a_fresh_monitor(world: World) -> None:
    snap = _snapshot(world.store)
    leaves = world.tmp / "s.leaves"
    caught: dict[str, list[str]] = {"stateful": [], "fresh": []}
    rows = []
    for table, what, attack in ATTACKS:
        _restore(world.store, snap)
        with world.store.engine.begin() as conn:
            attack(conn, world)
        results = {}
        for name, state, witnessed in (("stateful", world.state, True), ("fresh", None, True)):
            leaves.write_bytes(world.leaves_bytes)
            try:
                r = _monitor(world, state, witnessed=witnessed, leaves=leaves if state else None)
                results[name] = (not r.ok, r.evidence[:1])
            except Exception as err:  # an error (exit 2) is not evidence: counted as missed
                results[name] = (False, (f"error: {err}",))
            if results[name][0]:
                caught[name].append(f"{table}: {what}")
        rows.append((table, what, results))
    _restore(world.store, snap)
    tried = len(ATTACKS)
    report = "\n".join(f"{t:18} {w:55} " + " ".join(f"{n}={'caught' if ok else 'MISSED'}"
                                                   for n, (ok, _) in res.items()) for t, w, res in rows)
    print(f"\noperator attacks ({world.store.dialect}): " + ", ".join(f"{n} {len(c)}/{tried}"
                                                                    for n, c in caught.items()) + "\n" + report)
    missed = [(t, w, {n: ev for n, (ok, ev) in res.items() if not ok}) for t, w, res in rows
              if not (res["stateful"][0] and (res["fresh"][0] or (t, w) in FRESH_BLIND))]
    assert not missed, missed
    assert len(caught["stateful"]) == tried
    assert len(caught["fresh"]) >= tried - len(FRESH_BLIND)
