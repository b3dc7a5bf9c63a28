"""The registry store: idempotent submission, ownership, audit trail, migrations, tokens."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import make_envelope, make_statement
from sqlalchemy import text

from computegov.errors import InputError
from computegov.registry import logstore
from computegov.registry.store import ConflictError, ForbiddenError, NotFoundError, Store
from computegov.registry.submission import parse_submission


def _submit(store: Store, org_name: str, envelope: dict[str, Any], ok: bool = True) -> Any:
    org = store.ensure_org(org_name)
    parsed = parse_submission({"envelope": envelope})
    return store.submit(org, parsed, {"ok": ok, "checks": []}, verdict_ok=ok, verifier="fake")


def test_submission_is_stored_with_its_verdict_and_audited(store: Store) -> None:
    env = make_envelope(make_statement(flop=3e20, model="m1"))
    outcome = _submit(store, "acme", env)
    assert outcome.created
    info = store.get_report(outcome.report.digest_sha256)
    assert info.organisation == "acme"
    assert info.total_flop == pytest.approx(3e20)
    assert info.title == "m1"
    assert info.envelope == env
    actions = [a.action for a in store.audit_log()]
    assert actions.count("report.submit") == 1
    assert "org.create" in actions


def test_resubmitting_the_same_report_returns_the_stored_record(store: Store) -> None:
    env = make_envelope(make_statement())
    first = _submit(store, "acme", env)
    second = _submit(store, "acme", env)
    assert first.created and not second.created
    assert first.report.digest_sha256 == second.report.digest_sha256
    assert store.count_reports() == 1
    assert [a.action for a in store.audit_log()].count("report.submit") == 1


def test_another_organisation_cannot_submit_or_take_over_a_report(store: Store) -> None:
    env = make_envelope(make_statement())
    _submit(store, "acme", env)
    with pytest.raises(ConflictError, match="another organisation"):
        _submit(store, "evil", env)
    assert store.get_report(parse_submission({"envelope": env}).digest_sha256).organisation == "acme"
    assert store.count_reports() == 1


def test_only_the_owner_can_withdraw_and_resubmission_reinstates(store: Store) -> None:
    env = make_envelope(make_statement())
    digest = _submit(store, "acme", env).report.digest_sha256
    evil = store.ensure_org("evil")
    with pytest.raises(ForbiddenError):
        store.withdraw(evil, digest)
    assert store.get_report(digest).withdrawn_at is None
    acme = store.ensure_org("acme")
    assert store.withdraw(acme, digest).withdrawn_at is not None
    again = _submit(store, "acme", env)
    assert not again.created and again.report.withdrawn_at is None
    actions = [a.action for a in store.audit_log()]
    assert "report.withdraw" in actions and "report.reinstate" in actions
    with pytest.raises(NotFoundError):
        store.withdraw(acme, "0" * 64)


def test_tokens_are_stored_only_as_hashes_and_can_be_revoked(store: Store) -> None:
    token, info = store.create_token("acme")
    assert store.authenticate(token).name == "acme"
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_tokens")) for v in row)
        audit = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_events")) for v in row)
    assert token not in dump and token not in audit
    assert token[4:] not in dump
    store.revoke_token(info.prefix)
    assert store.authenticate(token) is None
    assert store.authenticate("cgr_" + "A" * 43) is None
    assert store.authenticate("' OR 1=1 --") is None


@pytest.mark.parametrize("name", ["", "../etc", "a b", "x" * 65, "'; DROP TABLE organisations; --", "-lead"])
def test_bad_organisation_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(InputError, match="organisation name"):
        store.ensure_org(name)
    assert store.list_orgs() == []


def test_concurrent_identical_submissions_store_one_record(store: Store) -> None:
    env = make_envelope(make_statement())
    store.ensure_org("acme")
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(_submit(store, "acme", env).created)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False] * 5 + [True]
    assert store.count_reports() == 1


def test_reopening_runs_migrations_once_and_keeps_data(store: Store) -> None:
    _submit(store, "acme", make_envelope(make_statement()))
    again = Store(store.url)
    assert again.count_reports() == 1
    with again.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head_revision()
    again.close()


def test_listing_pages_newest_first_and_filters_by_organisation(store: Store) -> None:
    for i in range(5):
        _submit(store, "acme" if i % 2 else "beta", make_envelope(make_statement(flop=1e20 * (1 + i))))
    reports, total = store.list_reports(limit=2)
    assert total == 5 and len(reports) == 2
    assert reports[0].submitted_at >= reports[1].submitted_at
    beta, n_beta = store.list_reports(organisation="beta")
    assert n_beta == 3 and {r.organisation for r in beta} == {"beta"}


def test_default_database_lives_in_the_data_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from computegov.registry.store import default_database_url

    monkeypatch.delenv("COMPUTEGOV_DATABASE_URL", raising=False)
    monkeypatch.setenv("COMPUTEGOV_DATA_DIR", str(tmp_path / "data"))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'registry.sqlite3'}"
    s = Store()
    assert (tmp_path / "data" / "registry.sqlite3").is_file()
    s.close()


def test_a_failure_inside_a_submission_leaves_nothing_behind(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_envelope(make_statement())
    store.ensure_org("acme")
    before = len(store.audit_log())

    def broken_insert(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    # the log's rows are the transaction's last write: the report, verdict and audit rows before it go too
    monkeypatch.setattr(logstore, "insert_rows", broken_insert)
    with pytest.raises(RuntimeError):
        _submit(store, "acme", env)
    monkeypatch.undo()
    assert store.count_reports() == 0
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM verdicts")).scalar_one() == 0
    assert len(store.audit_log()) == before
    assert _submit(store, "acme", env).created  # and the same report goes in cleanly afterwards


def _head_revision() -> str:
    """The newest Alembic revision shipped (what a migrated database must be at)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import computegov.registry as registry

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(registry.__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head
