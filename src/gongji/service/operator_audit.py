"""The counter operators' audit trail: every action an operator takes in the portal is recorded (who, when, what, on
whom) and can be listed, within the regions the reader may see.

The person acted on is recorded by his name and masked ID number only (all but the last four characters hidden);
the operator by his token's label and fingerprint, never the token.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from gongji.service.api_ports import StoredOperatorAction
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = ["MAX_LISTED", "AuditEntry", "RecordAction", "latest_actions", "record_action"]

#: How many actions the audit page lists at most.
MAX_LISTED = 200
_MAX_DETAIL = 400


@dataclass(frozen=True)
class RecordAction:
    """One operator action to record: the operator's label, the region acted in, the action's name, the person
    acted on (already masked), a short detail, and the error code when the action was refused."""

    operator: str
    region: str | None
    action: str
    subject: str | None = None
    detail: str | None = None
    refused_code: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """An audited action as listed."""

    id: int
    at: datetime
    operator: str
    region: str | None
    action: str
    subject: str | None
    detail: str | None
    refused_code: str | None

    @property
    def refused(self) -> bool:
        """Whether the action was refused (nothing changed but this row)."""
        return self.refused_code is not None


def _entry(stored: StoredOperatorAction) -> AuditEntry:
    return AuditEntry(
        stored.id,
        stored.at,
        stored.operator,
        stored.region,
        stored.action,
        stored.subject,
        stored.detail,
        stored.refused_code,
    )


def record_action(ctx: Context, cmd: RecordAction) -> AuditEntry:
    """Record ``cmd`` now (its own transaction; a row is never changed afterwards)."""
    at = ctx.clock.now()
    detail = (cmd.detail or "")[:_MAX_DETAIL] or None

    def handler(uow: UnitOfWork) -> AuditEntry:
        stored = uow.operator_actions.add(
            at=at,
            operator=cmd.operator[:120],
            region=cmd.region,
            action=cmd.action[:40],
            subject=(cmd.subject or "")[:120] or None,
            detail=detail,
            refused_code=(cmd.refused_code or "")[:60] or None,
        )
        uow.commit()
        return _entry(stored)

    return ctx.transaction(handler)


def latest_actions(
    ctx: Context, regions: Collection[str] | None, *, limit: int = MAX_LISTED, operator: str | None = None
) -> list[AuditEntry]:
    """The newest actions first, in ``regions`` (``None``: all regions), with ``operator``'s own actions that belong
    to no region (his sign-ins)."""
    limit = max(1, min(limit, MAX_LISTED))
    return ctx.read(
        lambda uow: [_entry(s) for s in uow.operator_actions.latest(regions, limit=limit, operator=operator)]
    )
