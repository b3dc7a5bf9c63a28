"""The dashboard and the JSON API answer the same forecast and probability questions as the CLI."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    path = tmp_path_factory.mktemp("registry") / "trends.sqlite3"
    with TestClient(create_app(f"sqlite:///{path}"), raise_server_exceptions=False) as c:
        yield c


def test_api_probability_matches_the_python_api(client: Any) -> None:
    from computegov.catalog import load_catalog
    from computegov.trends.record import prob_exceeds

    params = {"metric": "flop_per_j", "above": "1e12", "years": "2028,2030", "seed": "4"}
    api = client.get("/api/v1/trends/prob", params=params)
    assert api.status_code == 200, api.text
    data = api.json()
    direct = prob_exceeds(load_catalog(), "flop_per_j", 1e12, [2028, 2030], "ml", seed=4)
    assert [row["probability"] for row in data["by_year"]] == pytest.approx(list(direct.probability))
    assert "hindcasts" in data["methods"][0]["coverage_note"]


def test_api_overtake_and_bad_questions(client: Any) -> None:
    ok = client.get("/api/v1/trends/prob", params={"group_a": "!NVIDIA", "group_b": "NVIDIA", "years": "2029"})
    assert ok.status_code == 200, ok.text
    assert 0.0 <= ok.json()["by_year"][0]["probability"] <= 1.0
    both = client.get("/api/v1/trends/prob", params={"above": "1e12", "group_a": "AMD", "group_b": "NVIDIA"})
    assert both.status_code == 422
    far = client.get("/api/v1/trends/prob", params={"above": "1e12", "years": "2500"})
    assert far.status_code == 422 and "2100" in far.text


def test_dashboard_shows_the_record_forecast_with_its_coverage_and_probability(client: Any) -> None:
    params = {"metric": "flop_per_j", "scenario": "trend", "to_year": "2030", "above": "1e12"}
    api = client.get("/api/v1/trends/forecast", params=params).json()
    record = api["record_forecast"]
    assert record["method"].endswith("+cal") and "hindcasts since" in record["coverage_note"]
    assert api["forecasts"][0]["scenario"] == record["method"]
    assert [row["year"] for row in api["probability"]["by_year"]][-1] == 2030
    page = client.get("/trends", params=params)
    assert page.status_code == 200
    assert 'id="record-note"' in page.text and 'id="probability"' in page.text
    assert "bands held" in page.text
