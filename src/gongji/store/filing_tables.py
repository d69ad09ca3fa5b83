"""The national interface's filings (备案, 2501–2506): referrals, chronic-disease filings and designated institutions.

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata`` (``tables`` imports this module last,
so every table is known wherever the schema is). A filing is never deleted: a cancellation (2502/2504/2506) stamps
``cancelled_at`` and its reason, so that a later query still shows what was filed and when it was withdrawn.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["filings"]

# One filing of one person by one institution. ``kind``: referral (转院备案), chronic (人员慢特病备案) or designated
# (人员定点备案). ``subject_code``/``subject_name`` are what was filed: the chronic disease (opsp_dise_code), the
# institution referred to (reflin_medins_no) or the designated institution (fixmedins_code). ``detail`` holds the
# other national fields of the filing as JSON, as given (contact details among them: never logged).
filings = Table(
    "fsi_filings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False),
    Column("insutype", String(6), nullable=True),
    Column("fixmedins_code", String(30), nullable=False),
    Column("subject_code", String(50), nullable=False),
    Column("subject_name", String(200), nullable=True),
    Column("begin_on", Date(), nullable=False),
    Column("end_on", Date(), nullable=True),
    Column("detail", Text(), nullable=False),
    Column("filed_at", AwareDateTime(), nullable=False),
    Column("cancelled_at", AwareDateTime(), nullable=True),
    Column("cancel_memo", String(200), nullable=True),
    CheckConstraint("end_on IS NULL OR end_on >= begin_on", name="period_ordered"),
    Index("ix_fsi_filings_person_kind", "person_id", "kind"),
)
