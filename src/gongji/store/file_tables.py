"""What institutions hand in and fetch through the national interface: files (9101/9102 and the catalogue files of
1301-1315), settlement lists (4101/4101A) and clearing applications (3203/3204).

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata`` (``tables`` imports this module last,
so every table is known wherever the schema is).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, LargeBinary, String, Table, Text

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = ["clearing_applications", "fsi_files", "settlement_lists"]

# A file: uploaded by an institution (9101), or made by gongji for one (a catalogue download, 13xx). The bytes are
# kept in the row: files are small (a size limit applies) and every worker reads the same database.
fsi_files = Table(
    "fsi_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("file_qury_no", String(64), nullable=False, unique=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False, index=True),
    Column("filename", String(200), nullable=False),
    # "upload" (9101) or the catalogue transaction that made it ("1301" …).
    Column("origin", String(8), nullable=False),
    Column("size_bytes", Integer(), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary(), nullable=False),
    Column("rows", Integer(), nullable=True),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("expires_at", AwareDateTime(), nullable=False),
    CheckConstraint("size_bytes >= 0", name="size_not_negative"),
)

# 医疗保障基金结算清单: one per settlement, replaced by a later upload of the same settlement.
settlement_lists = Table(
    "settlement_lists",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("setl_list_id", String(30), nullable=False, unique=True),
    Column("settlement_id", Id, ForeignKey("settlements.id"), nullable=False, unique=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False, index=True),
    Column("infno", String(8), nullable=False),
    # The list's nodes as the institution sent them (JSON text), for the agency's review.
    Column("content", Text(), nullable=False),
    Column("uploads", Integer(), nullable=False),
    Column("uploaded_at", AwareDateTime(), nullable=False),
    Column("updated_at", AwareDateTime(), nullable=False),
    CheckConstraint("uploads >= 1", name="uploads_positive"),
)

# 清算申请: an institution's application for the clearing of a period. ``live_key`` is set while the application
# stands (institution, clearing type, period) and cleared when it is cancelled: a unique column on both backends, so
# two racing applications for the same period cannot both stand.
clearing_applications = Table(
    "clearing_applications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("clr_appy_evt_id", String(30), nullable=False, unique=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False, index=True),
    Column("live_key", String(120), nullable=True, unique=True),
    Column("clr_type", String(10), nullable=False),
    Column("clr_way", String(10), nullable=True),
    Column("clr_optins", String(6), nullable=True),
    Column("setlym", String(6), nullable=False),
    Column("begndate", String(10), nullable=False),
    Column("enddate", String(10), nullable=False),
    Column("psntime", Integer(), nullable=False),
    Column("medfee_sumamt_fen", BigInteger(), nullable=False),
    Column("med_sumfee_fen", BigInteger(), nullable=False),
    Column("fund_appy_sum_fen", BigInteger(), nullable=False),
    Column("cash_payamt_fen", BigInteger(), nullable=False),
    Column("acct_pay_fen", BigInteger(), nullable=False),
    Column("status", String(12), nullable=False),
    Column("applied_at", AwareDateTime(), nullable=False),
    Column("cancelled_at", AwareDateTime(), nullable=True),
    CheckConstraint("status IN ('applied', 'cancelled')", name="status_known"),
)
