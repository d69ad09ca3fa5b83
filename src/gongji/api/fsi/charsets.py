"""The character sets a national-interface message may be written in, read from its ``Content-Type``.

Most clients send UTF-8 and say so, or say nothing (``application/json``): idoku-test/HN-YBJ-SDK (commit
2ffe3fea28e630993f4c132a3ddc1f40d4d8808a, ``HN-YBJ-SDK.Core/FD/HttpHelper.cs``) posts a ``StringContent`` (UTF-8)
and then sets the type to a bare ``application/json``; newtouch-cloud/openhis (commit
1f9b5713a7d21cfbe005ddf9825df6a1793fed59, ``Newtouch.HIS.Sett/Newtouch.Infrastructure/HttpTpClientHelper.cs``)
writes UTF-8 bytes under ``application/json``. Older hospital systems on Chinese Windows write GBK (code page 936)
and declare it: ``application/json; charset=GBK``. Such a body is read in the charset it declares.

The answer goes back in the charset of the request, declared in the answer's ``Content-Type``: a client that
declares GBK reads GBK (.NET's ``HttpContent.ReadAsStringAsync``, which HN-YBJ-SDK uses, decodes by the charset
the answer declares, so declaring it is what makes the bytes readable), and a client that reads every answer as
UTF-8 whatever it declares (openhis's ``StreamReader(..., Encoding.UTF8)``) also sends UTF-8, so it gets UTF-8.
A character the charset cannot hold (a rare name character outside GBK) is written as its JSON escape
``\\uXXXX``, which every JSON reader turns back into the same character.

An undeclared charset is UTF-8 (JSON's own, RFC 8259). A declared charset gongji does not read is refused by name.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from gongji.api.fsi.fields import FsiInputError, shown

__all__ = ["UTF8", "Charset", "charset_of"]

#: Python codec → the codec used to read and write it. GB2312 is read and written as GBK, its superset, as
#: Windows (code page 936) and browsers (the WHATWG Encoding Standard) do under that label; ASCII is read as
#: UTF-8 (a subset) and answered in ASCII with every other character escaped.
_READABLE = {"utf-8": "utf-8", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030", "ascii": "ascii"}
_LABEL = {"utf-8": "utf-8", "gbk": "GBK", "gb2312": "GB2312", "gb18030": "GB18030", "ascii": "US-ASCII"}
#: Longest charset name looked up at all.
_NAME_MAX_LEN = 40


@dataclass(frozen=True)
class Charset:
    """A charset gongji reads and answers in: the Python codec, and the name the answer declares."""

    codec: str
    label: str

    @property
    def media_type(self) -> str:
        """The answer's ``Content-Type``."""
        return f"application/json; charset={self.label}"


UTF8 = Charset("utf-8", "utf-8")


def charset_of(content_type: str | None) -> Charset:
    """The charset a request's ``Content-Type`` declares (UTF-8 when it declares none); raises
    :class:`FsiInputError` naming a charset that does not exist or that gongji does not read."""
    declared = _parameter(content_type or "", "charset")
    if declared is None:
        return UTF8
    try:
        name = codecs.lookup(declared).name if len(declared) <= _NAME_MAX_LEN else None
    except LookupError:
        name = None
    if name not in _READABLE:
        raise FsiInputError(
            "Content-Type",
            f"不支持的字符集“{shown(declared)}”：请用 UTF-8、GBK 或 GB18030",
            f"The charset '{shown(declared)}' is not supported: use UTF-8, GBK or GB18030",
        )
    return Charset(_READABLE[name], _LABEL[name])


def _parameter(content_type: str, wanted: str) -> str | None:
    """A parameter of a media type (``charset`` of ``application/json; charset="GBK"``), unquoted; ``None`` when
    absent or blank."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == wanted:
            found = value.strip().strip('"').strip()
            return found or None
    return None
