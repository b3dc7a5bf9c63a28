"""The dashboard pages: they render with the catalogue, and bad input shows a message next to
its field (never a stack trace)."""

from __future__ import annotations

from typing import Any

import pytest


def test_dashboard_links_every_tool(page_client: Any) -> None:
    page = page_client.get("/")
    assert page.status_code == 200
    for href in ("/catalog", "/trends", "/policy", "/compute", "/plan", "/registry"):
        assert f'href="{href}"' in page.text


def test_catalogue_filters_sorts_and_links_chip_detail(page_client: Any) -> None:
    page = page_client.get("/catalog", params={"q": "H100", "sort": "name", "order": "asc"})
    assert page.status_code == 200
    assert "H100" in page.text
    chip = page_client.get("/catalog/chip", params={"name": "H100"})
    assert chip.status_code == 200
    assert "Source" in chip.text and "epoch.ai" in chip.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "last year"}, "since"),
        ({"until": "3000"}, "until"),
        ({"kind": "quantum"}, "kind"),
        ({"sort": "price; DROP"}, "sort"),
        ({"datacenter": "maybe"}, "datacenter"),
    ],
)
def test_catalogue_field_errors_show_next_to_the_field(page_client: Any, params: dict[str, str], field: str) -> None:
    page = page_client.get("/catalog", params=params)
    assert page.status_code == 200
    assert f'id="e-{field}"' in page.text or f"{field}:" in page.text
    assert "Traceback" not in page.text


def test_unknown_chip_page_suggests_names(page_client: Any) -> None:
    page = page_client.get("/catalog/chip", params={"name": "H10"})
    assert page.status_code in {200, 404}
    assert 'id="e-name"' in page.text or "H100" in page.text


def test_chip_api_matches_the_catalogue(page_client: Any) -> None:
    from computegov.catalog import load_catalog

    chip = load_catalog().get("H100")
    data = page_client.get("/api/v1/chip", params={"name": "h100 sxm"}).json()
    assert data["name"] == chip.name
    assert data["peak_flop_per_s"]["bf16"] == chip.peak("bf16")
    listing = page_client.get("/api/v1/chips", params={"kind": "tpu", "sort": "name", "order": "asc"}).json()
    names = [c["name"] for c in listing["chips"]]
    assert names == sorted(names, key=str.lower) and all(c["kind"] == "tpu" for c in listing["chips"])
    assert listing["total"] == len(load_catalog().filter(kind="tpu"))
    assert page_client.get("/api/v1/chip", params={"name": "no such chip zz"}).status_code == 404


def test_compute_calculator_renders_estimate_and_thresholds(page_client: Any) -> None:
    pytest.importorskip("computegov.compute")
    page = page_client.get("/compute", params={"params": "70B", "tokens": "15T"})
    assert page.status_code == 200
    assert "6.3e+24" in page.text  # 6 x 70e9 x 15e12 (Kaplan et al. 2020 / Hoffmann et al. 2022)
    assert "eu-ai-act-art51-systemic-risk" in page.text
    api = page_client.get("/api/v1/compute/check", params={"params": "70B", "tokens": "15T"}).json()
    assert api["estimate"]["flop"] == pytest.approx(6 * 70e9 * 15e12, rel=1e-9)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"params": "7b", "tokens": "1T"}, "params"),
        ({"params": "7B", "tokens": "-5"}, "tokens"),
        ({"params": "7B", "tokens": "1T", "utilisation": "1.5"}, "utilisation"),
        ({"params": "7B", "tokens": "1T", "date": "yesterday"}, "date"),
        ({"params": "7B", "tokens": "1T", "precision": "fp3"}, "precision"),
    ],
)
def test_compute_field_errors_show_next_to_the_field(page_client: Any, params: dict[str, str], field: str) -> None:
    pytest.importorskip("computegov.compute")
    page = page_client.get("/compute", params=params)
    assert page.status_code == 422
    assert f'id="e-{field}"' in page.text
    assert "Traceback" not in page.text
    api = page_client.get("/api/v1/compute/check", params=params)
    assert api.status_code == 422 and field in api.json()["errors"]


def test_compute_library_errors_are_shown_as_a_message(page_client: Any) -> None:
    pytest.importorskip("computegov.compute")
    page = page_client.get("/compute", params={"chip": "no such chip zz", "chip_count": "8", "days": "1"})
    assert page.status_code == 422
    assert 'class="error-box"' in page.text


@pytest.mark.parametrize("path", ["/trends", "/policy", "/plan"])
def test_tool_pages_render_whether_or_not_their_module_is_built(page_client: Any, path: str) -> None:
    page = page_client.get(path)
    assert page.status_code == 200
    assert "Traceback" not in page.text


def test_unknown_pages_get_a_small_404_page(page_client: Any) -> None:
    page = page_client.get("/no/such/page")
    assert page.status_code == 404 and "<html" in page.text
