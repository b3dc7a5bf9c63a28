"""An HTTP client for the registry API, for labs and verifiers (standard library only, core install).

:func:`http_transport` speaks HTTP(S) with a bearer token; tests swap it for one that answers from
an in-process app. :class:`RegistryClient` turns answers into values and errors into
:class:`~computegov.errors.InputError` subclasses with the server's own message, so the CLI
exits 2 naming what went wrong (a bad URL, an unknown digest, a token of a lab, a report another
organisation holds). :func:`submit_report_files` is ``computegov registry submit``: it posts the
documented body ``{"envelope": <the report file's JSON>, "ledger": <the ledger's text or null>}``
to ``POST /api/v1/reports``.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from computegov.durable import write_atomic
from computegov.errors import InputError
from computegov.registry.errors import ForbiddenError, NotFoundError

__all__ = ["RegistryClient", "SubmitResult", "Transport", "http_transport", "submission_body", "submit_report_files"]

#: Largest report or ledger file read for a submission, bytes (the server's default body limit is 5 MiB;
#: an operator may raise it with ``computegov serve --max-body-mb``).
MAX_SUBMIT_FILE_BYTES = 256 * 1024 * 1024

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
        """POST a signed counter-verdict (superseding this verifier's previous one); the registry's answer."""
        out: dict[str, Any] = self.json("POST", f"/api/v1/reports/{digest}/verdicts", {"envelope": envelope},
                                        ok=(200, 201))  # 200: identical to the live one
        return out

    def submit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST a report submission; (201 stored or 200 already stored, the registry's answer).

        Raises:
            ForbiddenError: 401/403 (a bad token, or not signed by a key registered to the organisation).
            InputError: 409 (another organisation holds it), 413, 422 and others, with the server's message.
        """
        status, data = self.transport("POST", "/api/v1/reports", body)
        if status not in (200, 201):
            detail = _detail(data)
            if status in (401, 403):
                raise ForbiddenError(f"POST /api/v1/reports: refused ({status}): {detail}")
            raise InputError(f"POST /api/v1/reports: the registry answered HTTP {status}: {detail}")
        try:
            answer = json.loads(data)
        except ValueError:
            raise InputError("POST /api/v1/reports: the registry's answer is not JSON") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("report"), dict):
            raise InputError("POST /api/v1/reports: the registry's answer has no 'report'")
        return status, answer


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    """A submission's answer: stored now (``created``) or before, the stored report, and its receipt if any.

    Attributes:
        created: True when the registry stored it now (HTTP 201), False when it was stored already (200).
        report: the stored report as the registry answered (``digest_sha256``, ``outcome``, ...).
        receipt: the signed receipt (entry, inclusion proof, checkpoint) when the answer carries one.
        receipt_file: where the receipt was saved, or None.
    """

    created: bool
    report: dict[str, Any]
    receipt: Any = None
    receipt_file: str | None = None

    @property
    def exit_code(self) -> int:
        """0 when the stored report's outcome is ``verified``; 1 when stored but failed or incomplete."""
        return 0 if self.report.get("outcome") == "verified" else 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"created": self.created, "digest_sha256": self.report.get("digest_sha256"),
                "outcome": self.report.get("outcome"), "partial": self.report.get("partial"),
                "organisation": self.report.get("organisation"), "report": self.report,
                "receipt": self.receipt, "receipt_file": self.receipt_file, "exit_code": self.exit_code}


def submission_body(report_file: Path, ledger_file: Path | None = None) -> dict[str, Any]:
    """The documented ``POST /api/v1/reports`` body for a report file and, optionally, its ledger.

    Raises:
        DataError: a file is not a regular file, too large, not UTF-8, or (the report) not JSON
            (see :mod:`computegov.inputfiles`).
        InputError: the report file is not a DSSE envelope object.
    """
    from computegov.inputfiles import read_input_json, read_input_text

    envelope = read_input_json(report_file, what="report file", max_bytes=MAX_SUBMIT_FILE_BYTES)
    if not isinstance(envelope, dict) or not {"payloadType", "payload", "signatures"} <= set(envelope):
        raise InputError(f"{report_file}: expected a signed compute report (a DSSE envelope with payloadType, "
                         "payload and signatures), e.g. from `computegov measure demo` or RunRecorder.finish")
    ledger = (read_input_text(ledger_file, what="ledger file", max_bytes=MAX_SUBMIT_FILE_BYTES)
              if ledger_file is not None else None)
    return {"envelope": envelope, "ledger": ledger}


def submit_report_files(client: RegistryClient, report_file: Path, ledger_file: Path | None = None, *,
                        receipt_out: Path | None = None) -> SubmitResult:
    """Submit a signed report (and its ledger) to the registry; save the receipt when the answer has one.

    Args:
        client: the registry client (with the submitting organisation's token).
        report_file: the signed report (the DSSE envelope file).
        ledger_file: the run's ledger (JSON lines), or None.
        receipt_out: where to write the answer's ``receipt`` (JSON), if it carries one.

    Raises:
        DataError, InputError: an unreadable file, or the registry refused it (the message is the server's).
    """
    body = submission_body(report_file, ledger_file)
    status, answer = client.submit(body)
    receipt = answer.get("receipt")
    saved = None
    if receipt is not None and receipt_out is not None:
        receipt_out.parent.mkdir(parents=True, exist_ok=True)
        # the receipt is the submitter's only proof of inclusion: never left half-written
        write_atomic(receipt_out, json.dumps(receipt, indent=2, sort_keys=True) + "\n")
        saved = str(receipt_out)
    return SubmitResult(status == 201, answer["report"], receipt, saved)
