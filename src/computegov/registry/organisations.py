"""Organisations and their API tokens: creation, lookup, revocation and authentication.

Only a token's SHA-256 hash is stored (see :mod:`computegov.registry.tokens`); the token itself
is shown once, when it is created.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from computegov.errors import InputError
from computegov.registry import tokens as tokenlib
from computegov.registry.audit import AuditLog
from computegov.registry.database import aware
from computegov.registry.errors import NotFoundError
from computegov.registry.models import ApiToken, Organisation, SigningKey, utcnow
from computegov.registry.signers import SignerKey

__all__ = ["OrgInfo", "Organisations", "TokenInfo", "validate_org_name"]

_ORG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def validate_org_name(name: str) -> str:
    """Return ``name`` if it is a valid organisation name.

    Raises:
        InputError: not 1-64 of letters, digits, ``-``, ``_``, starting with a letter or digit.
    """
    if not isinstance(name, str) or not _ORG_NAME.fullmatch(name):
        raise InputError(
            f"organisation name {name!r}: expected 1 to 64 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


@dataclasses.dataclass(frozen=True)
class OrgInfo:
    """An organisation (``created_at`` is UTC)."""

    id: int
    name: str
    created_at: dt.datetime
    keyids: tuple[str, ...] = ()
    """Ids of its live registered signing keys (see :mod:`computegov.registry.keys`)."""
    kind: str = "lab"
    """``lab`` (submits reports) or ``verifier`` (posts counter-verdicts); a log monitor checks it."""
    live_keys: tuple[SignerKey, ...] | None = dataclasses.field(default=None, compare=False, repr=False)
    """Its live signing keys as read with the token (:meth:`Organisations.authenticate`: the same
    query, so the same snapshot), else None (read them when needed)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``has_public_key``: some live signing key is registered)."""
        return {"name": self.name, "created_at": self.created_at.isoformat(), "kind": self.kind,
                "has_public_key": bool(self.keyids), "keyids": list(self.keyids)}


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    """An API token's public facts (never the token itself; times are UTC)."""

    organisation: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "organisation": self.organisation,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _org_info(org: Organisation) -> OrgInfo:
    keyids = tuple(k.keyid for k in sorted(org.keys, key=lambda k: k.id) if k.revoked_at is None)
    return OrgInfo(org.id, org.name, aware(org.created_at) or utcnow(), keyids, str(org.kind or "lab"))


class Organisations(AuditLog):
    """The organisation and token part of :class:`~computegov.registry.store.Store`."""

    def ensure_org(self, name: str, *, actor: str = "admin") -> OrgInfo:
        """Return the organisation ``name``, creating it (and auditing that) if needed.

        Signing keys are registered with :meth:`~computegov.registry.keys.SigningKeys.add_key`.
        """
        validate_org_name(name)
        try:
            with self._write() as session:
                org = session.scalar(select(Organisation).where(Organisation.name == name))
                if org is None:
                    org = Organisation(name=name, created_at=utcnow())
                    session.add(org)
                    session.flush()
                    self._audit(session, actor, "org.create", "organisation", name)
                    return OrgInfo(org.id, org.name, aware(org.created_at) or utcnow())
                return _org_info(org)
        except IntegrityError:  # created concurrently: read it back
            return self.get_org(name)

    def get_org(self, name: str) -> OrgInfo:
        """The organisation ``name``.

        Raises:
            NotFoundError: no such organisation.
        """
        with self._read() as session:
            org = session.scalar(select(Organisation).where(Organisation.name == name))
            if org is None:
                raise NotFoundError(f"no organisation named {name!r}")
            return _org_info(org)

    def list_orgs(self) -> list[OrgInfo]:
        """Every organisation, by name."""
        with self._read() as session:
            rows = session.scalars(
                select(Organisation).options(selectinload(Organisation.keys)).order_by(Organisation.name)
            ).all()
            return [_org_info(o) for o in rows]

    def create_token(self, org_name: str, *, actor: str = "admin") -> tuple[str, TokenInfo]:
        """Create an API token for ``org_name`` (creating the organisation if needed).

        Returns:
            The token (shown once; only its hash is stored) and its public facts.
        """
        org = self.ensure_org(org_name, actor=actor)
        token = tokenlib.new_token()
        now = utcnow()
        prefix = tokenlib.display_prefix(token)
        with self._write() as session:
            session.add(
                ApiToken(organisation_id=org.id, token_sha256=tokenlib.hash_token(token), prefix=prefix, created_at=now)
            )
            self._audit(session, actor, "token.create", "api_token", prefix, organisation=org.name)
        return token, TokenInfo(org.name, prefix, now, None)

    def revoke_token(self, prefix: str, *, actor: str = "admin") -> TokenInfo:
        """Revoke the token whose display prefix is ``prefix``.

        Raises:
            NotFoundError: no live token has that prefix.
        """
        with self._write() as session:
            row = session.scalar(
                select(ApiToken).options(joinedload(ApiToken.organisation))
                .where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
            )
            if row is None:
                raise NotFoundError(f"no live token with prefix {prefix!r}")
            row.revoked_at = utcnow()
            self._audit(session, actor, "token.revoke", "api_token", prefix, organisation=row.organisation.name)
            return TokenInfo(row.organisation.name, row.prefix, aware(row.created_at) or utcnow(), row.revoked_at)

    def list_tokens(self, org_name: str | None = None) -> list[TokenInfo]:
        """Every token (public facts only), optionally of one organisation."""
        with self._read() as session:
            query = select(ApiToken).options(joinedload(ApiToken.organisation)).order_by(ApiToken.id)
            if org_name is not None:
                query = query.join(Organisation).where(Organisation.name == org_name)
            return [
                TokenInfo(t.organisation.name, t.prefix, aware(t.created_at) or utcnow(), aware(t.revoked_at))
                for t in session.scalars(query).unique().all()
            ]

    def authenticate(self, token: str) -> OrgInfo | None:
        """The organisation owning a live token, or None for an unknown or revoked token.

        One query (token, organisation and its live signing keys, no ORM objects), run on every
        request that changes anything: nothing is cached, so a token or key revoked is refused on
        the very next request. The answer carries the live keys (:attr:`OrgInfo.live_keys`).
        """
        if not tokenlib.looks_like_token(token):
            return None
        with self._read() as session:
            rows = session.execute(_AUTH_QUERY, {"token_sha256": tokenlib.hash_token(token)}).all()
        if not rows:
            return None
        org_id, name, kind, created_at = rows[0][:4]
        created = aware(created_at) or utcnow()
        keys = sorted((r for r in rows if r[4] is not None), key=lambda r: r[4])
        live = tuple(SignerKey(str(r[5]), name, str(r[6]), True, (aware(r[7]) or utcnow()).timestamp())
                     for r in keys)
        return OrgInfo(org_id, name, created, tuple(k.keyid for k in live), str(kind or "lab"), live_keys=live)


#: The token's organisation and its live keys, one row per key (one row with NULL key columns when
#: it has none); built once, so SQLAlchemy's compiled-statement cache serves every request.
_AUTH_QUERY = (
    select(Organisation.id, Organisation.name, Organisation.kind, Organisation.created_at,
           SigningKey.id, SigningKey.keyid, SigningKey.public_key_pem, SigningKey.created_at)
    .select_from(ApiToken)
    .join(Organisation, ApiToken.organisation_id == Organisation.id)
    .outerjoin(SigningKey, (SigningKey.organisation_id == Organisation.id) & SigningKey.revoked_at.is_(None))
    .where(ApiToken.token_sha256 == bindparam("token_sha256"), ApiToken.revoked_at.is_(None))
)
