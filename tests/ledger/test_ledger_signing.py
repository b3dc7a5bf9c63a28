"""Ed25519 keys: file modes, key ids compatible with securesystemslib, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from computegov.errors import InputError, SignatureError
from computegov.ledger.signing import (
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    pae,
    public_key_hex,
    verify_signature,
)


def test_private_key_is_written_with_mode_0600(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path)
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    assert pair.public_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_generate_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    first = generate_keypair(tmp_path)
    with pytest.raises(InputError, match="already exists"):
        generate_keypair(tmp_path)
    second = generate_keypair(tmp_path, overwrite=True)
    assert second.keyid != first.keyid
    assert stat.S_IMODE(second.private_path.stat().st_mode) == 0o600


def test_key_id_matches_securesystemslib_default(tmp_path: Path) -> None:
    from securesystemslib.signer import SSlibKey

    signer = load_private_key(generate_keypair(tmp_path).private_path)
    assert SSlibKey.from_crypto(signer.public_key).keyid == key_id(signer.public_key)


def test_public_key_loads_from_path_pem_text_and_hex(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path)
    signer = load_private_key(pair.private_path)
    want = public_key_hex(signer.public_key)
    for source in (
        pair.public_path,
        str(pair.public_path),
        pair.public_path.read_text(),
        pair.public_path.read_bytes(),
        want,
        f"  {want.upper()}\n",
    ):
        assert public_key_hex(load_public_key(source)) == want


def test_a_key_path_of_exactly_64_characters_is_read_as_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A path string as long as a hex key (as /tmp/pytest-of-root/pytest-76/popen-gw0/evidence0/
    # computegov.pub was, in a parallel test run) was taken for 64 hex digits.
    pair = generate_keypair(tmp_path)
    want = public_key_hex(load_private_key(pair.private_path).public_key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k").mkdir()
    path = "k/" + "a" * (64 - len("k/") - len(".pub")) + ".pub"  # hex-looking, but a path
    assert len(path) == 64
    Path(path).write_bytes(pair.public_path.read_bytes())
    assert public_key_hex(load_public_key(path)) == want


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a key", "not a PEM public key"),
        (None, "is a private key"),
    ],
)
def test_wrong_key_format_says_what_was_expected(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    pair = generate_keypair(tmp_path)
    bad = tmp_path / "bad.pub"
    bad.write_bytes(content if content is not None else pair.private_path.read_bytes())
    with pytest.raises(InputError, match=message):
        load_public_key(bad)


def test_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    p = tmp_path / "rsa.pub"
    p.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(InputError, match="expected an Ed25519"):
        load_public_key(p)


def test_pae_matches_the_dsse_spec_example() -> None:
    # DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_signature_of_other_message_is_rejected(tmp_path: Path) -> None:
    signer = load_private_key(generate_keypair(tmp_path).private_path)
    sig = signer.sign(b"a")
    verify_signature(signer.public_key, sig, b"a")
    with pytest.raises(SignatureError):
        verify_signature(signer.public_key, sig, b"b")


def test_an_existing_public_key_alone_is_not_replaced_silently(tmp_path: Path) -> None:
    (tmp_path / "computegov.pub").write_text("someone else's key")
    with pytest.raises(InputError, match=r"computegov\.pub already exists.*--force"):
        generate_keypair(tmp_path)
    assert (tmp_path / "computegov.pub").read_text() == "someone else's key"
    assert not (tmp_path / "computegov.key").exists()


def test_loading_a_group_readable_private_key_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pair = generate_keypair(tmp_path)
    load_private_key(pair.private_path)
    assert "readable by other users" not in caplog.text
    pair.private_path.chmod(0o640)
    load_private_key(pair.private_path)
    assert "readable by other users (mode 640)" in caplog.text


def test_key_files_are_the_standard_openssl_pem_formats(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    pair = generate_keypair(tmp_path)
    pem = pair.private_path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    private = serialization.load_pem_private_key(pem, password=None)
    spki = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert pair.public_path.read_bytes() == spki
