"""What the analytical store holds: each dataset is one declaration — a query, its partition columns, its columns.

A dataset's query selects, under their output names, the partition columns (computed by the database), the columns
written to the files, and the *change markers*: integer columns whose sum over a partition changes whenever a row of
the partition is added or changes. The exporter groups the same query by partition to fingerprint every partition
(rows and the markers' sums) and rewrites only the partitions whose fingerprint moved. A marker's name starts with
``_`` and is never written; a column declared with a :class:`~gongji.analytics.pseudonyms.Kind` holds an internal id
in the query and its pseudonymous id in the files.

What no dataset carries: names, ID numbers (``certno``), person numbers (``psn_no``), phones, addresses, employers,
visit or settlement numbers of the national interface (``mdtrt_id``, ``setl_id``), card numbers, free text. A person's
birth year and sex are computed from the ID number by the database; the number itself is never read.

Adding a dataset is one more :class:`Dataset` in :data:`DATASETS`; the refusals and the wallet transfers are declared
in :mod:`gongji.analytics.activity`.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import Integer, Select, case, cast, func, select

from gongji.analytics.activity import REFUSALS, WALLET_TRANSFERS
from gongji.analytics.months import shanghai_month
from gongji.analytics.pseudonyms import Kind
from gongji.analytics.shape import Column, Dataset, fen_column, flag_column, id_column, moment_column, text_column
from gongji.domain.codes import BASIC_INSUTYPES, EnrollmentStatus
from gongji.store import tables as t

__all__ = ["DATASETS", "Column", "Dataset", "dataset_named"]


def _settlements() -> Select[Any]:
    s, i = t.settlements, t.institutions
    return select(
        s.c.region.label("region"),
        shanghai_month(s.c.settled_at).label("month"),
        s.c.id.label("settlement_id"),
        s.c.person_id.label("patient_id"),
        s.c.kind,
        s.c.med_type,
        s.c.insutype,
        s.c.psn_type,
        s.c.status,
        s.c.reversal_journal_id.is_not(None).label("reversed"),
        s.c.acct_used_flag,
        s.c.settled_at,
        s.c.reversed_at,
        s.c.medfee_sumamt_fen,
        s.c.fulamt_ownpay_amt_fen,
        s.c.overlmt_selfpay_fen,
        s.c.preselfpay_amt_fen,
        s.c.inscp_scp_amt_fen,
        s.c.act_pay_dedc_fen,
        s.c.hifp_pay_fen,
        s.c.fund_pay_sumamt_fen,
        s.c.psn_part_amt_fen,
        s.c.acct_pay_fen,
        s.c.acct_mulaid_pay_fen,
        s.c.psn_cash_pay_fen,
        s.c.hosp_part_amt_fen,
        s.c.institution_id,
        i.c.kind.label("institution_kind"),
        i.c.level.label("institution_level"),
        i.c.region.label("institution_region"),
        func.coalesce(s.c.reversal_journal_id, 0).label("_reversal"),
    ).select_from(s.outerjoin(i, i.c.id == s.c.institution_id))


_AMOUNTS = (
    "medfee_sumamt_fen",
    "fulamt_ownpay_amt_fen",
    "overlmt_selfpay_fen",
    "preselfpay_amt_fen",
    "inscp_scp_amt_fen",
    "act_pay_dedc_fen",
    "hifp_pay_fen",
    "fund_pay_sumamt_fen",
    "psn_part_amt_fen",
    "acct_pay_fen",
    "acct_mulaid_pay_fen",
    "psn_cash_pay_fen",
    "hosp_part_amt_fen",
)

SETTLEMENTS = Dataset(
    name="settlements",
    partition_by=("region", "month"),
    columns=(
        id_column("settlement_id", Kind.SETTLEMENT),
        id_column("patient_id", Kind.PERSON),
        text_column("kind"),
        text_column("med_type"),
        text_column("insutype"),
        text_column("psn_type"),
        text_column("status"),
        flag_column("reversed"),
        flag_column("acct_used_flag"),
        moment_column("settled_at"),
        moment_column("reversed_at"),
        *(fen_column(name) for name in _AMOUNTS),
        id_column("institution_id", Kind.INSTITUTION),
        text_column("institution_kind"),
        text_column("institution_level"),
        text_column("institution_region"),
    ),
    # A new settlement adds its id; a reversal (the only change a settlement row ever sees) adds its journal's id.
    changes=("settlement_id", "_reversal"),
    query=_settlements,
    description="结算 one row per settlement, in the region and month it was made (Asia/Shanghai)",
)


def _payers() -> Select[Any]:
    p, s, r = t.settlement_payers, t.settlements, t.relations
    return select(
        s.c.region.label("region"),
        shanghai_month(s.c.settled_at).label("month"),
        p.c.settlement_id,
        p.c.seq,
        p.c.payer_person_id.label("payer_id"),
        s.c.person_id.label("patient_id"),
        p.c.relation_id,
        r.c.relation_type,
        p.c.region.label("payer_region"),
        p.c.prior_years_fen,
        p.c.current_year_fen,
        # a wallet sender on another node has no id here (NULL): his payment is mutual aid all the same
        (func.coalesce(p.c.payer_person_id, -1) != s.c.person_id).label("mutual_aid"),
        p.c.wallet_transfer_id.is_not(None).label("via_wallet"),
        p.c.id.label("_row"),
    ).select_from(p.join(s, s.c.id == p.c.settlement_id).outerjoin(r, r.c.id == p.c.relation_id))


PAYERS = Dataset(
    name="payers",
    partition_by=("region", "month"),
    columns=(
        id_column("settlement_id", Kind.SETTLEMENT),
        Column("seq", pa.int32()),
        id_column("payer_id", Kind.PERSON),
        id_column("patient_id", Kind.PERSON),
        id_column("relation_id", Kind.RELATION),
        text_column("relation_type"),
        text_column("payer_region"),
        fen_column("prior_years_fen"),
        fen_column("current_year_fen"),
        flag_column("mutual_aid"),
        flag_column("via_wallet"),
    ),
    # Payers are written with their settlement and never change: a new row is the only change.
    changes=("_row",),
    query=_payers,
    description="结算支付人 one row per account that paid a settlement, beside its settlement's partition",
)


def _relations() -> Select[Any]:
    r, e = t.relations, t.relation_events
    last_event = select(e.c.relation_id, func.max(e.c.id).label("last_id")).group_by(e.c.relation_id).subquery()
    return select(
        r.c.region.label("region"),
        shanghai_month(r.c.requested_at).label("month"),
        r.c.id.label("relation_id"),
        r.c.authoriser_id,
        r.c.beneficiary_id,
        r.c.relation_type,
        r.c.status,
        r.c.beneficiary_region,
        r.c.channel,
        r.c.requested_at,
        r.c.confirmed_at,
        r.c.ended_at,
        r.c.end_reason,
        r.c.valid_until,
        shanghai_month(r.c.confirmed_at).label("confirmed_month"),
        shanghai_month(r.c.ended_at).label("ended_month"),
        func.coalesce(last_event.c.last_id, 0).label("_last_event"),
    ).select_from(r.outerjoin(last_event, last_event.c.relation_id == r.c.id))


RELATIONS = Dataset(
    name="relations",
    partition_by=("region", "month"),
    columns=(
        id_column("relation_id", Kind.RELATION),
        id_column("authoriser_id", Kind.PERSON),
        id_column("beneficiary_id", Kind.PERSON),
        text_column("relation_type"),
        text_column("status"),
        text_column("beneficiary_region"),
        text_column("channel"),
        moment_column("requested_at"),
        moment_column("confirmed_at"),
        moment_column("ended_at"),
        text_column("end_reason"),
        Column("valid_until", pa.date32()),
        text_column("confirmed_month"),
        text_column("ended_month"),
    ),
    # Every change of a relation (confirmed, declined, ended, expired, its quota or order set) writes an event.
    changes=("relation_id", "_last_event"),
    query=_relations,
    description="共济关系 one row per relation, in the authoriser's region and the month it was requested",
)


def _people() -> Select[Any]:
    p, e, ev = t.people, t.enrollments, t.enrollment_events
    basic = e.c.insutype.in_(sorted(code.value for code in BASIC_INSUTYPES))
    terminated = EnrollmentStatus.TERMINATED.value
    # The current enrollment: the active basic one (at most one, held by the database), else the latest basic one,
    # else the latest of any insurance type.
    ranked = select(
        e.c.id,
        e.c.person_id,
        e.c.insutype,
        e.c.psn_type,
        e.c.pooling_region,
        e.c.status,
        func.row_number()
        .over(
            partition_by=e.c.person_id,
            order_by=(case((e.c.status != terminated, 0), else_=1), case((basic, 0), else_=1), e.c.id.desc()),
        )
        .label("rank"),
    ).subquery()
    last_event = select(ev.c.enrollment_id, func.max(ev.c.id).label("last_id")).group_by(ev.c.enrollment_id).subquery()
    return select(
        ranked.c.pooling_region.label("region"),
        p.c.id.label("person_id"),
        cast(func.substr(p.c.certno, 7, 4), Integer).label("birth_year"),
        case((cast(func.substr(p.c.certno, 17, 1), Integer) % 2 == 1, "1"), else_="2").label("sex"),
        ranked.c.insutype,
        ranked.c.psn_type,
        ranked.c.status.label("enrollment_status"),
        ranked.c.id.label("_enrollment"),
        func.coalesce(last_event.c.last_id, 0).label("_last_event"),
    ).select_from(
        p.join(ranked, (ranked.c.person_id == p.c.id) & (ranked.c.rank == 1)).outerjoin(
            last_event, last_event.c.enrollment_id == ranked.c.id
        )
    )


PEOPLE = Dataset(
    name="people",
    partition_by=("region",),
    columns=(
        id_column("person_id", Kind.PERSON),
        Column("birth_year", pa.int16()),
        text_column("sex"),
        text_column("insutype"),
        text_column("psn_type"),
        text_column("enrollment_status"),
    ),
    # A person enters or leaves a region with a new current enrollment; every change of an enrollment writes an event.
    changes=("person_id", "_enrollment", "_last_event"),
    query=_people,
    description="参保人 one row per enrolled person, in the region of the current enrollment (no month: a person has "
    "none; a registration month would scatter a region over decades of tiny files)",
)

#: Every dataset the exporter writes, in the order it writes them.
DATASETS: tuple[Dataset, ...] = (SETTLEMENTS, PAYERS, RELATIONS, PEOPLE, REFUSALS, WALLET_TRANSFERS)


def dataset_named(name: str) -> Dataset:
    """The dataset called ``name`` (``KeyError`` when there is none)."""
    for dataset in DATASETS:
        if dataset.name == name:
            return dataset
    raise KeyError(name)
