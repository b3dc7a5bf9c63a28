"""Authentication reads the token, its organisation and the organisation's live keys in one query.

Nothing is cached between requests: a token or key revoked is refused on the very next request,
and the keys a request sees are the ones live when its token was checked.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, Keys, make_envelope, make_statement
from sqlalchemy import event

from computegov.registry.store import Store


def _submit(client: Any, headers: dict[str, str], envelope: dict[str, Any]) -> Any:
    return client.post("/api/v1/reports", json={"envelope": envelope}, headers=headers)


def test_authenticate_answers_as_get_org_with_the_live_keys_in_registration_order(store: Store) -> None:
    token = store.create_token("acme")[0]
    keys = [Keys(Ed25519PrivateKey.generate()) for _ in range(3)]
    for k in keys:
        store.add_key("acme", k.public_pem)
    store.revoke_key(keys[1].keyid)
    store.add_key("other", DEFAULT_KEYS.public_pem)  # another organisation's key is never among them
    org = store.authenticate(token)
    assert org is not None
    assert org == store.get_org("acme")  # id, name, created_at, kind, live key ids
    assert org.keyids == (keys[0].keyid, keys[2].keyid)
    expected = [k.signer() for k in store.list_keys("acme", live_only=True)]
    assert org.live_keys is not None and list(org.live_keys) == expected


def test_an_organisation_without_keys_authenticates_with_none_live(store: Store) -> None:
    token = store.create_token("bare")[0]
    org = store.authenticate(token)
    assert org is not None and org.name == "bare"
    assert org.keyids == () and org.live_keys == ()


def test_authenticate_is_one_query(store: Store) -> None:
    token = store.create_token("acme")[0]
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        assert store.authenticate(token) is not None
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1, statements


def test_a_key_revoked_between_two_requests_is_refused_on_the_next(client: Any, store: Store) -> None:
    headers = {"Authorization": f"Bearer {store.create_token('lab-a')[0]}"}
    store.add_key("lab-a", DEFAULT_KEYS.public_pem)
    first = _submit(client, headers, make_envelope(make_statement(model="before-revoke")))
    assert first.status_code == 201, first.text
    store.revoke_key(DEFAULT_KEYS.keyid)
    second = _submit(client, headers, make_envelope(make_statement(model="after-revoke")))
    assert second.status_code == 403, second.text
    assert second.json()["keyid"] == DEFAULT_KEYS.keyid
    store.add_key("lab-a", DEFAULT_KEYS.public_pem)  # reinstated: accepted again at once
    third = _submit(client, headers, make_envelope(make_statement(model="after-reinstate")))
    assert third.status_code == 201, third.text


def test_a_token_revoked_between_two_requests_is_refused_on_the_next(client: Any, store: Store) -> None:
    token, info = store.create_token("lab-a")
    headers = {"Authorization": f"Bearer {token}"}
    store.add_key("lab-a", DEFAULT_KEYS.public_pem)
    assert _submit(client, headers, make_envelope(make_statement(model="t1"))).status_code == 201
    store.revoke_token(info.prefix)
    got = _submit(client, headers, make_envelope(make_statement(model="t2")))
    assert got.status_code == 401, got.text
    assert store.count_reports() == 1
