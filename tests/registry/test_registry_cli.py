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
    port = _free_port()
    env = {**os.environ, "COMPUTEGOV_DATA_DIR": str(tmp_path)}
    env.pop("COMPUTEGOV_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from computegov.cli import main; main()", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(proc.stdout.read() if proc.stdout else "server did not start") from None
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["database"] == "sqlite"
        assert (tmp_path / "registry.sqlite3").is_file()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_cli_does_not_import_the_server_stack_until_a_command_needs_it() -> None:
    code = (
        "import sys, computegov, computegov.cli; "
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'starlette', 'uvicorn', 'alembic') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
