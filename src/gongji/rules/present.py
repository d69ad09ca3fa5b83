"""Rule values as people read them: yuan for ``_fen``, percent for ``_bp``, Chinese names for codes."""

from __future__ import annotations

from datetime import time
from enum import Enum
from typing import Any

from pydantic import BaseModel

from gongji.domain.codes import NationalCode
from gongji.domain.money import format_yuan
from gongji.rules.schema import Parameter, RowSelector

__all__ = ["format_value", "plain_value"]

_ENUM_NAMES = {
    "same_pooling_region": "同一统筹区",
    "same_province": "省内",
    "national": "全国（医保钱包）",
    "whole": "整个账户",
    "prior_years_only": "仅历年账户",
    "per_relation": "按每位亲属设额度",
    "shared": "所有亲属共用一个额度",
    "annual_share": "按余额年度比例",
    "documents": "亲属关系证明材料",
    "commitment": "承诺制（承诺书）",
    "policy_self_pay": "政策范围内自付",
    "category_b_self_pay": "乙类先行自付",
    "full_own_pay": "全自费",
    "over_limit": "超限价自付",
    "resident_basic": "城乡居民医保个人缴费",
    "long_term_care": "长期护理保险个人缴费",
    "in_service": "在职",
    "retired": "退休",
    "resident": "居民",
    "unlimited": "不限",
}


def _name(value: Any) -> str:
    if isinstance(value, NationalCode):
        return f"{value.value} {value.zh}" if value.value.isdigit() else value.zh
    if isinstance(value, Enum):
        return _ENUM_NAMES.get(str(value.value), str(value.value))
    return str(value)


def _row(row: RowSelector) -> str:
    parts = ["/".join(m.value for m in row.med_types)]
    if row.hospital_levels:
        parts.append("级别 " + "/".join(level.value for level in row.hospital_levels))
    if row.categories:
        parts.append("/".join(_name(c) for c in row.categories))
    if row.age_from_years is not None:
        parts.append(f"≥{row.age_from_years}岁")
    if row.age_below_years is not None:
        parts.append(f"<{row.age_below_years}岁")
    data = row.model_dump()
    if "amount_fen" in data:
        shown = format_yuan(data["amount_fen"])
    else:
        shown = f"{data['ratio_bp'] / 100:g}%"
        if data.get("bands"):
            shown += (
                " ("
                + ", ".join(f">{format_yuan(b['from_fen'])}: {b['ratio_bp'] / 100:g}%" for b in data["bands"])
                + ")"
            )
    return " ".join(parts) + f": {shown}"


def format_value(param: Parameter[Any], value: Any) -> str:
    """A value as a short Chinese text (amounts in yuan, rates in percent, codes by name)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if value == "unlimited":
        return "不限"
    if isinstance(value, int) and param.name.endswith("_fen"):
        return format_yuan(value)
    if isinstance(value, int) and param.name.endswith("_bp"):
        return f"{value / 100:g}%"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, dict):
        return "；".join(f"{_name(k)} {format_yuan(v)}" for k, v in value.items()) or "不限"
    if isinstance(value, list):
        if value and isinstance(value[0], RowSelector):
            return "；".join(_row(row) for row in value)
        return "、".join(_name(item) for item in value) or "—"
    if isinstance(value, BaseModel):
        return " – ".join(v.strftime("%H:%M") if isinstance(v, time) else str(v) for v in value.model_dump().values())
    return _name(value)


def plain_value(value: Any) -> Any:
    """A value as plain JSON data (enums as their codes, models as dicts, times as text)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if isinstance(value, dict):
        return {str(plain_value(k)): plain_value(v) for k, v in value.items()}
    return value
