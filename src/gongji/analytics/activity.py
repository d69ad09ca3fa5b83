"""Two datasets of what happened to people beside their settlements: the refusals they met (the refusals log) and
their wallet transfers (医保钱包). Declared as :mod:`gongji.analytics.datasets` declares the others, which lists them
in :data:`~gongji.analytics.datasets.DATASETS`.

A refusal met before the use case knew whom it was about (an unknown person, a malformed number) has no region: its
partition is Hive's ``__HIVE_DEFAULT_PARTITION__``, which DuckDB, Spark and Trino read as NULL.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import Select, func, select

from gongji.analytics.months import shanghai_month
from gongji.analytics.pseudonyms import Kind
from gongji.analytics.shape import Column, Dataset, moment_column
from gongji.store.refusal_tables import refusals
from gongji.store.wallet_tables import wallet_events, wallet_transfers

__all__ = ["NULL_PARTITION", "REFUSALS", "WALLET_TRANSFERS"]

#: The partition value of a NULL, as Hive writes it and every engine over these files reads it.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def _refusals() -> Select[Any]:
    r = refusals
    return select(
        func.coalesce(r.c.region, NULL_PARTITION).label("region"),
        shanghai_month(r.c.at).label("month"),
        r.c.at,
        r.c.operation,
        r.c.code,
        r.c.kind,
        r.c.channel,
        r.c.person_id,
        r.c.id.label("_row"),
    )


REFUSALS = Dataset(
    name="refusals",
    partition_by=("region", "month"),
    columns=(
        moment_column("at"),
        Column("operation", pa.string()),
        Column("code", pa.string()),
        Column("kind", pa.string()),
        Column("channel", pa.string()),
        Column("person_id", pa.int64(), Kind.PERSON),
    ),
    # The log is only ever added to.
    changes=("_row",),
    query=_refusals,
    description="拒绝 one row per refusal a write met, in the region of the person it was about and its month",
)


def _transfers() -> Select[Any]:
    w, e = wallet_transfers, wallet_events
    last_event = select(e.c.transfer_id, func.max(e.c.id).label("last_id")).group_by(e.c.transfer_id).subquery()
    return select(
        w.c.sender_region.label("region"),
        shanghai_month(w.c.requested_at).label("month"),
        w.c.id.label("transfer_id"),
        w.c.sender_person_id.label("sender_id"),
        w.c.receiver_person_id.label("receiver_id"),
        w.c.receiver_region,
        w.c.relation_type,
        w.c.amount_fen,
        w.c.from_prior_fen,
        w.c.from_current_fen,
        w.c.remaining_fen,
        w.c.status,
        w.c.requested_at,
        w.c.decided_at,
        func.coalesce(last_event.c.last_id, 0).label("_last_event"),
        w.c.remaining_fen.label("_remaining"),
    ).select_from(w.outerjoin(last_event, last_event.c.transfer_id == w.c.id))


WALLET_TRANSFERS = Dataset(
    name="wallet_transfers",
    partition_by=("region", "month"),
    columns=(
        Column("transfer_id", pa.int64(), Kind.TRANSFER),
        Column("sender_id", pa.int64(), Kind.PERSON),
        Column("receiver_id", pa.int64(), Kind.PERSON),
        Column("receiver_region", pa.string()),
        Column("relation_type", pa.string()),
        Column("amount_fen", pa.int64()),
        Column("from_prior_fen", pa.int64()),
        Column("from_current_fen", pa.int64()),
        Column("remaining_fen", pa.int64()),
        Column("status", pa.string()),
        moment_column("requested_at"),
        moment_column("decided_at"),
    ),
    # A transfer is decided, spent from, returned or closed: each writes an event, and spending lowers what remains.
    changes=("transfer_id", "_last_event", "_remaining"),
    query=_transfers,
    description="医保钱包划转 one row per wallet transfer, in the sender's region and the month it was asked for",
)
