"""SQLAlchemy implementations of the national interface's access records (``gongji.service.fsi_ports``).

Two repositories: institutions' gateway credentials (``paasid`` and ``token``) and operators' sign-ins (签到).
Finding the token of a ``paasid`` is the one statement every request of the national interface pays for, so it is
a single query on a unique index joined to the institution by its primary key.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from gongji.service.fsi_ports import StoredCredentials, StoredSignIn
from gongji.service.ports import TransientStoreError
from gongji.store import tables as t
from gongji.store.column_types import SHANGHAI
from gongji.store.driver import Prepared

__all__ = ["SqlCredentials", "SqlSignIns", "sign_no_of"]

_S, _I = t.sign_ins, t.institutions
# One query on the unique index, with the institution's code: every national-interface request reads it.
_SIGN_IN = Prepared(
    select(
        _S.c.id,
        _S.c.sign_no,
        _S.c.institution_id,
        _I.c.fixmedins_code,
        _S.c.opter_no,
        _S.c.mac,
        _S.c.ip,
        _S.c.signed_in_at,
        _S.c.signed_out_at,
    )
    .join(_I, _I.c.id == _S.c.institution_id)
    .where(_S.c.sign_no == bindparam("sign_no"))
)


def sign_no_of(sign_in_id: int, signed_in_at: datetime) -> str:
    """The 签到编号 of a sign-in: its time ``yyyyMMddHHmmss`` (Asia/Shanghai) and its row id in 12 digits.

    26 digits, numeric like the national platform's; unique because the row id is, whatever the clock says.
    """
    return f"{signed_in_at.astimezone(SHANGHAI):%Y%m%d%H%M%S}{sign_in_id:012d}"


def _credentials_query() -> Select[Any]:
    c, i = t.institution_credentials, t.institutions
    return select(
        c.c.institution_id,
        i.c.fixmedins_code,
        i.c.name,
        c.c.paasid,
        c.c.token,
        c.c.created_at,
        c.c.rotated_at,
    ).join(i, i.c.id == c.c.institution_id)


def _credentials(row: Any) -> StoredCredentials:
    return StoredCredentials(
        institution_id=int(row["institution_id"]),
        fixmedins_code=row["fixmedins_code"],
        name=row["name"],
        paasid=row["paasid"],
        token=row["token"],
        created_at=row["created_at"],
        rotated_at=row["rotated_at"],
    )


class SqlCredentials:
    """Institutions' gateway credentials in SQL, one row per institution."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, institution_id: int, paasid: str, token: str, created_at: datetime) -> StoredCredentials:
        """Store an institution's first credentials; a concurrent issue of the same is a transient error."""
        try:
            self._conn.execute(
                insert(t.institution_credentials).values(
                    institution_id=institution_id, paasid=paasid, token=token, created_at=created_at
                )
            )
        except IntegrityError as exc:
            # Issued by a concurrent transaction: the retry finds them and keeps them.
            raise TransientStoreError(f"credentials of institution {institution_id} issued concurrently") from exc
        stored = self.of_institution(institution_id)
        assert stored is not None
        return stored

    def of_institution(self, institution_id: int) -> StoredCredentials | None:
        """The credentials of an institution (by its row id), if it has any."""
        query = _credentials_query().where(t.institution_credentials.c.institution_id == institution_id)
        row = self._conn.execute(query).mappings().first()
        return _credentials(row) if row else None

    def by_paasid(self, paasid: str) -> StoredCredentials | None:
        """The credentials a gateway ``paasid`` names: one query on the unique index."""
        query = _credentials_query().where(t.institution_credentials.c.paasid == paasid)
        row = self._conn.execute(query).mappings().first()
        return _credentials(row) if row else None

    def replace_token(self, institution_id: int, token: str, rotated_at: datetime) -> None:
        """Replace the token; the old one stops authenticating when the transaction commits."""
        result = self._conn.execute(
            update(t.institution_credentials)
            .where(t.institution_credentials.c.institution_id == institution_id)
            .values(token=token, rotated_at=rotated_at)
        )
        assert result.rowcount == 1, "only existing credentials are rotated"


def _sign_in(row: Any) -> StoredSignIn:
    return StoredSignIn(
        id=int(row["id"]),
        sign_no=row["sign_no"],
        institution_id=int(row["institution_id"]),
        fixmedins_code=row["fixmedins_code"],
        opter_no=row["opter_no"],
        mac=row["mac"],
        ip=row["ip"],
        signed_in_at=row["signed_in_at"],
        signed_out_at=row["signed_out_at"],
    )


class SqlSignIns:
    """Sign-ins in SQL."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, institution_id: int, opter_no: str, mac: str | None, ip: str | None, signed_in_at: datetime) -> str:
        """Record a sign-in; its ``sign_no``, derived from the row id (an insert, then an update)."""
        sign_in_id = int(
            self._conn.execute(
                insert(t.sign_ins)
                .values(
                    # A unique placeholder until the row id is known (the column is unique and not null).
                    sign_no=f"pending:{secrets.token_hex(16)}",
                    institution_id=institution_id,
                    opter_no=opter_no,
                    mac=mac,
                    ip=ip,
                    signed_in_at=signed_in_at,
                )
                .returning(t.sign_ins.c.id)
            ).scalar_one()
        )
        sign_no = sign_no_of(sign_in_id, signed_in_at)
        self._conn.execute(update(t.sign_ins).where(t.sign_ins.c.id == sign_in_id).values(sign_no=sign_no))
        return sign_no

    def find(self, sign_no: str) -> StoredSignIn | None:
        """The sign-in with this ``sign_no`` and its institution's code: one query on the unique index."""
        row = _SIGN_IN(self._conn, {"sign_no": sign_no}).first()
        return _sign_in(row) if row else None

    def sign_out(self, sign_in_id: int, signed_out_at: datetime) -> None:
        """Record the sign-out (签退) of a sign-in not yet signed out; a signed-out one keeps its first time."""
        self._conn.execute(
            update(t.sign_ins)
            .where(t.sign_ins.c.id == sign_in_id, t.sign_ins.c.signed_out_at.is_(None))
            .values(signed_out_at=signed_out_at)
        )
