"""ComputeReport: DSSE + in-toto Statement v1, verified by the reference tooling too."""

from __future__ import annotations

import base64
import json

import pytest

from computegov.errors import LedgerError
from computegov.ledger.report import (
    PAYLOAD_TYPE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    load_report,
    parse_report,
    sign_statement,
)
from computegov.ledger.signing import Signer, load_private_key


def _statement() -> dict:
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": "checkpoint/step-10", "digest": {"sha256": "ab" * 32}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {"totals": {"flop": 1.5e18}},
    }


def test_envelope_verifies_with_securesystemslib(demo_run_master) -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    report = load_report(demo_run_master.report)
    signer = load_private_key(demo_run_master.private_key)
    env = Envelope.from_dict(json.loads(demo_run_master.report.read_bytes()))
    key = SSlibKey.from_crypto(signer.public_key)  # default key id: no help from our code
    accepted = env.verify([key], 1)
    assert list(accepted) == [key.keyid]
    statement = json.loads(env.payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == PREDICATE_TYPE
    assert statement == report.statement


def test_envelope_from_another_key_fails_securesystemslib(demo_run_master) -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError
    from securesystemslib.signer import SSlibKey

    other = Signer.generate()
    env = Envelope.from_dict(json.loads(demo_run_master.report.read_bytes()))
    with pytest.raises(VerificationError):
        env.verify([SSlibKey.from_crypto(other.public_key)], 1)


def test_in_toto_envelope_model_reads_our_report(demo_run_master) -> None:
    from in_toto.models.metadata import Envelope as InTotoEnvelope
    from securesystemslib.signer import SSlibKey

    signer = load_private_key(demo_run_master.private_key)
    env = InTotoEnvelope.from_dict(json.loads(demo_run_master.report.read_bytes()))
    assert env.payload_type == PAYLOAD_TYPE
    env.verify([SSlibKey.from_crypto(signer.public_key)], 1)


def test_securesystemslib_signed_envelope_parses_as_our_report() -> None:
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import CryptoSigner

    ours = Signer.generate()
    env = Envelope(json.dumps(_statement()).encode(), PAYLOAD_TYPE, {})
    env.sign(CryptoSigner(ours.private_key))
    report = parse_report(env.to_dict())
    assert report.totals == {"flop": 1.5e18}
    assert report.envelope["signatures"][0]["keyid"] == ours.keyid


def test_written_report_is_canonical_and_round_trips(tmp_path) -> None:
    report = sign_statement(_statement(), Signer.generate())
    path = report.write(tmp_path / "r.json")
    again = load_report(path)
    assert again.statement == _statement()
    assert path.read_bytes() == again.to_bytes()


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda raw: raw[:-20], "not valid JSON"),
        (lambda raw: b"[]", "expected a JSON object"),
        (lambda raw: json.dumps(json.loads(raw), indent=1).encode(), "canonical encoding"),
        (
            lambda raw: raw.replace(
                b'"payloadType":"application/vnd.in-toto+json"', b'"payloadType":"text/plain"'
            ),
            "payloadType",
        ),
    ],
)
def test_unusable_report_raises_with_where(mutate, match) -> None:
    raw = sign_statement(_statement(), Signer.generate()).to_bytes()
    with pytest.raises(LedgerError, match=match):
        parse_report(mutate(raw))


def test_non_canonical_base64_payload_is_refused() -> None:
    signer = Signer.generate()
    for pad in range(3):  # find a payload length that needs base64 padding
        statement = {**_statement(), "predicate": {"totals": {"flop": 1.5e18}, "pad": "x" * pad}}
        report = sign_statement(statement, signer)
        payload = report.envelope["payload"]
        if payload.endswith("="):  # the last data character then has spare bits
            break
    last = payload.rstrip("=")[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = alphabet[alphabet.index(last) ^ 1]  # flips a spare bit: same decoded bytes
    tampered = payload.rstrip("=")[:-1] + twin + payload[len(payload.rstrip("=")) :]
    assert base64.b64decode(tampered) == base64.b64decode(payload)
    env = {**report.envelope, "payload": tampered}
    with pytest.raises(LedgerError, match="non-canonical base64"):
        parse_report(env)
