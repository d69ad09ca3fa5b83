"""Fraud signals (issue 18): named rules that read visits, mutual-aid payments and bindings (:mod:`.rules`, pure),
and the review queue operators of a region work through (:mod:`.queue`)."""

__all__: list[str] = []
