"""Families in memory for the settlement core's tests: people, enrollments, relations and accounts as a settlement
reads them (:class:`~gongji.service.settlement.family.Family`), with no database, and rules from a test region file.

The test region is 130200 (唐山市, which ships no rules of its own), so every value a test relies on is set in
the file the test writes; what it does not set falls back to Hebei's and the national files.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gongji.domain.codes import Insutype, MedType, PsnType, RelationType
from gongji.domain.enrollment import Enrollment, EnrollmentStatus
from gongji.domain.identity import ResidentId
from gongji.domain.ledger import AccountKind, AccountState, accumulator_code, quota_used_code
from gongji.domain.people import Person
from gongji.domain.relations import Channel, Relation, RelationStatus
from gongji.domain.settlement import BillParts
from gongji.rules.book import RuleBook
from gongji.rules.schema import HospitalLevel, InsuredCategory
from gongji.service.clock import SHANGHAI
from gongji.service.ports import AccountRow
from gongji.service.settlement.core import BillFacts, SettlementInputs
from gongji.service.settlement.family import Family

REGION = "130200"
DAY = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)

#: Valid ID numbers (check characters computed by GB 11643): adults born 1975–1980, a child born 2012.
IDS = [
    "130102197503150019",
    "130102197708220025",
    "130102201206050037",
    "130102194801100016",
    "130102195002180026",
    "110105198007040021",
]

BASE_RULES = """
region: "130200"
name: 唐山市
parameters:
  quota_model: [{since: 2020-01-01, value: QUOTA_MODEL, reference: *ref, confidence: unverified}]
  quota_annual_share_bp: [{since: 2020-01-01, value: 6000, reference: *ref, confidence: unverified}]
  shareable_part: [{since: 2020-01-01, value: whole, reference: *ref, confidence: unverified}]
  own_account_pays_first: [{since: 2020-01-01, value: true, reference: *ref, confidence: unverified}]
  authoriser_min_balance_fen: [{since: 2020-01-01, value: 0, reference: *ref, confidence: unverified}]
  per_visit_cap_fen: [{since: 2020-01-01, value: PER_VISIT, reference: *ref, confidence: unverified}]
  geography: [{since: 2020-01-01, value: same_pooling_region, reference: *ref, confidence: unverified}]
  mirror_binding_required: [{since: 2020-01-01, value: false, reference: *ref, confidence: unverified}]
  binding_after_admission_pays_stay:
    - {since: 2020-01-01, value: AFTER_ADMISSION, reference: *ref, confidence: unverified}
  account_payable_med_types:
    - {since: 2020-01-01, value: ["11", "14", "21", "41"], reference: *ref, confidence: unverified}
  account_payable_bill_parts:
    - since: 2020-01-01
      value: [policy_self_pay, category_b_self_pay, full_own_pay, over_limit]
      reference: *ref
      confidence: unverified
  pooling_ratio_bp:
    - since: 2020-01-01
      value:
        - {med_types: ["11"], categories: [in_service, retired, resident], ratio_bp: 5000}
        - {med_types: ["21"], ratio_bp: 8000}
        EXTRA_RATIO
      reference: *ref
      confidence: unverified
  pooling_deductible_fen:
    - since: 2020-01-01
      value:
        - {med_types: ["21"], amount_fen: 50000, per: visit}
      reference: *ref
      confidence: unverified
"""


def write_rules(
    directory: Path,
    *,
    quota_model: str = "per_relation",
    per_visit: str = "{}",
    after_admission: bool = False,
    extra: str = "",
    extra_ratio: str = "",
) -> RuleBook:
    """Write the test region's file (with these switches) and load the package's rules with it."""
    text = BASE_RULES.replace("QUOTA_MODEL", quota_model).replace("PER_VISIT", per_visit)
    text = text.replace("AFTER_ADMISSION", "true" if after_admission else "false")
    text = text.replace("EXTRA_RATIO", extra_ratio)
    body = textwrap.dedent(text).strip() + "\n" + textwrap.indent(textwrap.dedent(extra).strip(), "  ")
    body = body.replace("*ref", '{title: "unit-test rules", address: "https://example.test/rules"}')
    (directory / "130200.yaml").write_text(body + "\n", encoding="utf-8")
    return RuleBook.load([directory])


@dataclass
class FamilyBuilder:
    """People and their accounts, added one by one; :meth:`family` gives the family of one patient."""

    people: dict[int, Person] = field(default_factory=dict)
    enrollments: dict[int, list[Enrollment]] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    accounts: dict[int, list[AccountRow]] = field(default_factory=dict)
    shared_quotas: dict[int, tuple[bool, int | None]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def person(
        self,
        index: int,
        *,
        insutype: Insutype = Insutype.EMPLOYEE_BASIC,
        psn_type: PsnType = PsnType.EMPLOYEE_IN_SERVICE,
        prior_fen: int = 0,
        current_fen: int = 0,
        region: str = REGION,
    ) -> int:
        """A person (``IDS[index]``) insured in ``region``, with a personal account when an employee."""
        person_id = index + 1
        self.people[person_id] = Person(
            person_id, f"P{person_id:04d}", f"人{person_id}", ResidentId.parse(IDS[index]), DAY
        )
        status = EnrollmentStatus.NORMAL
        self.enrollments[person_id] = [
            Enrollment(
                person_id, person_id, insutype, psn_type, region, None, status, date(2000, 1, 1), date(2000, 1, 1)
            )
        ]
        if insutype is Insutype.EMPLOYEE_BASIC:
            self.account(person_id, AccountKind.PERSONAL_PRIOR, prior_fen, region=region)
            self.account(person_id, AccountKind.PERSONAL_CURRENT, current_fen, region=region, period_year=2026)
        return person_id

    def account(
        self,
        owner: int,
        kind: AccountKind,
        balance_fen: int,
        *,
        code: str | None = None,
        region: str = REGION,
        period_year: int | None = None,
    ) -> None:
        """An account the owner holds (a personal part or a memo account such as a quota's use)."""
        account_id = next(self._ids)
        state = AccountState(account_id, kind, f"{region}:CNY", owner, balance_fen, 0)
        row = AccountRow(state, region, period_year, datetime(2020, 1, 1, tzinfo=SHANGHAI), code or f"A{account_id}")
        self.accounts.setdefault(owner, []).append(row)

    def relate(
        self,
        authoriser: int,
        beneficiary: int,
        relation_type: RelationType = RelationType.CHILD,
        *,
        quota_fen: int | None = None,
        used_fen: int = 0,
        confirmed_at: datetime = datetime(2026, 1, 5, tzinfo=SHANGHAI),
        status: RelationStatus = RelationStatus.ACTIVE,
        order: int | None = None,
    ) -> int:
        """A relation (effective when confirmed), and what its quota has paid this year."""
        relation_id = 100 + len(self.relations)
        active = status is RelationStatus.ACTIVE
        self.relations.append(
            Relation(
                id=relation_id,
                authoriser_id=authoriser,
                beneficiary_id=beneficiary,
                relation_type=relation_type,
                status=status,
                channel=Channel.COUNTER,
                region=REGION,
                beneficiary_region=REGION,
                requested_at=datetime(2026, 1, 1, tzinfo=SHANGHAI),
                expires_at=None,
                proof_kind="documents",
                proof_reference="户口簿",
                commitment_text=None,
                confirmed_at=confirmed_at if active else None,
                effective_from=confirmed_at if active else None,
                order_position=order or len(self.relations) + 1,
                quota_fen=quota_fen,
            )
        )
        if used_fen:
            self.account(authoriser, AccountKind.QUOTA_USED, used_fen, code=quota_used_code(relation_id, 2026))
        return relation_id

    def family(self, patient: int, at: datetime = DAY) -> Family:
        """The patient's family as :func:`~gongji.service.settlement.family.load_family` reads it at ``at``."""
        own = [r for r in self.relations if patient in (r.authoriser_id, r.beneficiary_id)]
        paying = sorted(
            (r for r in own if r.beneficiary_id == patient and r.is_live_at(at)),
            key=lambda r: (r.order_position or 10_000, r.id),
        )
        ids = {patient, *(r.authoriser_id for r in paying)}
        rows = [row for person_id in ids for row in self.accounts.get(person_id, [])]
        return Family(
            patient=self.people[patient],
            relations=own,
            paying_relations=paying,
            people={i: self.people[i] for i in ids},
            enrollments={i: self.enrollments[i] for i in ids},
            relations_of_people={
                i: [r for r in self.relations if i in (r.authoriser_id, r.beneficiary_id)] for i in ids
            },
            accounts={i: self.accounts.get(i, []) for i in ids},
            shared_quotas={i: self.shared_quotas[i] for i in ids if i in self.shared_quotas},
            by_code={row.code: row for row in rows},
        )


def bill(
    inscp_fen: int,
    *,
    med_type: str = "11",
    category: InsuredCategory = InsuredCategory.IN_SERVICE,
    level: HospitalLevel | None = HospitalLevel.LEVEL_2,
    full_own_pay_fen: int = 0,
    begin_at: datetime = DAY,
    age_years: int = 40,
) -> BillFacts:
    """A bill of ``inscp_fen`` policy-range cost (and ``full_own_pay_fen`` outside the catalogue)."""
    return BillFacts(
        region=REGION,
        med_type=MedType(med_type),
        category=category,
        level=level,
        age_years=age_years,
        begin_at=begin_at,
        inpatient=med_type == "21",
        parts=BillParts(full_own_pay_fen, 0, 0, inscp_fen),
    )


def inputs(
    family: Family,
    facts: BillFacts,
    *,
    moment: datetime | None = None,
    year_start: dict[int, tuple[int, int]] | None = None,
) -> SettlementInputs:
    """The settlement inputs of a bill for a family (relations judged at ``moment``, the bill's start by default)."""
    return SettlementInputs(facts, family, moment or facts.begin_at, 2026, year_start or {})


def accumulator(builder: FamilyBuilder, person: int, kind: AccountKind, group: str, fen: int) -> None:
    """What the person's year so far has accumulated (deductible or fund paid) for a group of medical types."""
    builder.account(person, kind, fen, code=accumulator_code(kind, person, 2026, group))


__all__: Sequence[str] = ["DAY", "REGION", "FamilyBuilder", "accumulator", "bill", "inputs", "write_rules"]
