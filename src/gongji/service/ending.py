"""Automatic end of relations: when either side's basic insurance terminates or moves to another pooling region,
every relation the person is in ends in the same transaction, with the reason (2026-01-09 national notice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gongji.domain.relations import Channel, EndReason, RelationEvent, RelationStatus
from gongji.service.ports import UnitOfWork

__all__ = ["end_relations_of"]


def end_relations_of(uow: UnitOfWork, person_id: int, reason: EndReason, at: datetime, note: str) -> int:
    """End every open relation (requested or active) the person is in; return how many ended."""
    ended = 0
    for relation in uow.relations.of_person(person_id):
        if not relation.is_open:
            continue
        closed = replace(relation, status=RelationStatus.ENDED, ended_at=at, end_reason=reason, order_position=None)
        uow.relations.save(closed)
        uow.relations.add_event(
            relation.id, RelationEvent("ended", at, None, None, Channel.COUNTER, f"{reason.zh}：{note}")
        )
        ended += 1
    return ended
