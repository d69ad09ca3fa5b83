"""SQLAlchemy implementation of the operators' audit trail (``gongji.service.api_ports.OperatorActionRepository``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, false, insert, or_, select

from gongji.service.api_ports import StoredOperatorAction
from gongji.store import tables as t

__all__ = ["SqlOperatorActions"]


def _action(row: Any) -> StoredOperatorAction:
    return StoredOperatorAction(
        id=int(row["id"]),
        at=row["at"],
        operator=row["operator"],
        region=row["region"],
        action=row["action"],
        subject=row["subject"],
        detail=row["detail"],
        refused_code=row["refused_code"],
    )


class SqlOperatorActions:
    """Audited operator actions in SQL, one row each, only ever added."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        *,
        at: datetime,
        operator: str,
        region: str | None,
        action: str,
        subject: str | None,
        detail: str | None,
        refused_code: str | None = None,
    ) -> StoredOperatorAction:
        """Record one action and answer it as stored."""
        values = {
            "at": at,
            "operator": operator,
            "region": region,
            "action": action,
            "subject": subject,
            "detail": detail,
            "refused_code": refused_code,
        }
        action_id = self._conn.execute(
            insert(t.operator_actions).values(**values).returning(t.operator_actions.c.id)
        ).scalar_one()
        return StoredOperatorAction(int(action_id), at, operator, region, action, subject, detail, refused_code)

    def latest(
        self, regions: Collection[str] | None, *, limit: int, operator: str | None = None
    ) -> list[StoredOperatorAction]:
        """The newest actions first, within ``regions`` (``None``: everywhere), and ``operator``'s own actions that
        belong to no region (his sign-ins)."""
        c = t.operator_actions.c
        query = select(t.operator_actions).order_by(c.id.desc()).limit(limit)
        if regions is not None:
            own = and_(c.region.is_(None), c.operator == operator) if operator is not None else false()
            query = query.where(or_(c.region.in_(list(regions)), own))
        return [_action(row) for row in self._conn.execute(query).mappings()]
