"""9101 文件上传, 9102 文件下载 and the catalogue downloads 1301-1315 (目录下载).

Field names as public HIS code sends and reads them (newtouch-cloud/openhis, commit
68c8c6235b027eac2c493701c6edfcea9a1e6405, ``WinServiceAPI/YiBaoInterface/Models``):

- 9101 reads ``fsUploadIn{in, filename, fixmedins_code}`` (``Input_9101.cs``: ``in`` is the file's bytes, which
  .NET writes as base64 text and Java clients as an array of numbers; both are read) and answers
  ``{file_qury_no, filename, dld_endtime}`` (``Output_9101.cs``).
- 9102 reads ``fsDownloadIn{file_qury_no, filename, fixmedins_code}`` (``Input_9102.cs``; for a file of 1301-1319
  ``fixmedins_code`` is "plc", as its field comment says) and answers the file's bytes as the HTTP body
  (:mod:`gongji.api.fsi.raw`); a refusal is the usual envelope.
- 1301-1315 read ``data{ver}`` and answer ``{file_qury_no, filename, dld_endtime, data_cnt}`` (the names of
  9101 and 3202's ``fileinfo``), and also ``dld_end_time`` and ``data_cn``, the names openhis's ``Output_13.cs``
  reads. What the file holds is :mod:`gongji.service.catalogue_download`'s.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.raw import RawFile
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.service.catalogue_download import CATALOGUES, MakeCatalogueFile, make_catalogue_file
from gongji.service.clock import SHANGHAI
from gongji.service.fsi_files import MAX_FILE_BYTES, DownloadFile, FileView, UploadFile, download_file, upload_file

__all__ = ["FILES", "PLATFORM_OWNER", "file_bytes"]

#: ``fixmedins_code`` a client gives in 9102 for a file the platform made (1301-1319).
PLATFORM_OWNER = "plc"

_UPLOAD = "fsUploadIn"
_DOWNLOAD = "fsDownloadIn"


def _too_large(filename: str, size: int) -> InvalidInput:
    return InvalidInput(ErrorCode.FILE_TOO_LARGE, filename=filename, size=size, max=MAX_FILE_BYTES)


def file_bytes(value: object, filename: str) -> bytes:
    """The bytes of ``fsUploadIn.in``: base64 text, or an array of byte values (0-255, or Java's signed -128-127)."""
    field = f"{_UPLOAD}.in"
    if isinstance(value, str):
        if len(value) > (MAX_FILE_BYTES * 4) // 3 + 4:
            raise _too_large(filename, len(value) * 3 // 4)
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise f.refusal(field, "不是 Base64 编码的文件内容", "is not base64-encoded file content") from None
    if isinstance(value, list):
        if len(value) > MAX_FILE_BYTES:
            raise _too_large(filename, len(value))
        if not all(isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in value):
            raise f.refusal(
                field, "字节数组的每一项须为 -128 到 255 的整数", "each byte must be a whole number from -128 to 255"
            )
        return bytes(b % 256 for b in value)
    if value is None or value == "":
        raise f.refusal(field, "缺失", "missing")
    raise f.refusal(field, "应为字节数组或 Base64 文本", "must be an array of bytes or base64 text")


def _same_institution(node: dict[str, Any], call: Call, path: str, *, platform: bool) -> None:
    given = f.code(node, "fixmedins_code", required=False, path=path)
    if given is None or given.upper() == call.institution.upper() or (platform and given.lower() == PLATFORM_OWNER):
        return
    raise f.refusal(
        f.field_name("fixmedins_code", path),
        f"“{f.shown(given)}”不是本机构 {call.institution}",
        f"'{f.shown(given)}' is not the calling institution {call.institution}",
    )


def _time(at: datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"


def _file_output(view: FileView) -> dict[str, Any]:
    return {"file_qury_no": view.file_qury_no, "filename": view.filename, "dld_endtime": _time(view.dld_endtime)}


def _upload(call: Call) -> dict[str, Any]:
    """9101 文件上传."""
    node = call.envelope.node(_UPLOAD)
    filename = f.text(node, "filename", max_len=200, path=_UPLOAD)
    _same_institution(node, call, _UPLOAD, platform=False)
    content = file_bytes(node.get("in"), filename)
    view = upload_file(call.ctx, UploadFile(call.institution, filename, content), key=call.key)
    return _file_output(view)


def _download(call: Call) -> dict[str, Any]:
    """9102 文件下载: the file's bytes (a :class:`RawFile`)."""
    node = call.envelope.node(_DOWNLOAD)
    _same_institution(node, call, _DOWNLOAD, platform=True)
    cmd = DownloadFile(
        call.institution,
        f.code(node, "file_qury_no", path=_DOWNLOAD),
        f.text(node, "filename", required=False, max_len=200, path=_DOWNLOAD),
    )
    found = download_file(call.ctx, cmd)
    return RawFile(found.filename, found.content)


def _catalogue(call: Call) -> dict[str, Any]:
    """1301-1315 目录下载: the file of every item changed since ``ver``."""
    node = call.envelope.node("data")
    ver = f.code(node, "ver", required=False, max_len=40, path="data")
    made = make_catalogue_file(call.ctx, MakeCatalogueFile(call.envelope.infno, call.institution, ver), key=call.key)
    output = _file_output(made.file)
    count = str(made.data_cnt)
    return output | {"data_cnt": count, "dld_end_time": output["dld_endtime"], "data_cn": count}


_CATALOGUE_NAMES = {
    "1301": "西药中成药目录下载",
    "1302": "中药饮片目录下载",
    "1303": "医疗机构制剂目录下载",
    "1305": "医疗服务项目目录下载",
    "1306": "医用耗材目录下载",
    "1307": "疾病与诊断目录下载",
    "1308": "手术操作目录下载",
    "1309": "门诊慢特病种目录下载",
    "1310": "按病种付费病种目录下载",
    "1311": "日间手术治疗病种目录下载",
    "1313": "肿瘤形态学目录下载",
    "1314": "中医疾病目录下载",
    "1315": "中医证候目录下载",
}
assert set(_CATALOGUE_NAMES) == set(CATALOGUES), "every catalogue file has its name"

FILES: tuple[Transaction, ...] = (
    Transaction("9101", "文件上传", _upload),
    Transaction("9102", "文件下载", _download),
    *(Transaction(infno, name, _catalogue) for infno, name in _CATALOGUE_NAMES.items()),
)

TRANSACTIONS.update({t.infno: t for t in FILES})
