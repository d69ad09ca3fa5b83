"""Helpers shared by tests: people to work with, fresh idempotency keys, a snapshot of everything a refusal must not
change, and the national platform's sample messages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from gongji.domain.codes import Insutype, PsnType
from gongji.domain.errors import ErrorCode, GongjiError
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.household_identity import sign_in_identity
from gongji.service.people import RegisterPerson, register_person
from gongji.store import tables

JIANGUO = "130102197503150019"  # 张建国, male, born 1975
XIUYING = "130102197708220025"  # 李秀英, female, born 1977
XIAOMING = "130102201206050037"  # 张小明, male, born 2012
DEFU = "130102194801100016"  # 张德福, male, born 1948
GUILAN = "130102195002180026"  # 赵桂兰, female, born 1950
ZHANGLI = "110105198007040021"  # 张丽, female, born 1980

#: Tables of bookkeeping, not business state: idempotency keys of requests and the log of refusals (which a refused
#: request adds to), and the short-lived access state (gateway nonces, sign-outs, sign-in challenges and failures)
#: that every authenticated request may add to.
BOOKKEEPING_TABLES = frozenset(
    {"idempotency_keys", "refusals", "gateway_nonces", "portal_signed_out", "portal_challenges", "portal_failures"}
)
#: Every table whose rows are business state.
BUSINESS_TABLES = [t for t in tables.metadata.sorted_tables if t.name not in BOOKKEEPING_TABLES]

#: The national platform's sample messages (see tests/fsi/samples), which gongji's answers are checked against.
FSI_SAMPLES = Path(__file__).resolve().parent / "fsi" / "samples"


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every business table, in id order: compare before and after a refused request."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in BUSINESS_TABLES
        }


def refused(engine: Engine, code: ErrorCode, call: Callable[[], object]) -> GongjiError:
    """The call fails with exactly ``code`` and changes no business row; the refusal, for its parameters."""
    before = snapshot(engine)
    with pytest.raises(GongjiError) as caught:
        call()
    assert caught.value.code is code, caught.value.message_en
    assert snapshot(engine) == before
    return caught.value


def random_key() -> str:
    """A fresh idempotency key, random so that no two writes of a test (or of two tests) ever replay each other."""
    return uuid.uuid4().hex


def load_sample(name: str) -> dict[str, Any]:
    """One of the national platform's sample messages, its decimals read as ``Decimal`` (amounts keep their digits)."""
    loaded: dict[str, Any] = json.loads((FSI_SAMPLES / name).read_text(encoding="utf-8"), parse_float=Decimal)
    return loaded


def person_id(ctx: Context, certno: str) -> int:
    """The id of the person with this ID number (the portal's links name people by id)."""
    identity = sign_in_identity(ctx, certno)
    assert identity is not None
    return identity.person_id


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
