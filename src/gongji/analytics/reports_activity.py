"""The reports on what happened to people beside their settlements: the refusals they met (what "doesn't work" for
them, seed 004), by code and region, by channel, by month; and their wallet transfers (医保钱包), by region and month.
Listed with the others in :data:`gongji.analytics.reports.REPORTS`; the same conventions hold (standard SQL over the
export's views, ``report_scope`` and ``report_regions``).

A refusal met before gongji knew whom it concerned has no region (NULL): it counts when every region is asked for,
and under no named region.
"""

from __future__ import annotations

from gongji.analytics.report_types import SCOPE_JOIN, Chart, Field, Report, code_names
from gongji.domain.codes import RelationType

__all__ = ["ACTIVITY_REPORTS", "CHANNEL_NAMES"]

#: The channels of the refusals log (:class:`gongji.service.refusal_log.Channel`), named.
CHANNEL_NAMES = {
    "rest": ("REST 接口", "REST API"),
    "fsi": ("国家接口", "national interface"),
    "portal": ("个人门户", "portal"),
    "counter": ("经办窗口", "counter"),
    "cli": ("命令行", "command line"),
    "synth": ("模拟人口", "synthetic province"),
    "internal": ("内部", "internal"),
}

_IN_REGIONS = """(r.region IN (SELECT region FROM report_regions) OR (r.region IS NULL AND sc.every_region))"""


def _refusals_by(*columns: str) -> str:
    """Refusals and the people who met them, counted by ``columns`` and code, most met first."""
    named = ", ".join(f"r.{column}" for column in columns)
    return f"""
SELECT {named}, r.code,
       COUNT(*) AS refusals,
       COUNT(DISTINCT r.person_id) AS people
FROM refusals AS r
{SCOPE_JOIN}
WHERE r.month BETWEEN sc.from_month AND sc.to_month
  AND {_IN_REGIONS}
GROUP BY {named}, r.code
ORDER BY {named}, COUNT(*) DESC, r.code
"""


REFUSALS_SQL = _refusals_by("region")
REFUSALS_BY_CHANNEL_SQL = _refusals_by("channel")
REFUSALS_BY_MONTH_SQL = _refusals_by("region", "month")

WALLET_SQL = f"""
SELECT w.region, w.month, w.relation_type,
       COUNT(*) AS transfers,
       SUM(w.amount_fen) AS amount_fen,
       SUM(w.remaining_fen) AS remaining_fen
FROM wallet_transfers AS w
{SCOPE_JOIN}
WHERE w.status NOT IN ('pending', 'declined')
  AND w.month BETWEEN sc.from_month AND sc.to_month
  AND w.region IN (SELECT region FROM report_regions)
GROUP BY w.region, w.month, w.relation_type
ORDER BY w.region, w.month, w.relation_type
"""

_REGION = Field("region", "统筹区", "Region", "region")
_MONTH = Field("month", "月份", "Month", "month")
_CODE = Field("code", "拒绝代码", "Refusal code", "code")
_REFUSALS = Field("refusals", "拒绝次数", "Refusals", "count")
_PEOPLE = Field("people", "涉及人数", "People", "count")

ACTIVITY_REPORTS: tuple[Report, ...] = (
    Report(
        "refusals",
        "参保人遇到的拒绝",
        "Refusals people met",
        REFUSALS_SQL,
        (_REGION, _CODE, _REFUSALS, _PEOPLE),
        Chart("bar", "code", "refusals", "region"),
    ),
    Report(
        "refusals-by-channel",
        "按办理渠道的拒绝",
        "Refusals by channel",
        REFUSALS_BY_CHANNEL_SQL,
        (Field("channel", "渠道", "Channel", "code", code_names(None, CHANNEL_NAMES)), _CODE, _REFUSALS, _PEOPLE),
        Chart("stacked", "code", "refusals", "channel"),
    ),
    Report(
        "refusals-by-month",
        "按月份的拒绝",
        "Refusals by month",
        REFUSALS_BY_MONTH_SQL,
        (_REGION, _MONTH, _CODE, _REFUSALS, _PEOPLE),
        Chart("stacked", "month", "refusals", "code"),
    ),
    Report(
        "wallet",
        "医保钱包划转",
        "Wallet transfers",
        WALLET_SQL,
        (
            _REGION,
            _MONTH,
            Field("relation_type", "关系类型", "Relation type", "code", code_names(RelationType, {})),
            Field("transfers", "划转笔数", "Transfers", "count"),
            Field("amount_fen", "划转金额", "Amount transferred", "fen"),
            Field("remaining_fen", "尚在钱包", "Still in the wallets", "fen"),
        ),
        Chart("stacked", "month", "amount_fen", "relation_type"),
    ),
)
