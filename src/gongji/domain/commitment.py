"""承诺书: the commitment an authoriser signs where a region binds relatives on commitment (承诺制) rather than on
documents checked at the counter.

It is a legal text in Chinese that the person signs as written, so it is not a term rendered per language: the
relation stores it verbatim, and every reader sees the words that were signed.
"""

from __future__ import annotations

from datetime import datetime

from gongji.domain.codes import RelationType
from gongji.domain.identity import mask_id_number
from gongji.domain.people import Person

__all__ = ["COMMITMENT_TEMPLATE", "commitment_text", "signed_at"]

#: The commitment's words, with the two people (ID numbers masked), the relation and the moment of signing.
COMMITMENT_TEMPLATE = (
    "本人{authoriser}（证件号码{authoriser_certno}）承诺：{beneficiary}（证件号码{beneficiary_certno}）"
    "是本人的{relation}，所填信息真实有效，如有虚假愿承担相应法律责任。签署时间：{signed_at}"
)


def commitment_text(authoriser: Person, beneficiary: Person, relation_type: RelationType, at: datetime) -> str:
    """The commitment ``authoriser`` signs at ``at`` that ``beneficiary`` is his ``relation_type``."""
    return COMMITMENT_TEMPLATE.format(
        authoriser=authoriser.name,
        authoriser_certno=mask_id_number(authoriser.certno),
        beneficiary=beneficiary.name,
        beneficiary_certno=mask_id_number(beneficiary.certno),
        relation=relation_type.zh,
        signed_at=signed_at(at),
    )


def signed_at(at: datetime) -> str:
    """The moment of signing as the commitment writes it, ``2026-03-04 09:05:07`` (the wall-clock time ``at`` has;
    what ``strftime("%Y-%m-%d %H:%M:%S")`` gives, in a fifth of its time: a province's load signs millions)."""
    return at.isoformat(" ", "seconds")[:19]
