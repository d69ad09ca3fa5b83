"""The insured person's records (all need a signed-in person; every one shows only his own family).

::

    GET       /records                        statement, settlements, the year's spending by family member (SVG)
    GET       /records/statement.csv          the statement as CSV
    GET       /records/settlements.csv        the settlements as CSV
    GET       /settlements/{setl_id}          one settlement I am part of, with its explanation

A settlement outside the person's circle is answered with the same 403 page whether it exists or not (see
:func:`gongji.api.portal.person.scoped`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gongji.api.portal.chart import bar_chart
from gongji.api.portal.deps import CurrentPerson, PortalDep, SetlId
from gongji.api.portal.person import scoped
from gongji.api.portal.render import csv_response, render, translator
from gongji.api.portal.shown import SETTLEMENT_AMOUNTS
from gongji.api.portal.state import Portal
from gongji.domain.money import format_yuan
from gongji.service import household
from gongji.service.account_query import statement

__all__ = ["router"]

router = APIRouter()

#: How many past years the records page offers.
_YEARS_SHOWN = 5

YearQuery = Annotated[int | None, Query(ge=1990, le=2199)]


# --- records --------------------------------------------------------------------------------------------------------


def _year(portal: Portal, year: int | None) -> int:
    return year or portal.ctx.clock.today().year


@router.get("/records")
def records_page(request: Request, portal: PortalDep, person: CurrentPerson, year: YearQuery = None) -> Response:
    """My statement, the settlements that involve me, and the year's spending from my account by family member."""
    shown_year = _year(portal, year)
    this_year = portal.ctx.clock.today().year
    found = household.records(portal.ctx, person.ref, shown_year)
    lines = statement(portal.ctx, person.ref, start=date(shown_year, 1, 1), end=date(shown_year, 12, 31))
    circle = household.circle(portal.ctx, person.ref)
    chart = bar_chart([(s.name, s.amount_fen) for s in found.spending])
    return render(
        request,
        "records.html",
        nav="records",
        year=shown_year,
        years=list(range(this_year, this_year - _YEARS_SHOWN, -1)),
        records=found,
        statement=lines,
        chart=chart,
        me=circle.me,
    )


@router.get("/records/statement.csv")
def statement_csv(request: Request, portal: PortalDep, person: CurrentPerson, year: YearQuery = None) -> Response:
    """The year's statement as CSV, in the page's language."""
    t = translator(request)
    shown_year = _year(portal, year)
    found = household.records(portal.ctx, person.ref, shown_year)
    lines = statement(portal.ctx, person.ref, start=date(shown_year, 1, 1), end=date(shown_year, 12, 31))
    header = [
        t("records.col.date"),
        t("records.col.what"),
        t("records.col.part"),
        t("records.col.amount"),
        t("records.col.balance"),
        t("records.col.paid_for"),
        t("records.col.settlement"),
        t("records.col.reference"),
    ]
    rows = [
        [
            line.booked_at.strftime("%Y-%m-%d %H:%M"),
            t.journal(line.kind),
            t.account(line.account),
            format_yuan(line.amount_fen, grouping=False),
            format_yuan(line.balance_after_fen, grouping=False),
            line.paid_for or "",
            found.setl_by_journal.get(line.journal_id, ""),
            line.reference or "",
        ]
        for line in lines.lines
    ]
    return csv_response(f"{t('csv.statement_name')}-{shown_year}", header, rows)


@router.get("/records/settlements.csv")
def settlements_csv(request: Request, portal: PortalDep, person: CurrentPerson, year: YearQuery = None) -> Response:
    """The year's settlements that involve me, as CSV."""
    t = translator(request)
    shown_year = _year(portal, year)
    found = household.records(portal.ctx, person.ref, shown_year)
    header = [
        t("records.col.date"),
        t("records.col.settlement"),
        t("records.col.patient"),
        t("records.col.kind"),
        t("records.col.total"),
        t("records.col.fund"),
        t("records.col.accounts"),
        t("records.col.mutual"),
        t("records.col.cash"),
        t("records.col.by_me"),
        t("records.col.status"),
    ]
    rows = [
        [
            s.settled_at.strftime("%Y-%m-%d %H:%M"),
            s.setl_id,
            s.patient,
            t.med_type(s.med_type),
            format_yuan(s.medfee_sumamt_fen, grouping=False),
            format_yuan(s.fund_pay_sumamt_fen, grouping=False),
            format_yuan(s.acct_pay_fen, grouping=False),
            format_yuan(s.acct_mulaid_pay_fen, grouping=False),
            format_yuan(s.psn_cash_pay_fen, grouping=False),
            format_yuan(s.paid_by_me_fen, grouping=False),
            t(f"records.status.{s.status}") if t.has(f"records.status.{s.status}") else s.status,
        ]
        for s in found.settlements
    ]
    return csv_response(f"{t('csv.settlements_name')}-{shown_year}", header, rows)


@router.get("/settlements/{setl_id}")
def settlement_page(request: Request, portal: PortalDep, person: CurrentPerson, setl_id: SetlId) -> Response:
    """One settlement I am the patient of or paid in: how the bill was shared, who paid, and why."""
    settlement = scoped(household.settlement_for, portal.ctx, person.ref, setl_id)
    return render(
        request,
        "settlement.html",
        nav="records",
        settlement=settlement,
        amounts=SETTLEMENT_AMOUNTS,
        my_name=person.name,
        is_patient=settlement.person_id == person.person_id,
    )
