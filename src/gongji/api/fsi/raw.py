"""An answer that is a file, not an envelope: 9102 文件下载 answers the file's bytes as the HTTP body.

Public clients read the 9102 answer that way: newtouch-cloud/openhis (commit
68c8c6235b027eac2c493701c6edfcea9a1e6405, ``WinServiceAPI/YiBaoInterface/ClassHelper.cs``, where the transaction is
9102) copies the response stream into the file named by ``fsDownloadIn.filename`` and unzips it, with no JSON
parsing. A refused download is still the national envelope (``infcode`` −2).

:class:`RawFile` is a ``dict`` (its name and size, what a log may show) carrying the bytes beside, so that a handler
returning it fits the handlers' type; :mod:`gongji.api.fsi.router` sends its ``content`` instead of an envelope.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RawFile"]


class RawFile(dict[str, Any]):
    """A file to answer as the HTTP body: ``content`` (bytes), described by ``filename`` and ``size``."""

    def __init__(self, filename: str, content: bytes) -> None:
        super().__init__(filename=filename, size=len(content))
        self.filename = filename
        self.content = content

    @property
    def media_type(self) -> str:
        """``application/zip`` for a zip file (the catalogue downloads), else ``application/octet-stream``."""
        return "application/zip" if self.filename.lower().endswith(".zip") else "application/octet-stream"
