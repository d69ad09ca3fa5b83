"""Files of the national interface (9101 文件上传, 9102 文件下载): an institution hands a file in and gets a query
number (``file_qury_no``) for it; it fetches a file by that number, its own uploads and the files gongji made for it
(the catalogue downloads of :mod:`gongji.service.catalogue_download`).

Files live in the database (every worker sees them, and they survive restarts), at most :data:`MAX_FILE_BYTES`
each, and can be fetched until their ``dld_endtime`` (:data:`KEEP_DAYS` after they were stored). Another
institution's file is answered as not found: whether it exists is not the caller's to know.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.fsi_ports import StoredFile
from gongji.service.institutions import resolve_institution
from gongji.service.ports import UnitOfWork

__all__ = [
    "KEEP_DAYS",
    "MAX_FILENAME_CHARS",
    "MAX_FILE_BYTES",
    "DownloadFile",
    "FileContent",
    "FileView",
    "UploadFile",
    "download_file",
    "store_file",
    "upload_file",
]

#: The largest file stored: a request body is read up to 4 MiB, and a file travels in it as base64 or as numbers.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: How long a file can be fetched after it was stored.
KEEP_DAYS = 7
#: The national ``filename`` is text of at most 200 characters.
MAX_FILENAME_CHARS = 200
#: Origin of a file an institution uploaded (a catalogue file's origin is its transaction code).
UPLOAD = "upload"


@dataclass(frozen=True)
class UploadFile:
    """9101: a file from an institution."""

    institution: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class DownloadFile:
    """9102: which file, named by its query number and its file name, for which institution."""

    institution: str
    file_qury_no: str
    filename: str | None = None


@dataclass(frozen=True)
class FileView:
    """A stored file: its query number, name, size, rows (a catalogue file) and download deadline."""

    file_qury_no: str
    filename: str
    size_bytes: int
    sha256: str
    rows: int | None
    origin: str
    dld_endtime: datetime


@dataclass(frozen=True)
class FileContent:
    """A file fetched: its name and its bytes."""

    filename: str
    content: bytes


def _view(file: StoredFile) -> FileView:
    return FileView(
        file.file_qury_no, file.filename, file.size_bytes, file.sha256, file.rows, file.origin, file.expires_at
    )


def _checked_name(filename: str) -> str:
    name = filename.strip()
    if not 1 <= len(name) <= MAX_FILENAME_CHARS or not name.isprintable() or any(c in name for c in "/\\"):
        raise InvalidInput(
            ErrorCode.FIELD_INVALID, field="filename", reason=Said(Phrase.ROW_NAME_FORMAT, {"max": MAX_FILENAME_CHARS})
        )
    return name


def _query_number(at: datetime) -> str:
    """A new ``file_qury_no``: 30 characters, ``F`` + ``yyyyMMddHHmmss`` + 15 random hexadecimal digits."""
    return f"F{at.astimezone(SHANGHAI):%Y%m%d%H%M%S}{secrets.token_hex(8)[:15]}"


def store_file(
    uow: UnitOfWork, institution_id: int, filename: str, content: bytes, origin: str, at: datetime, rows: int | None
) -> FileView:
    """Store ``content`` for an institution (inside the caller's transaction) and give its view."""
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(ErrorCode.FILE_TOO_LARGE, filename=filename, size=len(content), max=MAX_FILE_BYTES)
    stored = uow.fsi_files.add_file(
        StoredFile(
            id=0,
            file_qury_no=_query_number(at),
            institution_id=institution_id,
            filename=filename,
            origin=origin,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            rows=rows,
            created_at=at,
            expires_at=at + timedelta(days=KEEP_DAYS),
        ),
        content,
    )
    return _view(stored)


def upload_file(ctx: Context, cmd: UploadFile, *, key: str) -> FileView:
    """9101 文件上传: store the file and answer its query number (idempotent by ``key``)."""
    name = _checked_name(cmd.filename)
    if len(cmd.content) > MAX_FILE_BYTES:
        raise InvalidInput(ErrorCode.FILE_TOO_LARGE, filename=name, size=len(cmd.content), max=MAX_FILE_BYTES)
    digest = hashlib.sha256(cmd.content).hexdigest()

    def handler(uow: UnitOfWork) -> FileView:
        institution = resolve_institution(uow, cmd.institution)
        return store_file(uow, institution.id, name, cmd.content, UPLOAD, ctx.clock.now(), None)

    return ctx.write(
        key=key,
        operation="fsi.file.upload",
        request={"institution": cmd.institution, "filename": name, "sha256": digest, "size": len(cmd.content)},
        result_type=FileView,
        handler=handler,
    )


def download_file(ctx: Context, cmd: DownloadFile) -> FileContent:
    """9102 文件下载: the institution's own file (an upload of its own, or a file made for it). Reads only."""
    number = cmd.file_qury_no.strip()
    wanted = cmd.filename.strip() if cmd.filename else None

    def handler(uow: UnitOfWork) -> FileContent:
        institution = resolve_institution(uow, cmd.institution)
        found = uow.fsi_files.file(number)
        if found is None or found.institution_id != institution.id or (wanted and wanted != found.filename):
            raise NotFound(ErrorCode.FILE_NOT_FOUND, file_qury_no=number, filename=wanted or "")
        if ctx.clock.now() > found.expires_at:
            at = f"{found.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
            raise Refused(ErrorCode.FILE_EXPIRED, file_qury_no=number, dld_endtime=at)
        return FileContent(found.filename, uow.fsi_files.file_content(found.id))

    return ctx.read(handler)
