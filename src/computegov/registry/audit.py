"""The registry's audit trail: one row per change, written in the change's own transaction.

Each audit event is also appended to the transparency log (:mod:`computegov.registry.logstore`)
in that same transaction, so no acknowledged change can be missing from the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from computegov.registry.database import aware
from computegov.registry.logentries import event_entry
from computegov.registry.logstore import append_entry
from computegov.registry.models import AuditEvent, utcnow
from computegov.registry.submission import canonical_json
from computegov.registry.translog import TransparencyLog

__all__ = ["AuditInfo", "AuditLog", "audit_event"]

#: Built once (SQLAlchemy caches its compiled form): a Core insert, no ORM unit of work.
_INSERT_AUDIT = insert(AuditEvent)


def audit_event(actor: str, action: str, obj_type: str, obj_id: str,
                **detail: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An audit event's row (``audit_events`` column values) and its log entry; nothing is written."""
    at, detail_json = utcnow(), canonical_json(detail)
    row = {"at": at, "actor": actor[:100], "action": action, "object_type": obj_type, "object_id": obj_id[:100],
           "detail_json": detail_json}
    return row, event_entry(at=at.isoformat(), actor=actor[:100], action=action, object_type=obj_type,
                            object_id=obj_id[:100], detail=json.loads(detail_json))


@dataclasses.dataclass(frozen=True)
class AuditInfo:
    """One audit event (``at`` is UTC)."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "detail": self.detail,
        }


class AuditLog(TransparencyLog):
    """Writes and reads audit events; the base of every part of the store that changes rows."""

    @staticmethod
    def _audit(session: Session, actor: str, action: str, obj_type: str, obj_id: str, *,
               pending: list[tuple[str, str, dict[str, Any]]] | None = None, **detail: Any) -> None:
        """Add the audit row and its log leaf, in ``session``'s transaction.

        With ``pending``, the leaf's ``(kind, subject, entry)`` is added to that list instead, for
        the caller to append with its other leaves in one batch
        (:func:`~computegov.registry.logstore.append_entries`) before the transaction commits.
        """
        entry = AuditLog._audit_row(session, actor, action, obj_type, obj_id, **detail)
        if pending is None:
            append_entry(session.connection(), "event", obj_id, entry)
        else:
            pending.append(("event", obj_id, entry))

    @staticmethod
    def _audit_row(session: Session, actor: str, action: str, obj_type: str, obj_id: str,
                   **detail: Any) -> dict[str, Any]:
        """Insert the audit row (Core: one statement, no ORM object); return its log entry."""
        row, entry = audit_event(actor, action, obj_type, obj_id, **detail)
        session.connection().execute(_INSERT_AUDIT, row)
        return entry

    def audit_log(self, *, limit: int = 100, offset: int = 0) -> list[AuditInfo]:
        """Audit events, newest first."""
        with self._read() as session:
            rows = session.scalars(
                select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
            ).all()
            return [
                AuditInfo(a.id, aware(a.at) or utcnow(), a.actor, a.action, a.object_type, a.object_id,
                          json.loads(a.detail_json))
                for a in rows
            ]
