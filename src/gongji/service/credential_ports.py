"""What the service layer needs from storage for people's credentials: social-security cards (社会保障卡) and
electronic vouchers (医保电子凭证). A part of :mod:`gongji.service.ports`, kept apart for size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["PersonCredentialRepository", "StoredCard", "StoredVoucher"]


@dataclass(frozen=True)
class StoredCard:
    """A social-security card (社会保障卡) as stored: live while ``replaced_at`` is ``None``."""

    id: int
    person_id: int
    card_no: str
    card_sn: str
    region: str
    issued_at: datetime
    replaced_at: datetime | None


@dataclass(frozen=True)
class StoredVoucher:
    """An electronic voucher (医保电子凭证) as stored: never its token, only the token's SHA-256."""

    id: int
    person_id: int
    token_sha256: str
    shown_by_person_id: int | None
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class PersonCredentialRepository(Protocol):
    """People's cards and vouchers, found by card number or by the SHA-256 of a voucher's token."""

    def add_card(self, person_id: int, card_no: str, card_sn: str, region: str, issued_at: datetime) -> StoredCard: ...
    def live_card_of(self, person_id: int) -> StoredCard | None: ...
    def card_by_no(self, card_no: str) -> StoredCard | None: ...
    def card_sn_taken(self, card_sn: str) -> bool: ...
    def mark_card_replaced(self, card_id: int, at: datetime) -> None: ...
    def add_voucher(
        self,
        person_id: int,
        token_sha256: str,
        shown_by_person_id: int | None,
        issued_at: datetime,
        expires_at: datetime,
    ) -> StoredVoucher: ...
    def voucher_by_hash(self, token_sha256: str) -> StoredVoucher | None: ...
    def revoke_live_vouchers(self, person_id: int, at: datetime) -> int: ...
