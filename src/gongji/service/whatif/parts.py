"""A what-if split among machines: each replays a part of the families (``gongji whatif --part I/N --save FILE``)
against the same database, and the parts' files are added up anywhere (``--merge``) into the whole, as
:meth:`~gongji.service.whatif.run.WhatIf.merge` adds up the parts of one machine's cores.

A part's file says what it is a part of — the overlay (by name and by a digest of its files), the period, the regions
and how many parts there are — and the parts are added up only when they agree on all of it and are every part, each
once (:class:`PartsMismatch` otherwise): a whole made of the wrong parts would be wrong without showing it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gongji.service.whatif.replay import Outcome
from gongji.service.whatif.run import Change, FamilyDelta, Totals, WhatIf

__all__ = [
    "FORMAT",
    "PartHeader",
    "PartInvalid",
    "PartsMismatch",
    "load_part",
    "merge_parts",
    "overlay_digest",
    "save_part",
]

#: What a part's file says it is (the version of its shape).
FORMAT = "gongji-whatif-part/1"


class PartInvalid(ValueError):
    """A file that is not a what-if part of this shape."""


class PartsMismatch(ValueError):
    """Parts that are not together one what-if: another overlay, period or split, or a part missing or twice."""


@dataclass(frozen=True)
class PartHeader:
    """What a part is a part of, and which: ``index`` of ``count`` (from 0)."""

    overlay: str
    digest: str
    since: datetime
    until: datetime
    regions: tuple[str, ...] | None
    index: int
    count: int

    def whole(self) -> tuple[object, ...]:
        """What every part of one what-if shares."""
        return self.overlay, self.digest, self.since, self.until, self.regions, self.count


def overlay_digest(directory: Path) -> str:
    """A digest of an overlay's files (their names and bytes), to know two machines replayed the same overlay."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {
        "acct_pay_fen": outcome.acct_pay_fen,
        "mutual_aid_fen": outcome.mutual_aid_fen,
        "cash_fen": outcome.cash_fen,
        "fund_fen": outcome.fund_fen,
        "by_relation": [[relation, fen] for relation, fen in outcome.by_relation.items()],
        "effects": dict(outcome.effects),
        "refused": outcome.refused,
    }


def _outcome_of(data: Mapping[str, Any]) -> Outcome:
    return Outcome(
        acct_pay_fen=int(data["acct_pay_fen"]),
        mutual_aid_fen=int(data["mutual_aid_fen"]),
        cash_fen=int(data["cash_fen"]),
        fund_fen=int(data["fund_fen"]),
        by_relation={None if r is None else int(r): int(fen) for r, fen in data["by_relation"]},
        effects={str(code): int(fen) for code, fen in data["effects"].items()},
        refused=None if data["refused"] is None else str(data["refused"]),
    )


def save_part(result: WhatIf, header: PartHeader) -> dict[str, Any]:
    """The part's file (JSON data): its header and every figure of ``result``."""
    return {
        "format": FORMAT,
        "overlay": header.overlay,
        "digest": header.digest,
        "since": header.since.isoformat(),
        "until": header.until.isoformat(),
        "regions": None if header.regions is None else list(header.regions),
        "part": [header.index, header.count],
        "replayed": result.replayed,
        "skipped": result.skipped,
        "mismatched": result.mismatched,
        "mismatches": result.mismatches,
        "by_region": {region: vars(totals) for region, totals in result.by_region.items()},
        "by_relation_type": {kind: list(pair) for kind, pair in result.by_relation_type.items()},
        "changed": result.changed,
        "kept": result.kept,
        "changes": [
            {
                "setl_id": c.setl_id,
                "patient_id": c.patient_id,
                "region": c.region,
                "settled_at": c.settled_at.isoformat(),
                "base": _outcome(c.base),
                "over": _outcome(c.over),
            }
            for c in result.changes
        ],
        "families": [
            [f.family, f.settlements, f.cash_fen, f.mutual_aid_fen, f.own_fen, f.fund_fen]
            for f in result.families.values()
        ],
        "more_cash": result.more_cash,
        "less_cash": result.less_cash,
        "refusals_appear": dict(result.refusals_appear),
        "refusals_vanish": dict(result.refusals_vanish),
    }


def _header(data: Mapping[str, Any]) -> PartHeader:
    index, count = (int(n) for n in data["part"])
    regions = data["regions"]
    return PartHeader(
        overlay=str(data["overlay"]),
        digest=str(data["digest"]),
        since=datetime.fromisoformat(data["since"]),
        until=datetime.fromisoformat(data["until"]),
        regions=None if regions is None else tuple(str(r) for r in regions),
        index=index,
        count=count,
    )


def _result(data: Mapping[str, Any]) -> WhatIf:
    result = WhatIf(
        replayed=int(data["replayed"]),
        skipped=int(data["skipped"]),
        mismatched=int(data["mismatched"]),
        mismatches=[str(s) for s in data["mismatches"]],
        by_region={str(r): Totals(**{k: int(v) for k, v in t.items()}) for r, t in data["by_region"].items()},
        by_relation_type={str(k): (int(b), int(o)) for k, (b, o) in data["by_relation_type"].items()},
        changed=int(data["changed"]),
        kept=int(data["kept"]),
        more_cash=int(data["more_cash"]),
        less_cash=int(data["less_cash"]),
        refusals_appear=Counter({str(k): int(v) for k, v in data["refusals_appear"].items()}),
        refusals_vanish=Counter({str(k): int(v) for k, v in data["refusals_vanish"].items()}),
    )
    result.changes = [
        Change(str(c["setl_id"]), int(c["patient_id"]), str(c["region"]), datetime.fromisoformat(c["settled_at"]),
               _outcome_of(c["base"]), _outcome_of(c["over"]))
        for c in data["changes"]
    ]  # fmt: skip
    result.families = {int(f[0]): FamilyDelta(*(int(n) for n in f)) for f in data["families"]}
    return result


def load_part(data: object) -> tuple[PartHeader, WhatIf]:
    """A part read back from its file's JSON data (:class:`PartInvalid`: not a part of this shape)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PartInvalid(f"not a what-if part ({FORMAT})")
    try:
        header = _header(data)
        result = _result(data)
    except (KeyError, TypeError, ValueError) as error:
        raise PartInvalid(f"a what-if part with a field missing or malformed: {error}") from None
    if not 0 <= header.index < header.count:
        raise PartInvalid(f"part {header.index + 1} of {header.count}")
    return header, result


def merge_parts(parts: Sequence[tuple[PartHeader, WhatIf]]) -> tuple[PartHeader, WhatIf]:
    """The whole of ``parts``, which must be every part of one what-if, each once (:class:`PartsMismatch`)."""
    if not parts:
        raise PartsMismatch("no part")
    first = parts[0][0]
    for header, _ in parts:
        if header.whole() != first.whole():
            raise PartsMismatch(
                f"part {header.index + 1}/{header.count} of {header.overlay} is of another what-if than part "
                f"{first.index + 1}/{first.count} (overlay, its files, period, regions or split)"
            )
    have = Counter(header.index for header, _ in parts)
    twice = sorted(i + 1 for i, n in have.items() if n > 1)
    missing = sorted(i + 1 for i in range(first.count) if i not in have)
    if twice or missing:
        raise PartsMismatch(f"of {first.count} parts, missing {missing or 'none'}, given twice {twice or 'none'}")
    whole = WhatIf(kept=max(result.kept for _, result in parts))
    for _, result in parts:
        whole.merge(result)
    return PartHeader(first.overlay, first.digest, first.since, first.until, first.regions, 0, 1), whole
