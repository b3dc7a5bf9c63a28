"""``computegov registry`` and ``computegov serve``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COMPUTEGOV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COMPUTEGOV_DATABASE_URL", raising=False)
    return tmp_path


def test_token_create_prints_a_token_that_authenticates(data_dir: Path) -> None:
    from computegov.registry.store import Store

    result = runner.invoke(app, ["registry", "token", "create", "acme", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["token"].startswith("cgr_")
    store = Store()
    assert store.authenticate(out["token"]).name == "acme"
    listing = json.loads(runner.invoke(app, ["registry", "list", "--json"]).output)
    assert listing["organisations"][0]["name"] == "acme"
    assert listing["tokens"][0]["prefix"] == out["prefix"]
    assert out["token"] not in runner.invoke(app, ["registry", "list"]).output
    revoke = runner.invoke(app, ["registry", "token", "revoke", out["prefix"]])
    assert revoke.exit_code == 0
    assert store.authenticate(out["token"]) is None
    store.close()


@pytest.mark.parametrize("name", ["../../etc", "a b", "'; DROP TABLE x; --"])
def test_bad_organisation_name_exits_2(data_dir: Path, name: str) -> None:
    result = runner.invoke(app, ["registry", "token", "create", name])
    assert result.exit_code == 2
    assert "organisation name" in result.output


def test_bad_public_key_exits_2(data_dir: Path, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_text("not a key")
    result = runner.invoke(app, ["registry", "token", "create", "acme", "--public-key", str(key)])
    assert result.exit_code == 2 and "public" in result.output


def _pem(tmp_path: Path, name: str = "lab.pub") -> tuple[Path, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate().public_key()
    path = tmp_path / name
    path.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path, key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def test_key_add_list_and_revoke(data_dir: Path, tmp_path: Path) -> None:
    pem, raw_hex = _pem(tmp_path)
    added = runner.invoke(app, ["registry", "key", "add", "lab-b", str(pem), "--json"])
    assert added.exit_code == 0, added.output
    out = json.loads(added.stdout)
    assert out["organisation"] == "lab-b" and out["created"] is True and len(out["keyid"]) == 64
    again = json.loads(runner.invoke(app, ["registry", "key", "add", "lab-b", raw_hex, "--json"]).stdout)
    assert again["keyid"] == out["keyid"] and again["created"] is False  # same key given as hex
    taken = runner.invoke(app, ["registry", "key", "add", "lab-c", str(pem)])
    assert taken.exit_code == 2 and "another organisation" in taken.output
    listing = json.loads(runner.invoke(app, ["registry", "key", "list", "--json"]).stdout)
    assert [(k["organisation"], k["keyid"], k["revoked_at"]) for k in listing["keys"]] == [("lab-b", out["keyid"], None)]
    assert out["keyid"][:16] in runner.invoke(app, ["registry", "key", "list", "lab-b"]).output
    orgs = json.loads(runner.invoke(app, ["registry", "list", "--json"]).stdout)["organisations"]
    assert orgs[0]["has_public_key"] is True and orgs[0]["keyids"] == [out["keyid"]]
    revoked = runner.invoke(app, ["registry", "key", "revoke", out["keyid"][:10], "--json"])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked"] is True
    assert runner.invoke(app, ["registry", "key", "revoke", out["keyid"]]).exit_code == 2  # no live key left


@pytest.mark.parametrize("value", ["not-a-file.pub", "ab" * 31, "zz" * 32])
def test_key_add_refuses_what_is_not_a_public_key(data_dir: Path, value: str) -> None:
    result = runner.invoke(app, ["registry", "key", "add", "acme", value])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_token_create_with_public_key_registers_it(data_dir: Path, tmp_path: Path) -> None:
    pem, _hex = _pem(tmp_path)
    created = runner.invoke(app, ["registry", "token", "create", "acme", "--public-key", str(pem), "--json"])
    assert created.exit_code == 0, created.output
    keys = json.loads(runner.invoke(app, ["registry", "key", "list", "acme", "--json"]).stdout)["keys"]
    assert len(keys) == 1 and keys[0]["organisation"] == "acme"


def test_unusable_database_url_exits_2(data_dir: Path) -> None:
    result = runner.invoke(app, ["registry", "init", "--database-url", "postgresql+psycopg://u:p@127.0.0.1:1/none"])
    assert result.exit_code == 2 and "cannot open the database" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.network
def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    env = {**os.environ, "COMPUTEGOV_DATA_DIR": str(tmp_path)}
    env.pop("COMPUTEGOV_DATABASE_URL", None)
    r = None
    for _attempt in range(3):  # a new port if another process took the one picked
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from computegov.cli import main; main()", "serve", "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            deadline = time.monotonic() + 60  # generous: a loaded 2-core machine
            while proc.poll() is None and r is None:
                try:
                    r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise AssertionError("server did not start within 60 s") from None
                    time.sleep(0.2)
            if r is not None:
                assert r.status_code == 200 and r.json()["database"] == "sqlite"
                assert (tmp_path / "registry.sqlite3").is_file()
                return
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    raise AssertionError("server exited three times before answering")


def test_the_cli_does_not_import_the_server_stack_until_a_command_needs_it() -> None:
    code = (
        "import sys, computegov, computegov.cli; "
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'starlette', 'uvicorn', 'alembic') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(("option", "limit_bytes"), [([], 5 * 1024 * 1024), (["--max-body-mb", "0.01"], 10485)])
def test_serve_max_body_mb_sets_the_request_size_limit(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, option: list[str], limit_bytes: int
) -> None:
    import warnings

    import uvicorn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    result = runner.invoke(app, ["serve", "--port", "8799", *option])
    assert result.exit_code == 0, result.output
    web = served["app"]
    assert web.state.max_body_bytes == limit_bytes  # type: ignore[attr-defined]
    assert served["host"] == "127.0.0.1"
    with TestClient(web) as client:  # type: ignore[arg-type]
        over = client.post("/api/v1/reports", content=b"x" * (limit_bytes + 1),
                           headers={"content-type": "application/json"})
        assert over.status_code == 413 and str(limit_bytes) in over.json()["detail"]
        under = client.post("/api/v1/reports", content=b"{}", headers={"content-type": "application/json"})
        assert under.status_code == 401  # past the size check, stopped by the missing token


def test_serve_rejects_a_non_positive_body_limit(data_dir: Path) -> None:
    result = runner.invoke(app, ["serve", "--max-body-mb", "0"])
    assert result.exit_code == 2


def test_serve_names_organisations_that_can_log_in_but_registered_no_key(data_dir: Path, tmp_path: Path) -> None:
    from computegov.cli.serve import unkeyed_organisations
    from computegov.registry.store import Store

    store = Store()
    store.create_token("no-key-lab")
    store.create_token("keyed-lab")
    pem, _hex = _pem(tmp_path)
    store.add_key("keyed-lab", pem.read_text())
    store.ensure_org("no-token-lab")
    assert unkeyed_organisations(store) == ["no-key-lab"]
    store.close()
