"""The FastAPI application: dashboard pages, the JSON API under ``/api/v1`` and the registry.

Build it with :func:`create_app`; ``computegov serve`` runs it with uvicorn. Everything the app
needs (the database, the verifier, the catalogue) is passed in or defaults to the library's,
so tests run it in-process against SQLite or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from computegov.errors import ComputegovError, UnknownNameError
from computegov.registry.jsonlimits import MAX_JSON_DEPTH, exceeds_depth
from computegov.registry.store import Store
from computegov.registry.verification import Verifier, default_verifier

__all__ = ["DEFAULT_BODY_TIMEOUT_S", "DEFAULT_MAX_BODY_BYTES", "create_app"]

logger = logging.getLogger(__name__)

#: Largest request body accepted, bytes (5 MiB: a report with a ledger of ~10,000 records of 400-600 bytes).
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
#: Seconds a client has to send a whole request body (5 MiB at 1 Mbit/s takes 42 s).
DEFAULT_BODY_TIMEOUT_S = 60.0
_HERE = Path(__file__).parent

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    # Vega compiles its expressions with Function(), hence 'unsafe-eval'; nothing is loaded
    # from other origins.
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'self'",
    ),
]


class BodyTooLargeError(StarletteHTTPException):
    """Raised while reading a request body past the limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def _json_body_expected(scope: Scope) -> bool:
    """True for a request whose body the API will parse as JSON.

    FastAPI parses a body as JSON for a JSON content type, or for none at all.
    """
    if scope.get("method") not in {"POST", "PUT", "PATCH"} or not str(scope.get("path", "")).startswith("/api/"):
        return False
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
    return True


class BodyTimeoutError(StarletteHTTPException):
    """Raised when a request body does not arrive within the body timeout (HTTP 408)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(408, f"request body not received within {timeout_s:g} s")


class GuardMiddleware:
    """Pure-ASGI middleware: body-size limit (413), body timeout (408), JSON depth limit (422), security headers.

    A JSON body to the API is read whole (it is at most ``max_body_bytes``) and refused with 422
    when it nests deeper than :data:`~computegov.registry.jsonlimits.MAX_JSON_DEPTH` levels,
    before any JSON decoder recurses into it; otherwise it is handed on unchanged. Every body
    must arrive whole within ``body_timeout_s`` of the request head, however it trickles in;
    otherwise the answer is 408 with ``Connection: close`` (see :mod:`computegov.web.server`).
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    await _plain_error(send_with_headers, 400, "invalid Content-Length header")
                    return
                if declared > limit:
                    await _plain_error(
                        send_with_headers, 413, f"request body larger than {limit} bytes"
                    )
                    return
        received = 0
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s
        body_done = False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # after the body, receive() waits for a disconnect: no deadline
                return await receive()
            left = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.0))
            except TimeoutError:
                raise BodyTimeoutError(self.body_timeout_s) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        downstream_receive: Receive = limited_receive
        try:
            if _json_body_expected(scope):
                chunks: list[bytes] = []
                while True:
                    message = await limited_receive()
                    if message["type"] != "http.request":
                        break
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
                body = b"".join(chunks)
                if exceeds_depth(body.decode("utf-8", errors="replace")):
                    await _plain_error(send_with_headers, 422,
                                       f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels; not accepted",
                                       field="body")
                    return
                replayed = False

                async def replay_receive() -> Message:
                    nonlocal replayed
                    if not replayed:
                        replayed = True
                        return {"type": "http.request", "body": body, "more_body": False}
                    return await receive()

                downstream_receive = replay_receive
            await self.app(scope, downstream_receive, send_with_headers)
        except BodyTooLargeError:
            if not started:
                await _plain_error(send_with_headers, 413, f"request body larger than {limit} bytes")
        except BodyTimeoutError as err:
            if not started:
                await _plain_error(send_with_headers, 408, str(err.detail), close=True)


async def _plain_error(send: Send, status: int, detail: str, field: str | None = None, *,
                       close: bool = False) -> None:
    import json

    body = json.dumps({"detail": detail, **({"field": field} if field else {})}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *([(b"connection", b"close")] if close else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@functools.cache
def vega_bundle_js() -> str:
    """vega, vega-lite and vega-embed as one script (from vl-convert; no CDN), cached."""
    import vl_convert

    return str(vl_convert.javascript_bundle())  # type: ignore[call-arg]  # the stub omits the default


def _error_payload(err: ComputegovError) -> dict[str, Any]:
    out: dict[str, Any] = {"detail": str(err)}
    field = getattr(err, "field", None)
    if field:
        out["field"] = field
    keyid = getattr(err, "keyid", None)
    if keyid:
        out["keyid"] = keyid
    if isinstance(err, UnknownNameError) and err.candidates:
        out["candidates"] = list(err.candidates)
    errors = getattr(err, "errors", None)
    if isinstance(errors, dict):
        out["errors"] = errors
    return out


def _status_of(err: ComputegovError) -> int:
    status = getattr(err, "status_code", None)
    if isinstance(status, int):
        return status
    if isinstance(err, UnknownNameError):
        return 404
    return 422


def create_app(
    database_url: str | None = None,
    *,
    store: Store | None = None,
    verifier: Verifier | None = None,
    catalog_loader: Callable[[], Any] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S,
    warm_pages: bool = False,
) -> FastAPI:
    """Build the web application.

    Args:
        database_url: SQLAlchemy URL of the registry database; None means SQLite in the user
            data dir (``$COMPUTEGOV_DATA_DIR`` overrides it). Migrations run on startup.
        store: an open :class:`Store` to use instead of ``database_url``.
        verifier: verifies submitted reports; default :func:`default_verifier` (the ledger's).
        catalog_loader: returns the :class:`~computegov.catalog.Catalog` to show; default
            :func:`computegov.catalog.load_catalog`.
        max_body_bytes: largest request body accepted, bytes; larger ones get 413.
        body_timeout_s: a request body must arrive whole within this many seconds, else 408.
        warm_pages: compute the slow pages' default results (``/clusters``) in a background thread
            now, so the first visitor does not wait (``computegov serve`` sets it).

    Returns:
        The FastAPI app (ASGI), OpenAPI schema at ``/api/v1/openapi.json``, docs at ``/api/docs``.
    """
    from computegov.registry import api, log_api, verdicts_api
    from computegov.web import api as web_api
    from computegov.web import cluster_pages, emerging_pages, outlook_pages, pages

    app = FastAPI(
        title="computegov",
        version=_version(),
        summary="AI hardware, training compute and export-control numbers, and a registry of "
        "signed compute reports.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # FastAPI's Swagger UI loads from a CDN; /api/docs is rendered here instead
        redoc_url=None,
    )
    app.state.store = store or Store(database_url)
    app.state.verifier = verifier or default_verifier()
    app.state.max_body_bytes = max_body_bytes
    if catalog_loader is None:
        from computegov.catalog import load_catalog

        catalog_loader = load_catalog
    app.state.catalog_loader = catalog_loader
    app.add_middleware(GuardMiddleware, max_body_bytes=max_body_bytes, body_timeout_s=body_timeout_s)
    from computegov.web.csv_export import CsvMiddleware

    app.add_middleware(CsvMiddleware)  # ?format=csv / Accept: text/csv on every /api/v1 answer with rows

    @app.exception_handler(ComputegovError)
    async def _computegov_error(request: Request, err: ComputegovError) -> Response:
        status = _status_of(err)
        if request.url.path.startswith("/api/"):
            return JSONResponse(_error_payload(err), status_code=status)
        return pages.error_page(request, status, str(err))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or err.status_code == 413:
            return JSONResponse({"detail": err.detail}, status_code=err.status_code, headers=err.headers)
        return pages.error_page(request, err.status_code, str(err.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, err: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in err.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        detail = f"{where}: {first['msg']}" if where else str(first["msg"])
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail, "errors": errors}, status_code=422)
        return pages.error_page(request, 422, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> Response:  # pragma: no cover
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "internal error; see the server log"}, status_code=500)
        return pages.error_page(request, 500, "internal error; see the server log")

    @app.get("/static/vega-bundle.js", include_in_schema=False)
    def _vega_bundle() -> Response:
        return Response(
            vega_bundle_js(),
            media_type="text/javascript",
            headers={"cache-control": "public, max-age=86400"},
        )

    @app.get("/api/docs", include_in_schema=False)
    def _api_docs(request: Request) -> Response:
        return pages.api_docs_page(request, app.openapi())

    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    for router in (
        web_api.router, api.router, log_api.router, log_api.budget_router, verdicts_api.router,
        cluster_pages.api_router, cluster_pages.page_router, emerging_pages.api_router,
        emerging_pages.page_router, outlook_pages.api_router, outlook_pages.page_router,
        pages.router,
    ):
        app.include_router(router)
    if warm_pages:
        from computegov.web.cluster_page import start_warming

        start_warming()
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("computegov")
    except Exception:  # pragma: no cover - not installed
        return "0"


def html_response(text: str, status_code: int = 200) -> HTMLResponse:
    """An HTML response (used by the page helpers)."""
    return HTMLResponse(text, status_code=status_code)
