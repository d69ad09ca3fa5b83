"""Aggregates by region and month, and the caller."""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from gongji.api.rest.models.common import ResponseModel, yuan

__all__ = ["PrincipalOut", "RelationTotalsOut", "SettlementMonthOut"]


class SettlementMonthOut(ResponseModel):
    """Settlements of one kind made in one region and month (no personal data)."""

    month: str
    region: str
    region_zh: str
    kind: str
    settlements: int
    reversed: int
    mutual_aid_settlements: int
    medfee_sumamt_fen: int
    hifp_pay_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def acct_mulaid_pay_yuan(self) -> str:
        """Mutual aid paid, in yuan."""
        return yuan(self.acct_mulaid_pay_fen)


class RelationTotalsOut(ResponseModel):
    """Relations of a region by stored status."""

    region: str
    region_zh: str
    by_status: dict[str, int]
    total: int


class PrincipalOut(BaseModel):
    """Who the token is: its id, role, granted regions or institution."""

    token_id: int
    role: str
    role_zh: str
    regions: list[str]
    fixmedins_code: str | None
    label: str | None
