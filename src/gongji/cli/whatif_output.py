"""What ``gongji whatif`` shows and writes of a result: the tables, the JSON, the CSV files and the charts."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .output import console, table

if TYPE_CHECKING:
    from gongji.service.whatif.run import WhatIf

__all__ = ["as_data", "show", "write_families", "write_out"]


def _region_rows(result: WhatIf) -> list[dict[str, Any]]:
    return [{"region": code, **vars(totals)} for code, totals in sorted(result.by_region.items())]


def _family_rows(result: WhatIf) -> list[dict[str, Any]]:
    """Each changed family, the largest change of cash first."""
    ordered = sorted(result.families.values(), key=lambda f: (-abs(f.cash_fen), -abs(f.mutual_aid_fen), f.family))
    return [vars(family) for family in ordered]


def _change(change: Any) -> dict[str, Any]:
    base, over = change.base, change.over
    return {
        "setl_id": change.setl_id,
        "region": change.region,
        "settled_at": change.settled_at.isoformat(),
        "cash_fen": [base.cash_fen, over.cash_fen],
        "mutual_aid_fen": [base.mutual_aid_fen, over.mutual_aid_fen],
        "fund_fen": [base.fund_fen, over.fund_fen],
        "refused": [base.refused, over.refused],
    }


def as_data(result: WhatIf, name: str) -> dict[str, Any]:
    """The result as JSON data (``name``: the overlay's)."""
    more, less = result.patients()
    return {
        "overlay": name,
        "replayed": result.replayed,
        "skipped": result.skipped,
        "baseline_mismatches": result.mismatched,
        "mismatched_settlements": result.mismatches,
        "changed": result.changed,
        "families_changed": len(result.families),
        "largest_changes": [_change(change) for change in result.changes],
        "patients_paying_more": more,
        "patients_paying_less": less,
        "total": vars(result.total),
        "regions": _region_rows(result),
        "relation_types": {
            k: {"base_fen": b, "overlay_fen": o} for k, (b, o) in sorted(result.by_relation_type.items())
        },
        "refusals_appear": dict(result.refusals_appear),
        "refusals_vanish": dict(result.refusals_vanish),
    }


def _write_csv(rows: list[dict[str, Any]], out: Path, header: list[str]) -> None:
    with io.StringIO(newline="") as text:
        writer = csv.DictWriter(text, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
        out.write_bytes(text.getvalue().encode("utf-8-sig"))


def write_out(result: WhatIf, out: Path, chart: str) -> None:
    """The regions' figures as CSV, or the chart ``chart`` as SVG or PNG, by ``out``'s suffix."""
    from gongji.service.whatif.run import Totals

    if out.suffix.lower() == ".csv":
        _write_csv(_region_rows(result), out, ["region", *Totals.__dataclass_fields__])
        return
    from gongji.analytics.whatif_chart import CHARTS, whatif_chart

    by = next(name for name in CHARTS if name == chart)
    out.write_bytes(whatif_chart(result, out.suffix.lower().lstrip("."), by))


def _yuan(fen: int) -> str:
    from gongji.domain.money import format_yuan

    return format_yuan(fen)


def show(result: WhatIf, name: str) -> None:
    """The result as tables on the terminal."""
    from gongji.domain.regions import region_name

    more, less = result.patients()
    console.print(
        f"规则覆盖 Overlay {name}: 重放 {result.replayed:,} 笔结算 settlements replayed, "
        f"跳过 {result.skipped:,} skipped (wallet), 基线不符 {result.mismatched:,} baseline mismatches; "
        f"变化 {result.changed:,} changed ({len(result.families):,} 个家庭 families); "
        f"多付现金的患者 {more:,} patients pay more cash, 少付 {less:,} pay less"
    )
    rows = [
        (
            f"{code} {region_name(code)}", f"{t.settlements:,}", _yuan(t.mutual_aid_base), _yuan(t.mutual_aid_over),
            _yuan(t.own_base), _yuan(t.own_over), _yuan(t.cash_base), _yuan(t.cash_over),
            _yuan(t.fund_over - t.fund_base),
        )
        for code, t in sorted(result.by_region.items())
    ]  # fmt: skip
    headers = [
        "统筹区 Region", "结算 Settlements", "共济 Mutual aid", "→ 覆盖后 overlay", "本人账户 Own account",
        "→ 覆盖后 overlay", "现金 Cash", "→ 覆盖后 overlay", "基金差额 Fund Δ",
    ]  # fmt: skip
    console.print(table("按统筹区 By region (元)", headers, rows, numeric=list(range(1, 9))))
    kinds = [(kind, _yuan(b), _yuan(o), _yuan(o - b)) for kind, (b, o) in sorted(result.by_relation_type.items())]
    console.print(
        table(
            "按关系类型 By relation type (元)",
            ["关系 Relation", "共济 Base", "覆盖后 Overlay", "差额 Δ"],
            kinds,
            numeric=[1, 2, 3],
        )
    )
    for title, counts in (
        ("出现的拒绝 Refusals that appear", result.refusals_appear),
        ("消失的拒绝 Refusals that vanish", result.refusals_vanish),
    ):
        if counts:
            console.print(table(title, ["代码 Code", "次数 Times"], sorted(counts.items()), numeric=[1]))


def write_families(result: WhatIf, out: Path) -> None:
    """Each changed family's sums as CSV, the largest change of cash first."""
    from gongji.service.whatif.run import FamilyDelta

    _write_csv(_family_rows(result), out, list(FamilyDelta.__dataclass_fields__))
