"""What the service layer needs from storage for the national interface (FSI): institutions' gateway
credentials and operators' sign-ins (9001/9002), people's filings (备案, 2501–2506), and what institutions hand in and
fetch — files, settlement lists and clearing applications (9101/9102, 4101, 3203). A part of
:mod:`gongji.service.ports`, kept apart for size; the queries' port is :mod:`gongji.service.query_ports`.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from gongji.domain.catalogue import CatalogueItem

__all__ = [
    "CredentialsRepository",
    "FilingRepository",
    "FsiFileRepository",
    "SignInRepository",
    "StoredCatalogueRow",
    "StoredClearing",
    "StoredCredentials",
    "StoredFile",
    "StoredFiling",
    "StoredSettlementList",
    "StoredSignIn",
]

# --- access to the national interface (FSI) ------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCredentials:
    """An institution's gateway credentials as stored, with the institution's code and name."""

    institution_id: int
    fixmedins_code: str
    name: str
    paasid: str
    token: str
    created_at: datetime
    rotated_at: datetime | None


@dataclass(frozen=True)
class StoredSignIn:
    """A sign-in (签到) as stored, with the code of the institution it belongs to."""

    id: int
    sign_no: str
    institution_id: int
    fixmedins_code: str
    opter_no: str
    mac: str | None
    ip: str | None
    signed_in_at: datetime
    #: 签退 (9002): when the number was signed out, if it was.
    signed_out_at: datetime | None = None


class CredentialsRepository(Protocol):
    """Institutions' gateway credentials for the national interface: ``paasid`` and the secret ``token``."""

    def add(self, institution_id: int, paasid: str, token: str, created_at: datetime) -> StoredCredentials: ...
    def of_institution(self, institution_id: int) -> StoredCredentials | None: ...
    def by_paasid(self, paasid: str) -> StoredCredentials | None: ...
    def replace_token(self, institution_id: int, token: str, rotated_at: datetime) -> None: ...


class SignInRepository(Protocol):
    """Sign-ins (签到, 9001) of institutions' operators; each has a unique ``sign_no``."""

    def add(
        self, institution_id: int, opter_no: str, mac: str | None, ip: str | None, signed_in_at: datetime
    ) -> str: ...
    def find(self, sign_no: str) -> StoredSignIn | None: ...
    def sign_out(self, sign_in_id: int, signed_out_at: datetime) -> None: ...


# --- the national interface's filings (备案, 2501–2506) ------------------------------------------------------------


@dataclass(frozen=True)
class StoredFiling:
    """A filing (备案) as stored: who filed what for whom, for which period, and whether it was cancelled.

    ``kind`` is ``referral`` (转院备案), ``chronic`` (人员慢特病备案) or ``designated`` (人员定点备案); ``subject_code``
    and ``subject_name`` are the disease or the institution filed; ``detail`` the filing's other national fields.
    """

    id: int
    kind: str
    person_id: int
    insutype: str | None
    fixmedins_code: str
    subject_code: str
    subject_name: str | None
    begin_on: date
    end_on: date | None
    detail: dict[str, str]
    filed_at: datetime
    cancelled_at: datetime | None = None
    cancel_memo: str | None = None


class FilingRepository(Protocol):
    """Filings of people (备案), added and cancelled, never deleted."""

    def add(self, filing: StoredFiling) -> StoredFiling: ...
    def get(self, filing_id: int, *, lock: bool = False) -> StoredFiling | None: ...
    def of_person(self, person_id: int, kind: str | None = None) -> builtins.list[StoredFiling]: ...
    def cancel(self, filing_id: int, at: datetime, memo: str | None) -> None: ...


# --- what institutions hand in and fetch: files, settlement lists, clearing applications (9101/9102, 4101, 3203) ---


@dataclass(frozen=True)
class StoredFile:
    """A file as stored: handed in by an institution (``origin`` "upload") or made for it (a catalogue's infno)."""

    id: int
    file_qury_no: str
    institution_id: int
    filename: str
    origin: str
    size_bytes: int
    sha256: str
    rows: int | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StoredCatalogueRow:
    """A catalogue item as a download lists it: the item and when it last changed (its version)."""

    item: CatalogueItem
    updated_at: datetime


@dataclass(frozen=True)
class StoredSettlementList:
    """A settlement list (结算清单) as stored: which settlement, its id, how often it was uploaded, its nodes."""

    id: int
    setl_list_id: str
    settlement_id: int
    institution_id: int
    infno: str
    content: str
    uploads: int
    uploaded_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredClearing:
    """A clearing application (清算申请) as stored; amounts in fen. ``live_key`` is set while it stands."""

    id: int
    clr_appy_evt_id: str
    institution_id: int
    live_key: str | None
    clr_type: str
    clr_way: str | None
    clr_optins: str | None
    setlym: str
    begndate: str
    enddate: str
    psntime: int
    medfee_sumamt_fen: int
    med_sumfee_fen: int
    fund_appy_sum_fen: int
    cash_payamt_fen: int
    acct_pay_fen: int
    status: str
    applied_at: datetime
    cancelled_at: datetime | None = None


class FsiFileRepository(Protocol):
    """Files, settlement lists and clearing applications of the national interface."""

    def add_file(self, file: StoredFile, content: bytes) -> StoredFile: ...
    def file(self, file_qury_no: str) -> StoredFile | None: ...
    def file_content(self, file_id: int) -> bytes: ...
    def catalogue_rows(
        self, kinds: Sequence[str], changed_after: datetime | None
    ) -> builtins.list[StoredCatalogueRow]: ...
    def settlement_list(self, settlement_id: int) -> StoredSettlementList | None: ...
    def add_settlement_list(self, row: StoredSettlementList) -> StoredSettlementList: ...
    def replace_settlement_list(self, list_id: int, infno: str, content: str, at: datetime) -> None: ...
    def add_clearing(self, row: StoredClearing) -> StoredClearing: ...
    def clearing(self, clr_appy_evt_id: str, *, lock: bool = False) -> StoredClearing | None: ...
    def live_clearing(self, live_key: str) -> StoredClearing | None: ...
    def cancel_clearing(self, clearing_id: int, at: datetime) -> None: ...
