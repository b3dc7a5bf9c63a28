"""The outlook API gives the CLI's JSON; the /outlook page shows it, every input a form field, errors beside them."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from computegov.cli import app as cli_app

runner = CliRunner()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    db: Path = tmp_path_factory.mktemp("outlook") / "pages.sqlite3"
    app = create_app(f"sqlite:///{db}")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_api_gives_exactly_the_cli_json(client: Any) -> None:
    args = ["outlook", "--preset", "epoch2024", "--from", "2029", "--to", "2031", "--draws", "1000", "--seed", "4",
            "--set", "power_w=2e9..2e10", "--json"]
    cli = json.loads(runner.invoke(cli_app, args).output)
    api = client.get("/api/v1/outlook", params={"preset": "epoch2024", "from": 2029, "to": 2031, "draws": 1000,
                                                "seed": 4, "set": "power_w=2e9..2e10"})
    assert api.status_code == 200, api.text
    assert api.json() == json.loads(json.dumps(cli))


def test_api_names_a_bad_override(client: Any) -> None:
    r = client.get("/api/v1/outlook", params={"preset": "epoch2024", "set": "power_w=lots", "draws": 500})
    assert r.status_code == 422
    assert "in_power_w" in r.text


def test_sensitivity_api_ranks_inputs(client: Any) -> None:
    r = client.get("/api/v1/outlook/sensitivity", params={"preset": "epoch2024", "draws": 300})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert rows[0]["swing_log10"] >= rows[-1]["swing_log10"]


def test_page_shows_every_input_as_a_field_and_the_result(client: Any) -> None:
    r = client.get("/outlook", params={"preset": "epoch2024", "draws": 1000, "in_power_w": "5e9"})
    assert r.status_code == 200, r.text
    for name in ("power_w", "flop_per_j", "tokens_per_param", "latency_per_layer_s"):
        assert f'name="in_{name}"' in r.text
    assert 'value="5e9"' in r.text
    assert 'id="outlook-table"' in r.text and 'id="tornado-table"' in r.text and 'id="anchor-table"' in r.text


def test_page_shows_a_bad_override_beside_its_field_with_422(client: Any) -> None:
    r = client.get("/outlook", params={"preset": "epoch2024", "draws": 1000, "in_utilisation": "1.5"})
    assert r.status_code == 422
    assert 'id="e-in_utilisation"' in r.text and 'id="outlook-table"' not in r.text
