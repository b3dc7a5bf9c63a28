"""A verifier's HTTP client for the registry API (standard library only, core install).

:func:`http_transport` speaks HTTP(S) with a bearer token; tests swap it for one that answers from
an in-process app. :class:`RegistryClient` turns answers into values and errors into
:class:`~computegov.errors.InputError` subclasses with the server's own message, so the CLI
exits 2 naming what went wrong (a bad URL, an unknown digest, a token of a lab).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from computegov.errors import InputError
from computegov.registry.errors import ForbiddenError, NotFoundError

__all__ = ["RegistryClient", "Transport", "http_transport"]

#: ``transport(method, path, json_body or None) -> (HTTP status, body bytes)``; path starts with ``/api/v1/``.
Transport = Callable[[str, str, Any], tuple[int, bytes]]


def http_transport(base_url: str, token: str | None, *, timeout_s: float = 60.0, what: str = "--url") -> Transport:
    """A :data:`Transport` over HTTP(S) to ``base_url``, sending ``token`` (if any) as a bearer token.

    Args:
        base_url: the registry's base URL.
        token: an API token, or None for public reads.
        timeout_s: timeout of each request, s.
        what: how the user gave ``base_url`` (named in the error).

    Raises:
        InputError: ``base_url`` is not an http(s) URL with a host; later, when a request cannot
            reach the registry.
    """
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what} {base_url!r}: expected the registry's base URL, e.g. https://registry.example.org")
    base = base_url.rstrip("/")

    def transport(method: str, path: str, body: Any) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as resp:
                return int(resp.status), resp.read()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise InputError(f"cannot reach the registry at {base}: {getattr(err, 'reason', err)}") from None

    return transport


def _detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode(errors="replace")
    return str(data.get("detail", data)) if isinstance(data, dict) else str(data)[:200]


class RegistryClient:
    """The calls a verifier makes, over a :data:`Transport`."""

    def __init__(self, transport: Transport) -> None:
        """Args: transport: how requests reach the registry."""
        self.transport = transport

    def call(self, method: str, path: str, body: Any = None, *, ok: tuple[int, ...] = (200,)) -> bytes:
        """The answer's body when its status is in ``ok``.

        Raises:
            NotFoundError: 404. ForbiddenError: 401 or 403. InputError: any other status.
        """
        status, data = self.transport(method, path, body)
        if status in ok:
            return data
        detail = _detail(data)
        if status == 404:
            raise NotFoundError(f"{method} {path}: not found (404): {detail}")
        if status in (401, 403):
            raise ForbiddenError(f"{method} {path}: refused ({status}): {detail}")
        raise InputError(f"{method} {path}: the registry answered HTTP {status}: {detail}")

    def json(self, method: str, path: str, body: Any = None, *, ok: tuple[int, ...] = (200,)) -> Any:
        """:meth:`call`, parsed as JSON.

        Raises:
            InputError: the answer is not JSON (see also :meth:`call`).
        """
        data = self.call(method, path, body, ok=ok)
        try:
            return json.loads(data)
        except ValueError:
            raise InputError(f"{method} {path}: the registry's answer is not JSON") from None

    def claim(self, digest: str) -> dict[str, Any]:
        """Claim report ``digest`` for audit (idempotent)."""
        out: dict[str, Any] = self.json("POST", f"/api/v1/reports/{digest}/claims", ok=(200, 201))["claim"]
        return out

    def report(self, digest: str) -> dict[str, Any]:
        """The report as the API serves it (envelope included)."""
        out: dict[str, Any] = self.json("GET", f"/api/v1/reports/{digest}")
        return out

    def ledger(self, digest: str) -> bytes | None:
        """The ledger submitted with the report, or None when there was none."""
        status, data = self.transport("GET", f"/api/v1/reports/{digest}/ledger", None)
        if status == 404:
            return None
        if status != 200:
            raise InputError(f"GET ledger of {digest}: the registry answered HTTP {status}: {_detail(data)}")
        return data

    def post_verdict(self, digest: str, envelope: dict[str, Any]) -> dict[str, Any]:
        """POST a signed counter-verdict; the registry's answer."""
        out: dict[str, Any] = self.json("POST", f"/api/v1/reports/{digest}/verdicts", {"envelope": envelope},
                                        ok=(201,))
        return out
