"""The registry's database: organisations, tokens, reports, verdicts and the audit trail.

:class:`Store` is the only code that talks SQL. It runs the Alembic migrations on open, keeps
every change in one transaction together with its audit row, and returns frozen dataclasses
(never ORM objects). SQLite is the default (a file in the user data dir, WAL mode, writes
under ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing); PostgreSQL is used
when a ``postgresql+psycopg://`` URL is given.

Report identity is the envelope digest. :meth:`Store.submit` is idempotent: the same digest
from the same organisation returns the stored record (``created=False``); from another
organisation it raises :class:`ConflictError` and changes nothing.

The store is assembled from one module per noun, and every name below is re-exported here:

* :mod:`computegov.registry.database`: URL, engine, migrations, transactions;
* :mod:`computegov.registry.audit`: the audit trail (:class:`AuditInfo`);
* :mod:`computegov.registry.organisations`: organisations and API tokens
  (:class:`OrgInfo`, :class:`TokenInfo`, :func:`validate_org_name`);
* :mod:`computegov.registry.keys`: the signing keys each organisation registered
  (:class:`KeyInfo`); a report is accepted only when one of them signed it;
* :mod:`computegov.registry.reports`: reports and verdicts (:class:`ReportInfo`,
  :class:`SubmitOutcome`);
* :mod:`computegov.registry.verifiers` and :mod:`computegov.registry.claims`: verifier
  organisations' counter-verdicts and claims (:class:`ClaimInfo`);
* :mod:`computegov.registry.errors`: :class:`NotFoundError`, :class:`ForbiddenError`,
  :class:`ConflictError`, :class:`SubmissionError`.
"""

from __future__ import annotations

from computegov.registry.audit import AuditInfo
from computegov.registry.claims import ClaimInfo, Claims
from computegov.registry.database import default_database_url
from computegov.registry.errors import ConflictError, ForbiddenError, NotFoundError, SubmissionError
from computegov.registry.keys import KeyInfo
from computegov.registry.organisations import OrgInfo, TokenInfo, validate_org_name
from computegov.registry.reportinfo import ReportInfo, SubmitOutcome
from computegov.registry.reports import Reports

__all__ = [
    "AuditInfo",
    "ClaimInfo",
    "ConflictError",
    "ForbiddenError",
    "KeyInfo",
    "NotFoundError",
    "OrgInfo",
    "ReportInfo",
    "Store",
    "SubmissionError",
    "SubmitOutcome",
    "TokenInfo",
    "default_database_url",
    "validate_org_name",
]


class Store(Claims, Reports):
    """The registry database.

    Organisations and tokens come from :class:`~computegov.registry.organisations.Organisations`,
    signing keys from :class:`~computegov.registry.keys.SigningKeys`, verifiers' counter-verdicts
    from :class:`~computegov.registry.verifiers.Verifiers` and their claims from
    :class:`~computegov.registry.claims.Claims`, reports from :class:`~computegov.registry.reports.Reports`, the audit trail from
    :class:`~computegov.registry.audit.AuditLog` and the connection from
    :class:`~computegov.registry.database.Database`.

    Args:
        database_url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``);
            None means :func:`default_database_url`.
        migrate: run the Alembic migrations to the latest revision on open.
    """
