"""The fraud rules' names as people read them (Chinese first, English beside it); the rules themselves are in
:mod:`gongji.service.signals.rules`, which carries codes only."""

from __future__ import annotations

__all__ = ["SIGNAL_NAMES", "signal_name"]

#: Each rule's Chinese and English name, by its code.
SIGNAL_NAMES: dict[str, tuple[str, str]] = {
    "card_many_buyers": ("多人持卡购药（代买药）", "a card used by many buyers"),
    "card_two_regions": ("短时异地用卡", "a card in two regions within hours"),
    "account_drained": ("共济账户短时被用尽", "a relative's account emptied within two days"),
    "many_beneficiaries": ("一人为多人共济", "one authoriser paying for many"),
    "binding_churn": ("频繁解绑重绑", "bindings ended again and again"),
    "implausible_relation": ("亲属关系不合常理", "a relation the ages, sexes or other relations contradict"),
}


def signal_name(rule: str) -> tuple[str, str]:
    """A rule's Chinese and English names (its code twice for a rule not named here)."""
    return SIGNAL_NAMES.get(rule, (rule, rule))
