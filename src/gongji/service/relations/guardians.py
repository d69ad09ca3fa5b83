"""Who answers a binding request for the relative (被共济人): from the region's face-verification age (16
nationally) the relative himself, with his own face verification; below it an adult guardian (监护人), as
:meth:`gongji.domain.relations.Kinship.guardians_of` names them."""

from __future__ import annotations

from datetime import datetime

from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.people import Person
from gongji.domain.phrases import Phrase
from gongji.domain.relations import Kinship, Relation
from gongji.rules import parameters as params
from gongji.service.context import Context
from gongji.service.relations.common import ADULT_AGE

__all__ = ["check_acts_for", "check_confirmer", "face_age"]


def check_acts_for(
    relation: Relation, beneficiary: Person, by: Person, kinship: Kinship, now: datetime, own_from_age: int
) -> None:
    """Someone other than the beneficiary answers a request for him (confirms or declines). From ``own_from_age``
    (the region's face-verification age, 16 nationally) a relative answers himself with his own face verification;
    below it only an adult guardian answers for him (:meth:`Kinship.guardians_of`)."""
    age = beneficiary.age_on(now.date())
    if age >= max(own_from_age, ADULT_AGE):
        raise Refused(ErrorCode.NOT_A_PARTY, name=by.name, relation_id=relation.id, role=Phrase.PARTY_BENEFICIARY)
    if age >= own_from_age:
        raise Refused(ErrorCode.SELF_CONFIRMATION_REQUIRED, name=beneficiary.name, age=own_from_age)
    if by.age_on(now.date()) < ADULT_AGE:
        raise Refused(ErrorCode.GUARDIAN_NOT_ADULT, name=by.name)
    if by.id not in kinship.guardians_of(relation):
        raise Refused(ErrorCode.NOT_A_GUARDIAN, name=by.name, minor=beneficiary.name)


def face_age(ctx: Context, relation: Relation, now: datetime) -> int:
    """From which age the beneficiary verifies his own face (his region's rule; 16 nationally)."""
    value: int = ctx.rules.resolve(
        params.FACE_VERIFICATION_MIN_AGE_YEARS, relation.beneficiary_region, now.date()
    ).value
    return value


def check_confirmer(
    ctx: Context,
    relation: Relation,
    beneficiary: Person,
    confirmer: Person,
    kinship: Kinship,
    face_token: str | None,
    now: datetime,
) -> str | None:
    """Who may confirm, and the face check: returns the verification reference (``None`` when none was needed)."""
    threshold = face_age(ctx, relation, now)
    if confirmer.id == beneficiary.id:
        if beneficiary.age_on(now.date()) < threshold:
            raise Refused(ErrorCode.GUARDIAN_REQUIRED, name=beneficiary.name, age=threshold)
    else:
        check_acts_for(relation, beneficiary, confirmer, kinship, now, threshold)
    if confirmer.age_on(now.date()) < threshold:
        return None
    if not face_token:
        raise Refused(ErrorCode.FACE_VERIFICATION_REQUIRED, name=confirmer.name, age=threshold)
    result = ctx.face.verify(confirmer, face_token)
    if not result.passed:
        raise Refused(ErrorCode.FACE_VERIFICATION_FAILED, name=confirmer.name, reason=result.reason)
    return result.reference
