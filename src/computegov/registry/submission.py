"""Parse and validate a compute-report submission before anything touches the database.

A submission is JSON ``{"envelope": <DSSE envelope>, "ledger": <JSONL text or null>,
"public_key": <PEM or null>}``. The envelope must hold an in-toto Statement v1
(``payloadType`` ``application/vnd.in-toto+json``). Everything is checked here, so a rejected
submission stores nothing and gets a 4xx with a message naming the field:

* the DSSE payload and every ledger line are parsed with limits
  (:mod:`computegov.registry.jsonlimits`): nesting deeper than ``MAX_JSON_DEPTH`` (64) levels,
  a duplicate key, or a ledger line over ``MAX_LEDGER_LINE_BYTES`` (1 MiB) is refused with 422
  before the decoder could recurse;
* base64 fields (``payload``, ``sig``) must be strict standard base64;
* ``public_key`` is never trusted: it may only name one of the submitting organisation's
  *registered* keys (see :mod:`computegov.registry.signers`); it must be a PEM the
  ``cryptography`` package can load;
* every other string (Statement keys and values, ledger record keys and values) must be
  *plain text* (:func:`check_plain_text`): no control characters other than newline and tab
  (Unicode spaces such as U+00A0 are fine), no ``<``, ``>`` or backtick, no ``..`` path
  segment (also URL-encoded), and nothing shaped like an SQL-injection payload.

This is defence in depth, not the defence: every query is parameterised by SQLAlchemy (no
string is ever spliced into SQL) and every page is rendered by Jinja2 with autoescaping, so
a stored string could neither change a query nor inject markup. The heuristic keeps hostile
strings out of the registry (and out of whatever downstream tools read it) and is deliberately
narrow so that ordinary names pass: ``O'Brien Labs``, ``Llama 3.1 405B``,
``GPT-4o (May 2024)``, ``Model; v2``, ``naïve-model``, ``European Union select committee``.

A stored report is addressed by the SHA-256 of its envelope's canonical JSON (sorted keys, no
spaces), so the same envelope always maps to the same record however it was formatted. Its
*identity* is the SHA-256 of its payload, the Statement in canonical JSON
(:attr:`ParsedSubmission.payload_sha256`): signatures appended to, removed from or re-made over
the same Statement (or the Statement re-encoded) give another envelope but the same report, so
the registry refuses the same payload from another organisation whatever signatures it carries.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import math
import re
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from computegov.registry.errors import SubmissionError
from computegov.registry.jsonlimits import MAX_JSON_DEPTH, MAX_LEDGER_LINE_BYTES, loads_limited
from computegov.registry.signers import parse_key

__all__ = [
    "IN_TOTO_PAYLOAD_TYPE",
    "MAX_JSON_DEPTH",
    "MAX_LEDGER_LINE_BYTES",
    "STATEMENT_TYPE",
    "ParsedSubmission",
    "SubmissionError",
    "canonical_json",
    "check_plain_text",
    "parse_public_key",
    "parse_submission",
    "payload_digest",
]

#: DSSE payload type of an in-toto Statement (in-toto attestation spec, envelope.md).
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: ``_type`` of an in-toto Statement v1 (in-toto attestation spec, statement.md).
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"

MAX_TEXT_CHARS = 4096
MAX_SIGNATURES = 16
MAX_LEDGER_LINES = 200_000

_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_KEYID = re.compile(r"^[A-Za-z0-9_:+=-][A-Za-z0-9._:+=-]{0,255}$|^$")
_FORBIDDEN_CHARS = frozenset("<>`")
_TRAVERSAL = re.compile(r"(^|[/\\])\.\.([/\\]|$)|%2e%2e|%252e|\.\.%2f|\.\.%5c", re.IGNORECASE)
#: Shapes of SQL-injection payloads, each with the words the error message uses. They are
#: deliberately narrow (a quote *followed by* an SQL operator, a statement *after* ``;``, a
#: tautology such as ``1=1``) so that ordinary names such as ``O'Brien Labs``, ``Model; v2``,
#: ``GPT-4o (May 2024)`` or ``benchmark (MMLU)`` pass.
_SQL_INJECTION: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.DOTALL), what)
    for pattern, what in (
        # ' OR '1'='1   " or ""="   ' AND 1=0   ') OR ('a'='a   ' OR TRUE
        (r"['\"]\s*\)?\s*\b(or|and)\b\s*\(?\s*(\S+?\s*(=|<>|!=|\blike\b)|true\b|false\b"
         r"|not\s|null\b|\d+\s*(--|#|;|$))",
         "a quote followed by OR/AND and a condition"),
        # admin'--   admin'#   admin'/*
        (r"['\"]\s*\)?\s*((--|#)(\s|$)|/\*)", "a quote followed by an SQL comment"),
        # '; DROP TABLE x   1; DELETE FROM x   ; EXEC xp_cmdshell
        (r";\s*(drop\s+(table|database|schema|index|view)|delete\s+from|insert\s+into"
         r"|update\s+\S+\s+set|select\s.+\sfrom|alter\s+(table|database|role|user)"
         r"|create\s+(table|database|role|user|function)|truncate\s+(table\s+)?\S"
         r"|exec(ute)?\s*[\s(]|shutdown\b|grant\s|revoke\s)",
         "a second SQL statement after ';'"),
        (r"\bunion\s+(all\s+|distinct\s+)?select\s+(\S+\s*,|\S+\s+from\b|null\b|\*|\d|@|['\"(])",
         "UNION SELECT"),
        (r"/\*.*?\*/", "an SQL comment /* ... */"),
        # OR 1=1   AND 'a'='a'   or 2 = 2
        (r"\b(or|and)\s+(\d+)\s*=\s*\2\b|\b(or|and)\s+(['\"])(\w*)\4\s*=\s*\4\5\4",
         "a tautology such as OR 1=1"),
        (r"\b(pg_sleep|sleep|benchmark|dbms_pipe\.receive_message)\s*\(\s*\d"
         r"|\bwaitfor\s+delay\b|\bxp_cmdshell\b|\bload_file\s*\(|\binto\s+(out|dump)file\b",
         "a time-delay or file-access SQL function"),
    )
)

#: Cheap first pass: every pattern above needs one of these, so most strings stop here.
_SQL_PREFILTER = re.compile(
    r"['\";]|/\*|\b(union|or|and|sleep|pg_sleep|benchmark|dbms_pipe|waitfor|xp_cmdshell|load_file|into)\b",
    re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True)
class ParsedSubmission:
    """A validated submission.

    Attributes:
        envelope: the DSSE envelope as parsed JSON.
        statement: the decoded in-toto Statement.
        ledger_text: the ledger as JSONL text, or None.
        public_key_pem: a public key in PEM, or None: as submitted, only a *hint* naming one of
            the organisation's registered keys; after the API resolves the signer, the
            registered key that signed the report (the one the verifier trusts).
        digest_sha256: SHA-256 (hex) of the envelope's canonical JSON: the report's identity.
        size_bytes: length of the envelope's canonical JSON plus the ledger, bytes.
        title: a short human title (model or run name, else the first subject).
        total_flop: the report's total training compute, FLOP, when it states one.
        summary: the predicate's headline numbers and names, for listings.
        payload_sha256: SHA-256 (hex) of the Statement's canonical JSON: the report's identity,
            the same whatever signatures the envelope carries or how the payload was encoded.
        key_registered_unix_s: when the signing key was registered, Unix s (set with the signer).
        envelope_json: the envelope's canonical JSON (what ``digest_sha256`` is taken over), made
            once here so that storing it does not serialise the envelope again; "" when not made.
    """

    envelope: dict[str, Any]
    statement: dict[str, Any]
    ledger_text: str | None
    public_key_pem: str | None
    digest_sha256: str
    size_bytes: int
    title: str
    total_flop: float | None
    summary: dict[str, Any]
    payload_sha256: str = ""
    key_registered_unix_s: float | None = None
    envelope_json: str = dataclasses.field(default="", repr=False)


def payload_digest(statement: Any) -> str:
    """SHA-256 (hex) of a Statement's canonical JSON: a report's identity (see the module docstring)."""
    return hashlib.sha256(canonical_json(statement).encode("utf-8")).hexdigest()


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys, no whitespace and no NaN: the form digests are taken over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def check_plain_text(value: str, field: str) -> None:
    """Raise :class:`SubmissionError` unless ``value`` is plain text.

    Rejects control characters (except newline and tab), ``<``, ``>``, backtick, a ``..`` path
    segment (also URL-encoded) and SQL-injection shapes (a quote followed by ``OR``/``AND`` and
    a condition or by an SQL comment, a second statement after ``;``, ``UNION SELECT ...``,
    ``/* */``, tautologies like ``OR 1=1``, ``sleep(5)``/``waitfor delay``). Apostrophes,
    semicolons, brackets and non-ASCII letters in ordinary names are accepted. Rejection is
    defence in depth: queries are parameterised and pages autoescaped regardless.

    Args:
        value: the text.
        field: dotted path of the field, used in the message.

    Raises:
        SubmissionError: naming ``field`` and what was found.
    """
    if len(value) > MAX_TEXT_CHARS:
        raise SubmissionError(field, f"text longer than {MAX_TEXT_CHARS} characters")
    clean = value.isprintable() and _FORBIDDEN_CHARS.isdisjoint(value)
    for char in "" if clean else value:  # the per-character loop only when something is off
        if char in "\n\t":
            continue
        if not char.isprintable() and unicodedata.category(char) != "Zs":
            raise SubmissionError(field, f"control character U+{ord(char):04X} is not allowed")
        if char in _FORBIDDEN_CHARS:
            raise SubmissionError(
                field, f"character {char!r} is not allowed in text fields (no <, > or backtick)"
            )
    if _TRAVERSAL.search(value):
        raise SubmissionError(field, "path traversal ('..' path segment) is not allowed")
    if not _SQL_PREFILTER.search(value):
        return
    for pattern, what in _SQL_INJECTION:
        if pattern.search(value):
            raise SubmissionError(
                field, f"looks like an SQL-injection string ({what}); not accepted"
            )


def _strings(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every (field path, string) in a JSON value, keys included."""
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield f"{path}.{key}", str(key)
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise SubmissionError(path, "NaN and infinity are not allowed")
    elif type(obj) is int and abs(obj) > sys.float_info.max:  # 10**400: no float can hold it
        raise SubmissionError(path, "integer too large for a JSON number (beyond IEEE 754 double range)")


def _strict_b64(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise SubmissionError(field, "expected a non-empty base64 string")
    if len(value) % 4 or not _BASE64.fullmatch(value):
        raise SubmissionError(field, "not valid standard base64 (RFC 4648, with padding)")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as err:
        raise SubmissionError(field, f"not valid base64: {err}") from err
    if base64.b64encode(raw).decode("ascii") != value:  # stray bits in the last character
        raise SubmissionError(field, "not the canonical base64 of its bytes (stray bits before the padding)")
    return raw


def _parse_envelope(envelope: Any) -> dict[str, Any]:
    if not isinstance(envelope, dict):
        raise SubmissionError("envelope", "expected a DSSE envelope object")
    unknown = set(envelope) - {"payloadType", "payload", "signatures"}
    if unknown:
        raise SubmissionError("envelope", f"unknown keys {sorted(unknown)!r}; a DSSE envelope has "
                              "payloadType, payload and signatures")
    if envelope.get("payloadType") != IN_TOTO_PAYLOAD_TYPE:
        raise SubmissionError(
            "envelope.payloadType", f"expected {IN_TOTO_PAYLOAD_TYPE!r} (an in-toto Statement)"
        )
    raw = _strict_b64(envelope.get("payload"), "envelope.payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not 1 <= len(signatures) <= MAX_SIGNATURES:
        raise SubmissionError(
            "envelope.signatures", f"expected a list of 1 to {MAX_SIGNATURES} signatures"
        )
    for i, sig in enumerate(signatures):
        where = f"envelope.signatures[{i}]"
        if not isinstance(sig, dict) or set(sig) - {"keyid", "sig"}:
            raise SubmissionError(where, "expected an object with 'sig' and optionally 'keyid'")
        keyid = sig.get("keyid", "")
        if not isinstance(keyid, str) or not _KEYID.fullmatch(keyid) or ".." in keyid:
            raise SubmissionError(
                f"{where}.keyid", "expected up to 256 of A-Z a-z 0-9 . _ : + = - (no '..')"
            )
        _strict_b64(sig.get("sig"), f"{where}.sig")
    statement = loads_limited(raw, "envelope.payload", what="does not decode to UTF-8 JSON")
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise SubmissionError("envelope.payload._type", f"expected an in-toto Statement {STATEMENT_TYPE!r}")
    subjects = statement.get("subject")
    if not isinstance(subjects, list):
        raise SubmissionError("envelope.payload.subject", "expected a list of subjects")
    if not isinstance(statement.get("predicateType"), str):
        raise SubmissionError("envelope.payload.predicateType", "expected a URI string")
    if not isinstance(statement.get("predicate", {}), dict):
        raise SubmissionError("envelope.payload.predicate", "expected an object")
    for field, text in _strings(statement, "envelope.payload"):
        check_plain_text(text, field)
    return statement


def _parse_ledger(ledger: Any) -> str | None:
    if ledger is None:
        return None
    if not isinstance(ledger, str):
        raise SubmissionError("ledger", "expected the ledger file's text (JSON lines) or null")
    lines = ledger.splitlines()
    if len(lines) > MAX_LEDGER_LINES:
        raise SubmissionError("ledger", f"more than {MAX_LEDGER_LINES} records")
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LEDGER_LINE_BYTES // 4 and len(line.encode("utf-8")) > MAX_LEDGER_LINE_BYTES:
            raise SubmissionError(f"ledger line {n}", f"longer than {MAX_LEDGER_LINE_BYTES} bytes")
        record = loads_limited(line, f"ledger line {n}")
        if not isinstance(record, dict):
            raise SubmissionError(f"ledger line {n}", "expected a JSON object per line")
        for field, text in _strings(record, f"ledger line {n}"):
            check_plain_text(text, field)
    return ledger


def parse_public_key(pem: Any) -> str | None:
    """An Ed25519 public key (PEM or 64 hex digits) as PEM; None passes through.

    The registry never trusts a key because a request carried it: the API uses this key only to
    look up one of the submitting organisation's registered keys.

    Raises:
        SubmissionError: not an Ed25519 public key in either form.
    """
    if pem is None:
        return None
    return parse_key(pem, "public_key")[1]


def _first_number(obj: Any, keys: tuple[str, ...]) -> float | None:
    if not isinstance(obj, Mapping):
        return None
    for key in keys:
        value = obj.get(key)
        if type(value) is float and math.isfinite(value):
            return value
        if type(value) is int and abs(value) <= sys.float_info.max:
            return float(value)
    return None


def summarise_statement(statement: Mapping[str, Any]) -> tuple[str, float | None, dict[str, Any]]:
    """A title, the total FLOP and the headline fields of a compute-report Statement.

    Tolerant of layout: looks for the totals at the top of the predicate and under ``totals``.
    """
    predicate: Mapping[str, Any] = statement.get("predicate") or {}
    raw_totals = predicate.get("totals")
    totals: Mapping[str, Any] = raw_totals if isinstance(raw_totals, Mapping) else {}
    flop_keys = ("flop", "total_flop", "flop_measured", "measured_flop", "training_flop")
    total_flop = _first_number(totals, flop_keys) or _first_number(predicate, flop_keys)
    if total_flop is None and isinstance(totals.get("flop_by_method"), Mapping):
        total_flop = _first_number(totals["flop_by_method"], ("measured", "hardware", "architecture"))
    if total_flop is None and isinstance(predicate.get("flop_by_method"), Mapping):
        total_flop = _first_number(predicate["flop_by_method"], ("measured", "hardware", "architecture"))
    title = ""
    places = [predicate.get("run"), predicate]
    for place in places:
        if not isinstance(place, Mapping):
            continue
        for key in ("run_name", "name", "model", "model_name", "run_id"):
            value = place.get(key)
            if isinstance(value, str) and value:
                title = value
                break
        if title:
            break
    subjects = statement.get("subject") or []
    if not title and subjects and isinstance(subjects[0], Mapping):
        title = str(subjects[0].get("name", ""))
    summary: dict[str, Any] = {
        "predicate_type": statement.get("predicateType"),
        "subjects": len(subjects),
    }
    for section in ("totals", "hardware", "run"):
        block = predicate.get(section)
        if isinstance(block, Mapping):
            summary[section] = {
                k: v for k, v in block.items()
                if isinstance(v, str | bool | int) or (isinstance(v, float) and math.isfinite(v))
            }
    for key in ("method", "created_unix_s"):
        if key in predicate:
            summary[key] = predicate[key]
    return (title or "(untitled report)")[:200], total_flop, summary


def parse_submission(body: Any) -> ParsedSubmission:
    """Validate a submission's JSON body.

    Args:
        body: the parsed JSON body: ``{"envelope": {...}, "ledger": str|None, "public_key": str|None}``.

    Returns:
        The validated submission with its digest.

    Raises:
        SubmissionError: the first problem found, naming the field.
    """
    if not isinstance(body, dict):
        raise SubmissionError("body", "expected a JSON object with 'envelope'")
    unknown = set(body) - {"envelope", "ledger", "public_key"}
    if unknown:
        raise SubmissionError("body", f"unknown keys {sorted(unknown)!r}; expected envelope, ledger, public_key")
    if "envelope" not in body:
        raise SubmissionError("envelope", "missing: the DSSE envelope of the compute report")
    envelope = body["envelope"]
    statement = _parse_envelope(envelope)
    ledger_text = _parse_ledger(body.get("ledger"))
    public_key_pem = parse_public_key(body.get("public_key"))
    canonical = canonical_json(envelope)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    title, total_flop, summary = summarise_statement(statement)
    size = len(canonical.encode("utf-8")) + len((ledger_text or "").encode("utf-8"))
    return ParsedSubmission(
        envelope=envelope,
        statement=statement,
        ledger_text=ledger_text,
        public_key_pem=public_key_pem,
        digest_sha256=digest,
        size_bytes=size,
        title=title,
        total_flop=total_flop,
        summary=summary,
        payload_sha256=payload_digest(statement),
        envelope_json=canonical,
    )
