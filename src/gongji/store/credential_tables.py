"""The tables of people's credentials: social-security cards (社会保障卡) and electronic vouchers (医保电子凭证).

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata`` (``tables`` imports this module last,
so every table is known wherever the schema is).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["e_vouchers", "social_security_cards"]

# A person's social-security cards: the live one has no ``replaced_at``; a replaced card stays, so that its number is
# refused as replaced (never as unknown, and never given to someone else).
social_security_cards = Table(
    "social_security_cards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("card_no", String(20), nullable=False, unique=True),  # 社会保障卡卡号
    Column("card_sn", String(32), nullable=False, unique=True),  # 卡识别码
    Column("region", String(6), nullable=False),  # where it was issued
    Column("issued_at", AwareDateTime(), nullable=False),
    Column("replaced_at", AwareDateTime(), nullable=True),
)
# One live card per person: two racing issues cannot both insert.
Index(
    "uq_social_security_cards_live",
    social_security_cards.c.person_id,
    unique=True,
    sqlite_where=social_security_cards.c.replaced_at.is_(None),
    postgresql_where=social_security_cards.c.replaced_at.is_(None),
)

# Electronic vouchers (the token a terminal reads from the person's 医保码): only the token's SHA-256 is kept.
e_vouchers = Table(
    "e_vouchers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    # The 亲情账户 holder who had it shown for the person (none: the person himself).
    Column("shown_by_person_id", Id, ForeignKey("people.id"), nullable=True),
    Column("issued_at", AwareDateTime(), nullable=False),
    Column("expires_at", AwareDateTime(), nullable=False),
    Column("revoked_at", AwareDateTime(), nullable=True),
    CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
)
