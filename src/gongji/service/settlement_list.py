"""医疗保障基金结算清单 (4101 / 4101A): an institution uploads the settlement list of one of its settlements.

The list is the settlement's record for the agency's review (diagnoses, operations, intensive care, transfusions;
4101 also the charge items and the fund payments): gongji keeps its nodes as sent, one list per settlement, and
answers its list id (``setl_list_id``). The settlement must be the institution's own and in force (a reversed one has
no list). Uploading the list of a settlement again replaces the stored one and keeps its id: a HIS corrects a list
after the agency's quality checks and sends it again (hsa-his's upload carries a forced re-upload flag for that).
The write is idempotent by its message.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.fsi_ports import StoredSettlementList
from gongji.service.institutions import resolve_institution
from gongji.service.ports import UnitOfWork

__all__ = ["SettlementListView", "UploadSettlementList", "upload_settlement_list"]


@dataclass(frozen=True)
class UploadSettlementList:
    """4101/4101A: the list's nodes for settlement ``setl_id``; ``mdtrt_id`` and ``psn_no`` as the list names them
    (checked against the settlement when given)."""

    institution: str
    infno: str
    setl_id: str
    nodes: Mapping[str, Any]
    mdtrt_id: str | None = None
    psn_no: str | None = None


@dataclass(frozen=True)
class SettlementListView:
    """A stored list: its id, its settlement, how many times it was uploaded."""

    setl_list_id: str
    setl_id: str
    uploads: int
    uploaded_at: datetime
    updated_at: datetime


def _list_id(at: datetime) -> str:
    """A new ``setl_list_id``: ``L`` + ``yyyyMMddHHmmss`` + 8 random digits."""
    return f"L{at.astimezone(SHANGHAI):%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def _check_names(cmd: UploadSettlementList, mdtrt_id: str | None, psn_no: str) -> None:
    for field, given, expected in (("mdtrt_id", cmd.mdtrt_id, mdtrt_id), ("psn_no", cmd.psn_no, psn_no)):
        if given is not None and expected is not None and given != expected:
            raise Refused(
                ErrorCode.SETTLEMENT_LIST_MISMATCH, field=field, given=given, expected=expected, setl_id=cmd.setl_id
            )


def upload_settlement_list(ctx: Context, cmd: UploadSettlementList, *, key: str) -> SettlementListView:
    """Store (or replace) the settlement list of the institution's settlement ``cmd.setl_id``."""
    content = json.dumps(cmd.nodes, ensure_ascii=False, sort_keys=True, default=str)

    def handler(uow: UnitOfWork) -> SettlementListView:
        institution = resolve_institution(uow, cmd.institution)
        record = uow.settlements.find(cmd.setl_id)
        if record is None or record.institution_id != institution.id:
            raise NotFound(ErrorCode.SETTLEMENT_NOT_FOUND, setl_id=cmd.setl_id)
        if record.reversed_at is not None:
            at = f"{record.reversed_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
            raise Refused(ErrorCode.SETTLEMENT_LIST_OF_REVERSED, setl_id=cmd.setl_id, reversed_at=at)
        visit = uow.visits.get(record.visit_id) if record.visit_id is not None else None
        person = uow.people.get(record.person_id)
        _check_names(cmd, visit.mdtrt_id if visit else None, person.psn_no if person else "")
        now = ctx.clock.now()
        stored = uow.fsi_files.settlement_list(record.id)
        if stored is None:
            stored = uow.fsi_files.add_settlement_list(
                StoredSettlementList(0, _list_id(now), record.id, institution.id, cmd.infno, content, 1, now, now)
            )
            return SettlementListView(stored.setl_list_id, cmd.setl_id, 1, now, now)
        uow.fsi_files.replace_settlement_list(stored.id, cmd.infno, content, now)
        return SettlementListView(stored.setl_list_id, cmd.setl_id, stored.uploads + 1, stored.uploaded_at, now)

    return ctx.write(
        key=key,
        operation="fsi.settlement_list.upload",
        request={"institution": cmd.institution, "infno": cmd.infno, "setl_id": cmd.setl_id, "content": content},
        result_type=SettlementListView,
        handler=handler,
    )
