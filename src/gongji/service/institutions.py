"""Use cases of the institution registry (定点医药机构): institutions added one at a time, validated and idempotent
(``add_institution``), found by their national code, listed by region; and ``ensure_institution`` for loaders.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from gongji.domain.catalogue import Institution, InstitutionKind
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.regions import NATIONAL, parse_region, region_name
from gongji.domain.wording import Said, Term
from gongji.rules.schema import HospitalLevel
from gongji.service.context import Context
from gongji.service.institution_access import ensure_credentials
from gongji.service.ports import UnitOfWork

__all__ = [
    "AddInstitution",
    "InstitutionView",
    "add_institution",
    "ensure_institution",
    "institution_view",
    "list_institutions",
    "resolve_institution",
    "show_institution",
]

_MAX_INSTITUTION_CODE_CHARS = 30
_MAX_INSTITUTION_NAME_CHARS = 100
_VISIBLE = re.compile(r"^[\x21-\x7e]+$")


@dataclass(frozen=True)
class InstitutionView:
    """A designated institution as people and client systems read it."""

    id: int
    fixmedins_code: str
    name: str
    kind: str
    kind_zh: str
    level: str | None
    level_zh: str | None
    region: str
    region_zh: str


@dataclass(frozen=True)
class AddInstitution:
    """Register a designated institution: national code, name, kind, level (hospitals only) and pooling region."""

    fixmedins_code: str
    name: str
    kind: str
    region: str
    level: str | None = None


def institution_view(institution: Institution) -> InstitutionView:
    """The view of an institution, with Chinese names of its kind, level and region."""
    level = HospitalLevel(institution.level) if institution.level else None
    return InstitutionView(
        id=institution.id,
        fixmedins_code=institution.fixmedins_code,
        name=institution.name,
        kind=institution.kind.value,
        kind_zh=institution.kind.zh,
        level=level.value if level else None,
        level_zh=level.zh if level else None,
        region=institution.region,
        region_zh=region_name(institution.region),
    )


def _field_invalid(name: str, reason: Term) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=name, reason=reason)


def _level(kind: InstitutionKind, given: str | None) -> HospitalLevel | None:
    """A hospital's level (required, and known); a pharmacy has none."""
    level_text = (given or "").strip()
    if kind is not InstitutionKind.HOSPITAL:
        if level_text:
            raise _field_invalid("level", Phrase.PHARMACY_HAS_NO_LEVEL)
        return None
    if not level_text:
        raise _field_invalid("level", Phrase.HOSPITAL_LEVEL_REQUIRED)
    level = HospitalLevel.parse(level_text)
    if level is None:
        raise InvalidInput(ErrorCode.CODE_UNKNOWN, code_list=Phrase.CODE_LIST_HOSPITAL_LEVEL, value=given)
    return level


def _validate_institution(cmd: AddInstitution, today: date) -> AddInstitution:
    """The command with every field checked and normalised (the region in force ``today``); raises ``FIELD_INVALID``,
    ``CODE_UNKNOWN`` or ``REGION_NOT_IN_FORCE``."""
    code = cmd.fixmedins_code.strip().upper()
    if not 1 <= len(code) <= _MAX_INSTITUTION_CODE_CHARS or not _VISIBLE.match(code):
        raise _field_invalid(
            "fixmedins_code",
            Said(Phrase.INSTITUTION_CODE_FORMAT, {"value": cmd.fixmedins_code, "max": _MAX_INSTITUTION_CODE_CHARS}),
        )
    name = cmd.name.strip()
    if not 1 <= len(name) <= _MAX_INSTITUTION_NAME_CHARS or not name.isprintable():
        raise _field_invalid("name", Said(Phrase.INSTITUTION_NAME_LENGTH, {"max": _MAX_INSTITUTION_NAME_CHARS}))
    kind = InstitutionKind.parse(cmd.kind)
    if kind is None:
        raise InvalidInput(ErrorCode.CODE_UNKNOWN, code_list=Phrase.CODE_LIST_INSTITUTION_KIND, value=cmd.kind)
    level = _level(kind, cmd.level)
    region = parse_region(cmd.region, today)
    if region.code == NATIONAL:
        raise _field_invalid("region", Phrase.POOLING_REGION_NOT_NATIONAL)
    return AddInstitution(code, name, kind.value, region.code, level.value if level else None)


def add_institution(ctx: Context, cmd: AddInstitution, *, key: str) -> InstitutionView:
    """Register a designated institution; a code registered already is refused (``INSTITUTION_EXISTS``)."""
    valid = _validate_institution(cmd, ctx.clock.today())

    def handler(uow: UnitOfWork) -> InstitutionView:
        existing = uow.institutions.find_by_code(valid.fixmedins_code)
        if existing is not None:
            raise Refused(ErrorCode.INSTITUTION_EXISTS, fixmedins_code=existing.fixmedins_code, name=existing.name)
        institution = uow.institutions.add(
            fixmedins_code=valid.fixmedins_code,
            name=valid.name,
            kind=InstitutionKind(valid.kind),
            level=valid.level,
            region=valid.region,
            created_at=ctx.clock.now(),
        )
        ensure_credentials(uow, institution, ctx.clock.now())  # the national interface's paasid and token
        return institution_view(institution)

    return ctx.write(
        key=key, operation="institution.add", request=asdict(valid), result_type=InstitutionView, handler=handler
    )


def resolve_institution(uow: UnitOfWork, fixmedins_code: str) -> Institution:
    """The institution with this national code; raise ``INSTITUTION_NOT_FOUND``."""
    code = fixmedins_code.strip().upper()
    institution = uow.institutions.find_by_code(code)
    if institution is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=code)
    return institution


def show_institution(ctx: Context, fixmedins_code: str) -> InstitutionView:
    """One institution by its national code."""
    return ctx.read(lambda uow: institution_view(resolve_institution(uow, fixmedins_code)))


def list_institutions(ctx: Context, *, region: str | None = None) -> list[InstitutionView]:
    """Institutions in registration order, optionally only those of one pooling region."""
    region_code = parse_region(region).code if region is not None else None
    return ctx.read(lambda uow: [institution_view(i) for i in uow.institutions.list(region=region_code)])


def ensure_institution(ctx: Context, cmd: AddInstitution, *, key: str) -> InstitutionView:
    """The institution ``cmd`` registers: registered now under ``key``, or as it already was (by other means, or by
    another worker a moment ago) — for loaders, and for a node learning a hospital from a forwarded message."""
    try:
        return add_institution(ctx, cmd, key=key)
    except Refused as refused:
        if refused.code is not ErrorCode.INSTITUTION_EXISTS:
            raise
        return show_institution(ctx, cmd.fixmedins_code)
