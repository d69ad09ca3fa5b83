"""Helpers shared by integration tests: people to work with, and a snapshot of everything a refusal must not change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from gongji.domain.codes import Insutype, PsnType
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person
from gongji.store import tables

JIANGUO = "130102197503150019"  # 张建国, male, born 1975
XIUYING = "130102197708220025"  # 李秀英, female, born 1977
XIAOMING = "130102201206050037"  # 张小明, male, born 2012
DEFU = "130102194801100016"  # 张德福, male, born 1948
GUILAN = "130102195002180026"  # 赵桂兰, female, born 1950
ZHANGLI = "110105198007040021"  # 张丽, female, born 1980

#: Every table whose rows are business state (idempotency keys are bookkeeping of requests, not state).
BUSINESS_TABLES = [t for t in tables.metadata.sorted_tables if t.name != "idempotency_keys"]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every business table, in id order: compare before and after a refused request."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in BUSINESS_TABLES
        }


def employee(
    ctx: Context,
    certno: str = JIANGUO,
    name: str = "张建国",
    *,
    region: str = "130100",
    prior_fen: int = 0,
    current_fen: int = 0,
    psn_type: PsnType = PsnType.EMPLOYEE_IN_SERVICE,
) -> str:
    """Register and enroll an employee (310) and give the personal account its opening balances."""
    register_person(ctx, RegisterPerson(certno, name), key=f"t:{certno}:register")
    enroll(
        ctx,
        Enroll(certno, Insutype.EMPLOYEE_BASIC, psn_type, region, date(2000, 1, 1), "示例单位"),
        key=f"t:{certno}:enroll",
    )
    if prior_fen:
        credit_account(
            ctx,
            CreditAccount(certno, prior_fen, "opening", Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE),
            key=f"t:{certno}:prior",
        )
    if current_fen:
        credit_account(ctx, CreditAccount(certno, current_fen, "contribution"), key=f"t:{certno}:current")
    return certno


def resident(ctx: Context, certno: str, name: str, *, psn_type: PsnType = PsnType.ADULT_RESIDENT) -> str:
    """Register and enroll a resident (390) in Shijiazhuang."""
    register_person(ctx, RegisterPerson(certno, name), key=f"t:{certno}:register")
    enroll(ctx, Enroll(certno, Insutype.RESIDENT_BASIC, psn_type, "130100", date(2019, 1, 1)), key=f"t:{certno}:enroll")
    return certno


#: Makes a fresh, migrated, empty database (one per Hypothesis example); see tests/properties/conftest.py.
EngineFactory = Callable[[], Engine]
