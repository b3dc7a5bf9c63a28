"""/policy asks the destination and answers first in plain words, numbers formatted for people."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('policy') / 'r.sqlite3'}")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_licence_answer_comes_first_with_its_deciding_clause_and_margin(client: Any) -> None:
    r = client.get("/policy", params={"mode": "classify", "chip": "MI325X", "destination": "CN"})
    assert r.status_code == 200
    answer = _text(re.search(r'<div class="answer" id="licence">(.*?)</div>', r.text, re.S).group(1))
    assert "to China: licence required, review case by case" in answer
    assert "TPP &lt; 21,000" in answer and "20,919" in answer and "(-0.4%)" in answer
    assert r.text.index('id="licence"') < r.text.index('id="conditions"')
    conditions = _text(re.search(r'id="conditions">(.*?)</table>', r.text, re.S).group(1))
    assert "TPP ≥ 4,800" in conditions and "2.09e+04" not in conditions and "tpp >=" not in conditions
    api = client.get("/api/v1/policy/classify", params={"chip": "MI325X", "destination": "CN"}).json()
    assert api["licence"]["review_policy"] == "case_by_case"
    assert api["licence"]["deciding"]["threshold"] == 21000


def test_an_unknown_destination_is_named_by_its_field(client: Any) -> None:
    r = client.get("/policy", params={"mode": "classify", "chip": "H20", "destination": "Atlantis"})
    assert r.status_code == 422 and "Atlantis" in r.text and 'id="licence"' not in r.text


def test_without_a_destination_there_is_no_licence_answer(client: Any) -> None:
    r = client.get("/policy", params={"mode": "classify", "chip": "H20"})
    assert r.status_code == 200 and 'id="licence"' not in r.text
