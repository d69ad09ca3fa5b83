"""SQL implementation of the relation repository (:class:`gongji.service.ports.RelationRepository`): relations,
their events, proxy links and shared quotas.

Rows are turned into domain objects here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from gongji.domain.codes import RelationType
from gongji.domain.relations import Channel, ProxyLink, Relation, RelationEvent, RelationStatus
from gongji.domain.relations import EndReason as RelationEndReason
from gongji.domain.wording import Term, Text, decode, encode
from gongji.service.ports import TransientStoreError
from gongji.store import tables as t
from gongji.store.driver import Prepared

__all__ = ["SqlRelations", "note_column", "relation_values"]

#: How a note column tells a stored term (the JSON of :func:`gongji.domain.wording.encode`) from text.
_TERM_PREFIX = '{"term"'


def note_column(note: str | Term | None) -> str | None:
    """A note as its column stores it: a term as JSON; text as written (text that would read as a term's JSON is
    stored as a :class:`Text` of itself, so that it comes back as it was written)."""
    if isinstance(note, str) and not isinstance(note, Enum):
        if not note.startswith(_TERM_PREFIX):
            return note
        note = Text(note, note)
    return None if note is None else _NOTE_JSON.encode(encode(note))


#: How a note's term is written: what ``json.dumps(…, ensure_ascii=False)`` writes, without a new encoder each time.
_NOTE_JSON = json.JSONEncoder(ensure_ascii=False)


def _note_of_column(stored: str | None) -> str | Term | None:
    """A note as :func:`note_column` stored it, and text stored before notes were terms as it is."""
    if stored is None or not stored.startswith(_TERM_PREFIX):
        return stored
    term: Term = decode(json.loads(stored))
    return term


def shared_quotas_of(authoriser_ids: Iterable[int], rows: Iterable[Any]) -> dict[int, tuple[bool, int | None]]:
    """``shared_quota`` of each authoriser asked for, from the rows of :data:`SHARED_QUOTAS` (none: not shared)."""
    found: dict[int, tuple[bool, int | None]] = dict.fromkeys(authoriser_ids, (False, None))
    for row in rows:
        found[row["authoriser_id"]] = (True, row["quota_fen"])
    return found


# Statements of the settlement's hot path, built once: building a statement costs more than running it on SQLite.
RELATIONS_OF = Prepared(
    select(t.relations)
    .where(
        or_(
            t.relations.c.authoriser_id.in_(bindparam("authoriser_ids", expanding=True)),
            t.relations.c.beneficiary_id.in_(bindparam("beneficiary_ids", expanding=True)),
        )
    )
    .order_by(t.relations.c.id)
)
SHARED_QUOTAS = Prepared(
    select(t.shared_quotas.c.authoriser_id, t.shared_quotas.c.quota_fen).where(
        t.shared_quotas.c.authoriser_id.in_(bindparam("authoriser_ids", expanding=True))
    )
)


_RELATION_COLUMNS = (
    "authoriser_id",
    "beneficiary_id",
    "channel",
    "operator",
    "region",
    "beneficiary_region",
    "proof_kind",
    "proof_reference",
    "commitment_text",
    "requested_at",
    "expires_at",
    "confirmed_at",
    "confirmed_by_id",
    "effective_from",
    "valid_until",
    "ended_at",
    "end_requested_by_id",
    "order_position",
    "quota_fen",
)


def relation_values(relation: Relation) -> dict[str, Any]:
    """A relation as its ``relations`` row (without the id when the relation has none yet)."""
    values = {name: getattr(relation, name) for name in _RELATION_COLUMNS}
    values["relation_type"] = relation.relation_type.value
    values["status"] = relation.status.value
    values["channel"] = relation.channel.value
    values["end_reason"] = relation.end_reason.value if relation.end_reason else None
    return values


def relation_of(row: Any) -> Relation:
    """A ``relations`` row as the domain's relation."""
    return Relation(
        id=row["id"],
        relation_type=RelationType(row["relation_type"]),
        status=RelationStatus(row["status"]),
        channel=Channel(row["channel"]),
        end_reason=RelationEndReason(row["end_reason"]) if row["end_reason"] else None,
        **{name: row[name] for name in _RELATION_COLUMNS if name != "channel"},
    )


def _proxy(row: Any) -> ProxyLink:
    return ProxyLink(
        id=row["id"],
        owner_id=row["owner_id"],
        relative_id=row["relative_id"],
        created_at=row["created_at"],
        channel=Channel(row["channel"]),
        operator=row["operator"],
        ended_at=row["ended_at"],
    )


class SqlRelations:
    """Relations, their events, proxy links and shared quotas in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def add(self, relation: Relation) -> Relation:
        try:
            relation_id = self._conn.execute(
                insert(t.relations).values(**relation_values(relation)).returning(t.relations.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            # The same pair was requested by a concurrent transaction; the retry refuses it as a duplicate.
            raise TransientStoreError("relation requested concurrently") from exc
        return replace(relation, id=int(relation_id))

    def get(self, relation_id: int) -> Relation | None:
        row = self._conn.execute(select(t.relations).where(t.relations.c.id == relation_id)).mappings().first()
        return relation_of(row) if row else None

    def save(self, relation: Relation) -> None:
        self._conn.execute(
            update(t.relations).where(t.relations.c.id == relation.id).values(**relation_values(relation))
        )

    def add_event(self, relation_id: int, event: RelationEvent) -> None:
        self._conn.execute(
            insert(t.relation_events).values(
                relation_id=relation_id,
                kind=event.kind,
                at=event.at,
                actor_person_id=event.actor_person_id,
                operator=event.operator,
                channel=event.channel.value,
                note=note_column(event.note),
            )
        )

    def events(self, relation_id: int) -> list[RelationEvent]:
        rows = self._conn.execute(
            select(t.relation_events)
            .where(t.relation_events.c.relation_id == relation_id)
            .order_by(t.relation_events.c.id)
        ).mappings()
        return [
            RelationEvent(
                kind=row["kind"],
                at=row["at"],
                actor_person_id=row["actor_person_id"],
                operator=row["operator"],
                channel=Channel(row["channel"]),
                note=_note_of_column(row["note"]),
            )
            for row in rows
        ]

    def of_person(self, person_id: int) -> list[Relation]:
        return self.of_people([person_id])

    def add_proxy(self, link: ProxyLink) -> ProxyLink:
        try:
            link_id = self._conn.execute(
                insert(t.proxy_links)
                .values(
                    owner_id=link.owner_id,
                    relative_id=link.relative_id,
                    created_at=link.created_at,
                    channel=link.channel.value,
                    operator=link.operator,
                )
                .returning(t.proxy_links.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            raise TransientStoreError("proxy link added concurrently") from exc
        return replace(link, id=int(link_id))

    def end_proxy(self, link_id: int, ended_at: datetime) -> None:
        self._conn.execute(update(t.proxy_links).where(t.proxy_links.c.id == link_id).values(ended_at=ended_at))

    def proxies_of(self, person_id: int) -> list[ProxyLink]:
        rows = self._conn.execute(
            select(t.proxy_links)
            .where(or_(t.proxy_links.c.owner_id == person_id, t.proxy_links.c.relative_id == person_id))
            .order_by(t.proxy_links.c.id)
        ).mappings()
        return [_proxy(row) for row in rows]

    def of_people(self, person_ids: Iterable[int]) -> list[Relation]:
        """Every relation in which any of these people is the authoriser or the beneficiary, in id order."""
        ids = sorted(set(person_ids))
        rows = RELATIONS_OF(self._conn, {"authoriser_ids": ids, "beneficiary_ids": ids}).mappings()
        return [relation_of(row) for row in rows]

    def shared_quotas(self, authoriser_ids: Iterable[int]) -> dict[int, tuple[bool, int | None]]:
        """``shared_quota`` of several authorisers in one statement (every one asked for is in the answer)."""
        ids = sorted(set(authoriser_ids))
        return shared_quotas_of(ids, SHARED_QUOTAS(self._conn, {"authoriser_ids": ids}))

    def shared_quota(self, authoriser_id: int) -> tuple[bool, int | None]:
        row = self._conn.execute(
            select(t.shared_quotas.c.quota_fen).where(t.shared_quotas.c.authoriser_id == authoriser_id)
        ).first()
        return (False, None) if row is None else (True, row[0])

    def set_shared_quota(self, authoriser_id: int, quota_fen: int | None, at: datetime) -> None:
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        statement = dialect_insert(t.shared_quotas).values(
            authoriser_id=authoriser_id, quota_fen=quota_fen, updated_at=at
        )
        self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["authoriser_id"], set_={"quota_fen": quota_fen, "updated_at": at}
            )
        )
