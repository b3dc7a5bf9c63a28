"""Registered signing keys: the Ed25519 public keys an organisation may sign reports with.

Only the registry operator registers keys (``computegov registry key add ORG KEY.pub``, or
:meth:`SigningKeys.add_key`); no request field can. A key id belongs to one organisation, ever:
registering it for a second organisation is refused, even after it was revoked, so a revoked
key cannot be taken over. Every change is audited in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from computegov.registry.database import aware
from computegov.registry.errors import ConflictError, NotFoundError
from computegov.registry.models import Organisation, SigningKey, utcnow
from computegov.registry.organisations import Organisations
from computegov.registry.signers import SignerKey, parse_key

__all__ = ["KeyInfo", "SigningKeys"]

_KEYID_PREFIX = re.compile(r"^[0-9a-f]{8,64}$")


@dataclasses.dataclass(frozen=True)
class KeyInfo:
    """A registered key's public facts (times UTC)."""

    organisation: str
    keyid: str
    public_key_pem: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def live(self) -> bool:
        """True until revoked."""
        return self.revoked_at is None

    def signer(self) -> SignerKey:
        """The resolver's view of this key."""
        created = self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=dt.UTC)
        return SignerKey(self.keyid, self.organisation, self.public_key_pem, self.live, created.timestamp())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "organisation": self.organisation,
            "keyid": self.keyid,
            "public_key_pem": self.public_key_pem,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _info(row: SigningKey) -> KeyInfo:
    return KeyInfo(row.organisation.name, row.keyid, row.public_key_pem,
                   aware(row.created_at) or utcnow(), aware(row.revoked_at))


class SigningKeys(Organisations):
    """The signing-key part of :class:`~computegov.registry.store.Store`."""

    def add_key(self, org_name: str, public_key: str, *, actor: str = "admin") -> tuple[KeyInfo, bool]:
        """Register ``public_key`` for ``org_name`` (creating the organisation if needed).

        Args:
            org_name: the organisation.
            public_key: Ed25519 public key, PEM or 64 hex digits.
            actor: who did it, for the audit trail.

        Returns:
            The key and whether it was newly registered (False: it already was, live, for this
            organisation; a revoked key of this organisation is registered again).

        Raises:
            SubmissionError: not an Ed25519 public key (HTTP 422, exit 2).
            ConflictError: the key is registered to another organisation (revoked or not).
        """
        keyid, pem = parse_key(public_key)
        org = self.ensure_org(org_name, actor=actor)
        try:
            with self._write() as session:
                row = session.scalar(
                    select(SigningKey).options(joinedload(SigningKey.organisation)).where(SigningKey.keyid == keyid)
                )
                if row is not None and row.organisation_id != org.id:
                    raise ConflictError(
                        f"key {keyid} is registered to another organisation; a key belongs to one "
                        "organisation (a lab that shares its key must make a new one)"
                    )
                if row is not None and row.revoked_at is None:
                    return _info(row), False
                if row is not None:
                    row.revoked_at = None
                    self._audit(session, actor, "key.reinstate", "signing_key", keyid, organisation=org.name,
                                public_key_pem=row.public_key_pem)
                else:
                    row = SigningKey(organisation_id=org.id, keyid=keyid, public_key_pem=pem, created_at=utcnow())
                    session.add(row)
                    session.flush()
                    self._audit(session, actor, "key.add", "signing_key", keyid, organisation=org.name,
                                public_key_pem=pem)
                return KeyInfo(org.name, keyid, pem, aware(row.created_at) or utcnow(), None), True
        except IntegrityError:  # registered concurrently: answer from what is stored
            found = self.find_key(keyid)
            if found is None or found.organisation != org.name:  # pragma: no cover - race with another org
                raise ConflictError(f"key {keyid} is registered to another organisation") from None
            return found, False

    def find_key(self, keyid: str) -> KeyInfo | None:
        """The registered key with this id (live or revoked), or None."""
        with self._read() as session:
            row = session.scalar(
                select(SigningKey).options(joinedload(SigningKey.organisation)).where(SigningKey.keyid == keyid)
            )
            return _info(row) if row else None

    def find_keys(self, keyids: Iterable[str]) -> dict[str, KeyInfo]:
        """The registered keys among ``keyids`` (live or revoked), by key id."""
        wanted = [k for k in dict.fromkeys(keyids) if isinstance(k, str) and len(k) <= 64][:32]
        if not wanted:
            return {}
        with self._read() as session:
            rows = session.scalars(
                select(SigningKey).options(joinedload(SigningKey.organisation)).where(SigningKey.keyid.in_(wanted))
            ).all()
            return {r.keyid: _info(r) for r in rows}

    def list_keys(self, org_name: str | None = None, *, live_only: bool = False) -> list[KeyInfo]:
        """Registered keys, optionally of one organisation and only the live ones."""
        with self._read() as session:
            query = select(SigningKey).options(joinedload(SigningKey.organisation)).order_by(SigningKey.id)
            if org_name is not None:
                query = query.join(Organisation).where(Organisation.name == org_name)
            if live_only:
                query = query.where(SigningKey.revoked_at.is_(None))
            return [_info(r) for r in session.scalars(query).unique().all()]

    def revoke_key(self, keyid: str, *, actor: str = "admin") -> KeyInfo:
        """Revoke a registered key by its id or a unique prefix of it (8 or more hex digits).

        Reports it signed stay stored; new reports signed by it are refused (403).

        Raises:
            NotFoundError: no live key matches, or the prefix matches several.
        """
        prefix = keyid.strip().lower()
        if not _KEYID_PREFIX.fullmatch(prefix):
            raise NotFoundError(f"key id {keyid!r}: expected 8 to 64 hex digits")
        with self._write() as session:
            rows = session.scalars(
                select(SigningKey).options(joinedload(SigningKey.organisation))
                .where(SigningKey.keyid.startswith(prefix, autoescape=True), SigningKey.revoked_at.is_(None))
            ).unique().all()
            if not rows:
                raise NotFoundError(f"no live registered key with id {prefix!r}")
            if len(rows) > 1:
                raise NotFoundError(f"key id prefix {prefix!r} matches {len(rows)} keys; give more digits")
            row = rows[0]
            row.revoked_at = utcnow()
            self._audit(session, actor, "key.revoke", "signing_key", row.keyid, organisation=row.organisation.name)
            return _info(row)
