"""The operator's own check (``registry log-verify``) holds the database to every checkpoint it signed.

The attacker holds the database and the log's key. Each variant below changes history and must
make the check fail with a message that names what disagrees: an old entry edited with every
hash rebuilt (the earlier checkpoints still sign the old roots), the same with the latest head
and checkpoint re-signed, checkpoints deleted, reordered, resized or edited without a signature.
An honest log passes; a rewrite that re-signs *every* stored checkpoint and head leaves nothing in
the database to disagree, and the last test says so (only an outside observer can catch it: see
tests/registry/test_log_attacks.py and test_log_monitor.py). SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from computegov.cli import app
from computegov.registry import logstore, treehead
from computegov.registry.translog import entry_subject
from computegov.tlog.checkpoint import Checkpoint, sign_checkpoint

ROUNDS, PER_ROUND = 6, 5
T0 = 1_800_000_000  # POSIX s of the first checkpoint (2027-01-15), one a minute after it


@pytest.fixture
def log(store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An honest log: 6 rounds of 5 entries, a checkpoint and a tree head after each (ids 1..6)."""
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))
    for r in range(ROUNDS):
        with store.engine.begin() as conn:
            logstore.append_entries(conn, [("event", f"o{r}.{i}", {"v": 1, "kind": "event", "object_id": f"o{r}.{i}"})
                                           for i in range(PER_ROUND)])
        store.checkpoint(max_age_s=0, now_s=T0 + 60 * r)
        store.signed_tree_head()
    assert store.audit_log_tree() == []
    return store


def _rows(conn: Any) -> list[tuple[int, int, int]]:
    return [(int(i), int(s), int(t)) for i, s, t in
            conn.execute(text("SELECT id, tree_size, timestamp_s FROM log_checkpoints ORDER BY id"))]


def _edit_old_entry(conn: Any, index: int = 7) -> None:
    """Change entry ``index`` and rebuild every leaf and subtree hash so that they agree (heads and checkpoints kept)."""
    entries = [json.loads(e) for (e,) in conn.execute(text("SELECT entry_json FROM log_leaves ORDER BY leaf_index"))]
    entries[index]["object_id"] = "someone-else"
    conn.execute(text("DELETE FROM log_nodes"))
    conn.execute(text("DELETE FROM log_leaves"))
    logstore.append_entries(conn, [(*entry_subject(json.dumps(e)), e) for e in entries])


def _resign(conn: Any, store: Any, cp_id: int, size: int, stamp: int) -> None:
    """Re-sign checkpoint ``cp_id`` over the stored leaves' root at ``size`` (its row made to agree)."""
    note = sign_checkpoint(store.log_private_key(), Checkpoint(store.log_origin(), size, logstore.read_root(conn, size)),
                           stamp)
    conn.execute(text("UPDATE log_checkpoints SET tree_size = :n, timestamp_s = :t, note = :note WHERE id = :i"),
                 {"n": size, "t": stamp, "note": note, "i": cp_id})


def _resign_head(conn: Any, store: Any, size: int) -> None:
    root = logstore.read_root(conn, size)
    old = conn.execute(text("SELECT timestamp_ms FROM log_tree_heads WHERE tree_size = :n"), {"n": size}).scalar()
    head = treehead.sign_tree_head(store.log_private_key(), size, root, int(old))
    conn.execute(text("UPDATE log_tree_heads SET root_hash = :r, signature = :s WHERE tree_size = :n"),
                 {"r": root.hex(), "s": head.to_dict()["signature"], "n": size})


def _problems(store: Any) -> list[str]:
    problems = store.audit_log_tree(max_problems=100)
    assert problems, "the check passed a changed history"
    return problems


def test_an_honest_log_passes_on_every_page_size(log: Any) -> None:
    for chunk in (1, 4, 5, 29, 30, 31):
        assert log.audit_log_tree(chunk=chunk) == []
    res = CliRunner().invoke(app, ["registry", "log-verify", "--database-url", log.url, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"ok": True, "tree_size": ROUNDS * PER_ROUND, "problems": []}


def test_an_old_entry_edited_with_every_hash_rebuilt_fails_at_the_first_checkpoint_after_it(log: Any) -> None:
    with log.engine.begin() as conn:
        _edit_old_entry(conn, index=7)  # in round 2: checkpoint #2 (size 10) is the first that holds it
    problems = _problems(log)
    first = [p for p in problems if "first checkpoint whose root disagrees" in p]
    assert len(first) == 1 and first[0].startswith("signed checkpoint #2 of size 10 "), problems
    assert not any("checkpoint #1 " in p for p in problems)  # size 5 does not hold leaf 7
    assert any(p.startswith("signed tree head of size 10: the stored leaves give another root") for p in problems)
    res = CliRunner().invoke(app, ["registry", "log-verify", "--database-url", log.url])
    assert res.exit_code == 1
    assert "log damaged: signed checkpoint #2 of size 10 (the first checkpoint whose root disagrees)" in res.stdout


def test_re_signing_only_the_latest_head_and_checkpoint_does_not_hide_the_edit(log: Any) -> None:
    with log.engine.begin() as conn:
        _edit_old_entry(conn, index=12)
        cp_id, size, stamp = _rows(conn)[-1]
        _resign(conn, log, cp_id, size, stamp)
        _resign_head(conn, log, size)
    problems = _problems(log)
    assert any(p.startswith("signed checkpoint #3 of size 15 (the first checkpoint whose root disagrees)")
               for p in problems), problems
    assert not any(f"#{cp_id} " in p or f"size {size}:" in p for p in problems), problems  # the re-signed ones agree


def test_deleting_the_checkpoints_that_disagree_leaves_a_gap(log: Any) -> None:
    with log.engine.begin() as conn:
        _edit_old_entry(conn, index=3)
        cp_id, size, stamp = _rows(conn)[-1]
        _resign(conn, log, cp_id, size, stamp)
        conn.execute(text("DELETE FROM log_checkpoints WHERE id < :i"), {"i": cp_id})
        for s in range(PER_ROUND, size + 1, PER_ROUND):
            _resign_head(conn, log, s)
    problems = _problems(log)
    assert problems[0].startswith(f"signed checkpoint #1..#{cp_id - 1} is missing before #{cp_id}: stored "
                                  "checkpoints were deleted"), problems


def test_a_deleted_checkpoint_in_the_middle_is_named(log: Any) -> None:
    with log.engine.begin() as conn:
        conn.execute(text("DELETE FROM log_checkpoints WHERE id = 3"))
    assert _problems(log)[0].startswith("signed checkpoint #3 is missing before #4")


def test_checkpoints_reordered_are_caught(log: Any) -> None:
    with log.engine.begin() as conn:  # whole rows swapped between ids 2 and 4: each row agrees with its note
        rows = {i: conn.execute(text("SELECT tree_size, timestamp_s, note FROM log_checkpoints WHERE id = :i"),
                                {"i": i}).one() for i in (2, 4)}
        for i, j in ((2, 4), (4, 2)):
            conn.execute(text("UPDATE log_checkpoints SET tree_size = :s, timestamp_s = :t, note = :n WHERE id = :i"),
                         {"s": rows[j][0], "t": rows[j][1], "n": rows[j][2], "i": i})
    problems = _problems(log)
    assert any(p.startswith("signed checkpoint #3 (size 15, signed 2027-01-15T08:02:00Z) is stored after #2 "
                            "(size 20") and "go back" in p for p in problems), problems


def test_only_the_notes_swapped_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:
        notes = dict(conn.execute(text("SELECT id, note FROM log_checkpoints WHERE id IN (2, 5)")).all())
        for i, j in ((2, 5), (5, 2)):
            conn.execute(text("UPDATE log_checkpoints SET note = :n WHERE id = :i"), {"n": notes[j], "i": i})
    problems = _problems(log)
    assert any(p.startswith("signed checkpoint #2: its row says size 10") for p in problems), problems
    assert any("go back" in p for p in problems), problems


def test_a_checkpoint_size_changed_in_its_row_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:
        conn.execute(text("UPDATE log_checkpoints SET tree_size = 12 WHERE id = 2"))
    assert any(p.startswith("signed checkpoint #2: its row says size 12") and "signed note says size 10" in p
               for p in _problems(log))


def test_a_checkpoint_re_signed_at_another_size_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:  # claims 12 leaves with the root of 10: the walk rebuilds 12's root
        stamp = _rows(conn)[1][2]
        root10 = logstore.read_root(conn, 10)
        note = sign_checkpoint(log.log_private_key(), Checkpoint(log.log_origin(), 12, root10), stamp)
        conn.execute(text("UPDATE log_checkpoints SET tree_size = 12, note = :n WHERE id = 2"), {"n": note})
    problems = _problems(log)
    assert any(p.startswith("signed checkpoint #2 of size 12 (the first checkpoint whose root disagrees)")
               for p in problems), problems


def test_a_checkpoint_beyond_the_leaves_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM log_leaves WHERE leaf_index >= {ROUNDS * PER_ROUND - 2}"))
        conn.execute(text(f"DELETE FROM log_tree_heads WHERE tree_size > {ROUNDS * PER_ROUND - 2}"))
        conn.execute(text("DELETE FROM log_nodes WHERE (node_index + 1) * (1 << level) > :n"),
                     {"n": ROUNDS * PER_ROUND - 2})
    problems = _problems(log)
    assert any(p.startswith("signed checkpoint #6 of size 30 is beyond the 28 stored leaves") for p in problems), problems


def test_a_note_edited_without_its_signature_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:
        note = conn.execute(text("SELECT note FROM log_checkpoints WHERE id = 2")).scalar()
        lines = note.split("\n")
        lines[2] = "A" * 43 + "="  # another root, same size
        conn.execute(text("UPDATE log_checkpoints SET note = :n WHERE id = 2"), {"n": "\n".join(lines)})
    problems = _problems(log)
    assert any(p.startswith("signed checkpoint #2 (row size 10): invalid signature") and
               p.endswith("not signed by the log's key as stored") for p in problems), problems
    assert not any("root disagrees" in p for p in problems), problems  # an unsigned root is not compared


def test_a_tree_head_root_edited_without_its_signature_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:
        _edit_old_entry(conn, index=7)
        root = logstore.read_root(conn, 10)
        conn.execute(text("UPDATE log_tree_heads SET root_hash = :r WHERE tree_size = 10"), {"r": root.hex()})
    problems = _problems(log)
    assert any(p.startswith("signed tree head of size 10: not signed by the log's key") for p in problems), problems


def test_a_back_dated_tree_head_is_caught(log: Any) -> None:
    with log.engine.begin() as conn:
        root = logstore.read_root(conn, 20)
        head = treehead.sign_tree_head(log.log_private_key(), 20, root, 1_000_000_000_000)  # 2001
        conn.execute(text("UPDATE log_tree_heads SET timestamp_ms = :t, signature = :s WHERE tree_size = 20"),
                     {"t": head.timestamp_ms, "s": head.to_dict()["signature"]})
    assert any(p.startswith("signed tree head of size 20 is dated 2001-09-09T01:46:40Z") for p in _problems(log))


def test_a_rewrite_that_re_signs_every_checkpoint_and_head_is_beyond_the_operators_own_check(log: Any) -> None:
    """The limit, stated as a test: the database alone cannot contradict a rewrite signed throughout."""
    with log.engine.begin() as conn:
        _edit_old_entry(conn, index=7)
        for cp_id, size, stamp in _rows(conn):
            _resign(conn, log, cp_id, size, stamp)
        for s in range(PER_ROUND, ROUNDS * PER_ROUND + 1, PER_ROUND):
            _resign_head(conn, log, s)
    assert log.audit_log_tree() == []
