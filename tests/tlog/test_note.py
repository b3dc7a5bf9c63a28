"""Signed notes against published vectors: c2sp.org/signed-note and golang.org/x/mod/sumdb/note.

Vectors copied with attribution:
* C2SP signed-note.md "Example" (github.com/C2SP/C2SP, read 2026-12-07): vkey and signed note;
* golang.org/x/mod sumdb/note/note_test.go (BSD-3-Clause, The Go Authors; read 2026-12-07):
  PeterNeumann's signer key, vkey and the expected signed note of TestSign; EnochRoot's vkey
  and signature of TestOpen.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.tlog.errors import LogProofError
from computegov.tlog.note import (
    Ed25519Signer,
    Note,
    format_note,
    key_id,
    open_note,
    parse_note,
)
from computegov.tlog.vkey import parse_vkey

C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = ("This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
             "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6Ry"
             "yBwJnAM=\n")
ENOCH_SIG = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvM"
             "c+QQ=\n")


def test_c2sp_example_note_verifies_with_its_vkey():
    opened = open_note(C2SP_NOTE, [parse_vkey(C2SP_VKEY)])
    assert opened.text == "This is an example message.\n"
    assert [s.name for _, s in opened.verified] == ["example.com/foo"]


def test_go_signer_key_signs_the_expected_note_byte_for_byte():
    raw = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert raw[0] == 1
    signer = Ed25519Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(raw[1:]))
    assert signer.verifier().vkey() == PETER_VKEY
    assert format_note(Note(TEXT, (signer.sign(TEXT),))) == TEXT + "\n" + PETER_SIG


def test_unknown_signatures_are_ignored_and_known_ones_checked():
    peter, enoch = parse_vkey(PETER_VKEY), parse_vkey(ENOCH_VKEY)
    one = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter])
    assert [s.name for _, s in one.verified] == ["PeterNeumann"]
    assert [s.name for s in one.unverified] == ["EnochRoot"]
    both = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter, enoch])
    assert len(both.verified) == 2
    with pytest.raises(LogProofError, match="no verifiable"):
        open_note(TEXT + "\n" + PETER_SIG, [enoch])


def test_a_known_key_with_a_bad_signature_rejects_the_note():
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(LogProofError, match="invalid signature for key PeterNeumann"):
        open_note(TEXT + "\n" + bad, [parse_vkey(PETER_VKEY)])


@pytest.mark.parametrize("message", [
    TEXT, TEXT + "\n", TEXT + "\n" + PETER_SIG[:-1], "\x01" + TEXT + "\n" + PETER_SIG,
    TEXT + "\n" + PETER_SIG + "Unexpected line.\n", TEXT + "\n" + PETER_SIG * 65,
])
def test_malformed_notes_are_refused(message):
    with pytest.raises(LogProofError):
        open_note(message, [parse_vkey(PETER_VKEY)])


def test_vkey_key_id_is_sha256_of_name_type_and_key():
    v = parse_vkey(PETER_VKEY)
    assert v.key_id == 0xC74F20A3 == key_id("PeterNeumann", 1, v.public_key)
    for bad in ["PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", PETER_VKEY[:-4]]:
        with pytest.raises(LogProofError):
            parse_vkey(bad)


def test_small_order_public_key_is_refused():
    from computegov.tlog.note import Ed25519Verifier

    identity = (1).to_bytes(32, "little")  # the neutral point: every "signature" would be suspect
    with pytest.raises(LogProofError, match="small-order"):
        Ed25519Verifier("x", identity)
    with pytest.raises(LogProofError, match="small-order"):
        Ed25519Verifier("x", bytes(32))  # the all-zero key (order 4)


def test_parse_note_keeps_signature_order():
    note = parse_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG)
    assert [s.name for s in note.signatures] == ["PeterNeumann", "EnochRoot"]
