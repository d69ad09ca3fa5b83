"""The reports over the analytical store, declared in one place: each is one SQL query and one chart recipe.

The SQL is standard SQL over the export's views (``settlements``, ``payers``, ``relations``, ``people``) and two small
tables that carry the period and regions asked for::

    report_scope (from_month VARCHAR, to_month VARCHAR,   -- one row: the first and last month, ``YYYY-MM``,
                  every_region BOOLEAN)                   -- and whether no region was named
    report_regions (region VARCHAR)                       -- the regions asked for (every region when none was named)

so the same text runs unchanged in DuckDB here and in Spark SQL or Trino over the same files, once those two tables
exist there (``docs/analytics-export.md``). No dialect function, no parameter marker, no ordinal ``GROUP BY``. Amounts
stay in fen to the end; a share is computed from the fen sums in basis points, rounded half up in the one place money
and rates are rounded (:func:`gongji.domain.money.round_half_up`).

Which money counts: a settlement reversed since is left out, as the aggregates endpoint leaves it out
(``service/aggregates.py``); "mutual aid" is money paid from someone else's personal account than the patient's — a
relative's through a relation, or a relative's wallet transfer (医保钱包) — and a settlement counts in the region and
month it was made (Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from gongji.analytics.duck import Rows, open_export, partition_values, run_sql
from gongji.analytics.report_types import SCOPE_JOIN, Chart, Field, Report, code_names
from gongji.analytics.reports_activity import ACTIVITY_REPORTS
from gongji.domain.codes import Insutype, MedType, RelationType
from gongji.domain.money import round_half_up

__all__ = [
    "REPORTS",
    "Chart",
    "Field",
    "Report",
    "ReportResult",
    "Scope",
    "UnknownReport",
    "report_named",
    "run_report",
]

_REGION = Field("region", "统筹区", "Region", "region")
_MONTH = Field("month", "月份", "Month", "month")
_SETTLEMENTS = Field("settlements", "共济结算笔数", "Settlements with mutual aid", "count")
_MUTUAL_AID = Field("mutual_aid_fen", "共济金额", "Mutual-aid amount", "fen")
_NOT_BY_RELATION = {"wallet": ("医保钱包", "wallet transfer"), "none": ("无关系", "no relation")}
_NOT_MEDICAL = {"contribution": ("参保缴费", "contribution"), "claim": ("手工报销", "manual claim")}

_SCOPE = SCOPE_JOIN

MUTUAL_AID_SQL = f"""
SELECT s.region, s.month,
       COUNT(*) AS settlements,
       SUM(s.acct_mulaid_pay_fen) AS mutual_aid_fen
FROM settlements AS s
{_SCOPE}
WHERE s.reversed = FALSE
  AND s.acct_mulaid_pay_fen > 0
  AND s.month BETWEEN sc.from_month AND sc.to_month
  AND s.region IN (SELECT region FROM report_regions)
GROUP BY s.region, s.month
ORDER BY s.region, s.month
"""

MUTUAL_AID_BY_RELATION_SQL = f"""
WITH paid AS (
  SELECT p.region, p.month, p.settlement_id,
         COALESCE(p.relation_type, CASE WHEN p.via_wallet THEN 'wallet' ELSE 'none' END) AS relation_type,
         p.prior_years_fen + p.current_year_fen AS amount_fen
  FROM payers AS p
  JOIN settlements AS s
    ON s.region = p.region AND s.month = p.month AND s.settlement_id = p.settlement_id
  {_SCOPE}
  WHERE p.mutual_aid
    AND s.reversed = FALSE
    AND p.month BETWEEN sc.from_month AND sc.to_month
    AND p.region IN (SELECT region FROM report_regions)
)
SELECT region, month, relation_type,
       COUNT(DISTINCT settlement_id) AS settlements,
       SUM(amount_fen) AS mutual_aid_fen
FROM paid
GROUP BY region, month, relation_type
ORDER BY region, month, relation_type
"""


def _by_settlement_column(expression: str, name: str) -> str:
    return f"""
WITH aided AS (
  SELECT s.region, s.month, {expression} AS {name}, s.acct_mulaid_pay_fen
  FROM settlements AS s
  {_SCOPE}
  WHERE s.reversed = FALSE
    AND s.acct_mulaid_pay_fen > 0
    AND s.month BETWEEN sc.from_month AND sc.to_month
    AND s.region IN (SELECT region FROM report_regions)
)
SELECT region, month, {name},
       COUNT(*) AS settlements,
       SUM(acct_mulaid_pay_fen) AS mutual_aid_fen
FROM aided
GROUP BY region, month, {name}
ORDER BY region, month, {name}
"""


SHARE_SQL = f"""
SELECT s.region, s.month,
       SUM(s.acct_pay_fen) AS acct_pay_fen,
       SUM(s.acct_mulaid_pay_fen) AS mutual_aid_fen
FROM settlements AS s
{_SCOPE}
WHERE s.reversed = FALSE
  AND s.month BETWEEN sc.from_month AND sc.to_month
  AND s.region IN (SELECT region FROM report_regions)
GROUP BY s.region, s.month
ORDER BY s.region, s.month
"""

# A relation counts for the period when it was confirmed by its last month and had not ended before its first.
BENEFICIARIES_SQL = f"""
WITH per_authoriser AS (
  SELECT r.region, r.authoriser_id, COUNT(DISTINCT r.beneficiary_id) AS beneficiaries
  FROM relations AS r
  {_SCOPE}
  WHERE r.confirmed_month IS NOT NULL
    AND r.confirmed_month <= sc.to_month
    AND (r.ended_month IS NULL OR r.ended_month >= sc.from_month)
    AND r.region IN (SELECT region FROM report_regions)
  GROUP BY r.region, r.authoriser_id
)
SELECT region, beneficiaries, COUNT(*) AS authorisers
FROM per_authoriser
GROUP BY region, beneficiaries
ORDER BY region, beneficiaries
"""


def _share(row: dict[str, Any]) -> dict[str, Any]:
    spent = row["acct_pay_fen"]
    share = round_half_up(Fraction(row["mutual_aid_fen"] * 10_000, spent)) if spent else None
    return {**row, "share_bp": share}


_MONEY_REPORTS: tuple[Report, ...] = (
    Report(
        "mutual-aid",
        "家庭共济金额",
        "Mutual-aid amount",
        MUTUAL_AID_SQL,
        (_REGION, _MONTH, _SETTLEMENTS, _MUTUAL_AID),
        Chart("line", "month", "mutual_aid_fen", "region"),
    ),
    Report(
        "mutual-aid-by-relation",
        "按关系类型的家庭共济金额",
        "Mutual-aid amount by relation type",
        MUTUAL_AID_BY_RELATION_SQL,
        (
            _REGION,
            _MONTH,
            Field("relation_type", "关系类型", "Relation type", "code", code_names(RelationType, _NOT_BY_RELATION)),
            _SETTLEMENTS,
            _MUTUAL_AID,
        ),
        Chart("stacked", "month", "mutual_aid_fen", "relation_type"),
    ),
    Report(
        "mutual-aid-by-med-type",
        "按医疗类别的家庭共济金额",
        "Mutual-aid amount by medical type",
        _by_settlement_column("COALESCE(s.med_type, s.kind)", "med_type"),
        (
            _REGION,
            _MONTH,
            Field("med_type", "医疗类别", "Medical type", "code", code_names(MedType, _NOT_MEDICAL)),
            _SETTLEMENTS,
            _MUTUAL_AID,
        ),
        Chart("stacked", "month", "mutual_aid_fen", "med_type"),
    ),
    Report(
        "mutual-aid-by-insutype",
        "按险种的家庭共济金额",
        "Mutual-aid amount by the patient's insurance type",
        _by_settlement_column("s.insutype", "insutype"),
        (
            _REGION,
            _MONTH,
            Field("insutype", "险种", "Insurance type", "code", code_names(Insutype, {})),
            _SETTLEMENTS,
            _MUTUAL_AID,
        ),
        Chart("stacked", "month", "mutual_aid_fen", "insutype"),
    ),
    Report(
        "share",
        "个人账户支出中共济给亲属的占比",
        "Share of personal-account spending that went to relatives",
        SHARE_SQL,
        (
            _REGION,
            _MONTH,
            Field("acct_pay_fen", "个人账户支付", "Personal-account spending", "fen"),
            _MUTUAL_AID,
            Field("share_bp", "共济占比", "Share to relatives", "bp"),
        ),
        Chart("line", "month", "share_bp", "region"),
        derive=_share,
    ),
    Report(
        "beneficiaries",
        "每位共济人的被共济人数分布",
        "Beneficiaries per authoriser",
        BENEFICIARIES_SQL,
        (
            _REGION,
            Field("beneficiaries", "被共济人数", "Beneficiaries", "count"),
            Field("authorisers", "共济人数", "Authorisers", "count"),
        ),
        Chart("bar", "beneficiaries", "authorisers", "region"),
    ),
)

#: Every report, by its name on the command line.
REPORTS: tuple[Report, ...] = _MONEY_REPORTS + ACTIVITY_REPORTS

#: The breakdowns ``--by`` asks of a report, by the report they are a breakdown of.
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "mutual-aid": ("relation", "med-type", "insutype"),
    "refusals": ("channel", "month"),
}


class UnknownReport(Exception):
    """No report has that name (or that report has no such breakdown)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no report called {name!r}")
        self.name = name


def report_named(name: str, by: str | None = None) -> Report:
    """The report ``name``, or its breakdown ``by`` (``mutual-aid`` by ``relation`` is ``mutual-aid-by-relation``)."""
    wanted = name if by is None else f"{name}-by-{by}"
    if by is not None and by not in BREAKDOWNS.get(name, ()):
        raise UnknownReport(wanted)
    for report in REPORTS:
        if report.name == wanted:
            return report
    raise UnknownReport(wanted)


@dataclass(frozen=True)
class Scope:
    """What a report is asked about: the months from and to (``YYYY-MM``, both included; ``None``: unbounded) and
    the regions (empty: every region of the export)."""

    from_month: str | None = None
    to_month: str | None = None
    regions: tuple[str, ...] = ()


@dataclass
class ReportResult:
    """A report's answer: the report, the scope it was run for, and its rows by column name."""

    report: Report
    scope: Scope
    rows: list[dict[str, Any]] = field(default_factory=list)


def run_report(directory: Path, report: Report, scope: Scope) -> ReportResult:
    """Run ``report`` over the export in ``directory`` for ``scope``."""
    connection = open_export(directory)
    try:
        regions: Sequence[str] = scope.regions or partition_values(directory, "region")
        connection.execute("CREATE TABLE report_scope (from_month VARCHAR, to_month VARCHAR, every_region BOOLEAN)")
        connection.execute(
            "INSERT INTO report_scope VALUES (?, ?, ?)",
            [scope.from_month or "0000-01", scope.to_month or "9999-12", not scope.regions],
        )
        connection.execute("CREATE TABLE report_regions (region VARCHAR)")
        if regions:
            connection.executemany("INSERT INTO report_regions VALUES (?)", [[region] for region in regions])
        answer: Rows = run_sql(connection, report.sql)
    finally:
        connection.close()
    rows = answer.dicts()
    if report.derive is not None:
        rows = [report.derive(row) for row in rows]
    return ReportResult(report, scope, rows)
