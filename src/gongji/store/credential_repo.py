"""SQLAlchemy implementation of people's credentials (``gongji.service.credential_ports.PersonCredentialRepository``).

A card is found by its number on the unique index of ``card_no``; a voucher by the SHA-256 of the token a terminal
presents, on the unique index of ``token_sha256`` (the token itself is never stored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gongji.service.credential_ports import StoredCard, StoredVoucher
from gongji.store import credential_tables as c

__all__ = ["SqlPersonCredentials"]


def _card(row: Any) -> StoredCard:
    return StoredCard(
        id=int(row["id"]),
        person_id=int(row["person_id"]),
        card_no=row["card_no"],
        card_sn=row["card_sn"],
        region=row["region"],
        issued_at=row["issued_at"],
        replaced_at=row["replaced_at"],
    )


def _voucher(row: Any) -> StoredVoucher:
    shown_by = row["shown_by_person_id"]
    return StoredVoucher(
        id=int(row["id"]),
        person_id=int(row["person_id"]),
        token_sha256=row["token_sha256"],
        shown_by_person_id=None if shown_by is None else int(shown_by),
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


class SqlPersonCredentials:
    """Cards and vouchers in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_card(self, person_id: int, card_no: str, card_sn: str, region: str, issued_at: datetime) -> StoredCard:
        """Store a new live card and answer it as stored."""
        card_id = self._conn.execute(
            insert(c.social_security_cards)
            .values(person_id=person_id, card_no=card_no, card_sn=card_sn, region=region, issued_at=issued_at)
            .returning(c.social_security_cards.c.id)
        ).scalar_one()
        return StoredCard(int(card_id), person_id, card_no, card_sn, region, issued_at, None)

    def live_card_of(self, person_id: int) -> StoredCard | None:
        """The person's card that has not been replaced, if he has one."""
        table = c.social_security_cards
        query = select(table).where(table.c.person_id == person_id, table.c.replaced_at.is_(None))
        row = self._conn.execute(query).mappings().first()
        return _card(row) if row else None

    def card_by_no(self, card_no: str) -> StoredCard | None:
        """The card with this number, live or replaced."""
        table = c.social_security_cards
        row = self._conn.execute(select(table).where(table.c.card_no == card_no)).mappings().first()
        return _card(row) if row else None

    def card_sn_taken(self, card_sn: str) -> bool:
        """Whether any card (live or replaced) has this identification code."""
        table = c.social_security_cards
        return self._conn.execute(select(table.c.id).where(table.c.card_sn == card_sn)).first() is not None

    def mark_card_replaced(self, card_id: int, at: datetime) -> None:
        """Mark a live card replaced at ``at`` (a card already replaced keeps its first time)."""
        table = c.social_security_cards
        self._conn.execute(
            update(table).where(table.c.id == card_id, table.c.replaced_at.is_(None)).values(replaced_at=at)
        )

    def add_voucher(
        self,
        person_id: int,
        token_sha256: str,
        shown_by_person_id: int | None,
        issued_at: datetime,
        expires_at: datetime,
    ) -> StoredVoucher:
        """Store a new voucher (its token's hash) and answer it as stored."""
        voucher_id = self._conn.execute(
            insert(c.e_vouchers)
            .values(
                person_id=person_id,
                token_sha256=token_sha256,
                shown_by_person_id=shown_by_person_id,
                issued_at=issued_at,
                expires_at=expires_at,
            )
            .returning(c.e_vouchers.c.id)
        ).scalar_one()
        return StoredVoucher(int(voucher_id), person_id, token_sha256, shown_by_person_id, issued_at, expires_at, None)

    def voucher_by_hash(self, token_sha256: str) -> StoredVoucher | None:
        """The voucher whose token has this SHA-256, whatever its state: one query on the unique index."""
        table = c.e_vouchers
        row = self._conn.execute(select(table).where(table.c.token_sha256 == token_sha256)).mappings().first()
        return _voucher(row) if row else None

    def revoke_live_vouchers(self, person_id: int, at: datetime) -> int:
        """Revoke every voucher of the person not yet revoked nor expired at ``at``; answers how many."""
        table = c.e_vouchers
        result = self._conn.execute(
            update(table)
            .where(table.c.person_id == person_id, table.c.revoked_at.is_(None), table.c.expires_at > at)
            .values(revoked_at=at)
        )
        return int(result.rowcount)
