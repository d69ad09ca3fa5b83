"""A settlement's explanation as it is stored: the rules it read named by version, not copied.

An explanation lists every rule value a settlement read with its source — some fifteen values, each carrying its
document's title and address. Stored as shown, that was about 7 KB a settlement, nine tenths of it the same
citations again; a province's year of tens of millions of settlements would keep a hundred gigabytes of repeats.
The stored form names each value by what identifies its version in the rule book — parameter, answering region and
the day it took effect — and the rest (the Chinese names, the document, the confidence) is read from the rule book
when the explanation is shown, as the rule values themselves always were.

A version the rule book no longer holds (a correction that moved its start, a directory no longer loaded) is shown
with its parameter, region and day and an empty source, confidence ``missing`` — never another version's source.
Explanations stored before this form (the rules written out in full) are read as they are.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from gongji.domain.regions import region_name
from gongji.rules.book import RuleBook
from gongji.rules.schema import PARAMETERS
from gongji.service.settlement.views import EXPLANATION, ExplanationView
from gongji.service.views import RuleTraceView

__all__ = ["MISSING", "read_explanation", "stored_explanation"]

#: The confidence shown for a rule version the rule book no longer holds.
MISSING = "missing"
_FORM = 2


def stored_explanation(view: ExplanationView) -> str:
    """The explanation as stored: its steps as they are, its rules as ``[parameter, region, since]``."""
    shown: dict[str, Any] = json.loads(EXPLANATION.dump_json(view))
    shown["rules"] = [[r.parameter, r.region, r.since.isoformat()] for r in view.rules]
    return json.dumps({"form": _FORM, **shown}, ensure_ascii=False, separators=(",", ":"))


def read_explanation(text: str, book: RuleBook) -> ExplanationView:
    """A stored explanation, its rules' names and sources read from ``book`` (either stored form)."""
    stored = json.loads(text)
    if stored.get("form") != _FORM:
        return EXPLANATION.validate_python(stored)
    rules = [
        _trace_view(book, parameter, region, date.fromisoformat(since)) for parameter, region, since in stored["rules"]
    ]
    del stored["form"]
    stored["rules"] = []
    return replace(EXPLANATION.validate_python(stored), rules=rules)


def _trace_view(book: RuleBook, parameter: str, region: str, since: date) -> RuleTraceView:
    """The rule version ``parameter`` of ``region`` from ``since``, named and cited from the rule book."""
    declared = PARAMETERS.get(parameter)
    version = book.version(parameter, region, since)
    return RuleTraceView(
        parameter=parameter,
        parameter_zh=declared.zh if declared else parameter,
        region=region,
        region_zh=region_name(region),
        since=since,
        reference_title=version.reference.title if version else "",
        reference_address=version.reference.address if version else "",
        confidence=version.confidence if version else MISSING,
    )
