"""目录下载 (1301-1315): gongji's own catalogue as the national catalogue files, fetched through 9102.

A download names the version the institution has (``ver``; "0" or nothing: none yet) and gets a file of every item
changed since, as the national platform makes it: a zip holding one text file (the zip's name less ``.zip``), one
item per line, the national columns in their national order separated by tabs, no header, UTF-8. The answer is the
file's query number and name; 9102 fetches it.

Column order: the HIS that imports these files reads them by position. The counts and orders here follow the
tables newtouch-cloud/openhis builds for each catalogue (commit 68c8c6235b027eac2c493701c6edfcea9a1e6405,
``WinServiceAPI/YiBaoInterface/Models/Output/OutputDownload13.cs``; its ``ClassSqlHelper.Insert9102`` splits each
line on tabs and inserts the fields in that order). gongji fills the columns it knows (code, name, unit, dates,
validity, record id, version, and for drugs the 甲乙类 level) and leaves the others empty.

What gongji has: drugs (1301 西药中成药), medical services and examinations (1305 医疗服务项目) and
consumables (1306 医用耗材). For every other catalogue (1302 中药饮片, 1303 医疗机构制剂, 1307 疾病与诊断,
1308 手术操作, 1309 门诊慢特病种, 1310 按病种付费病种, 1311 日间手术治疗病种, 1313 肿瘤形态学, 1314 中医疾病,
1315 中医证候) gongji keeps no data: the
download succeeds with a file of no lines, as the platform answers an institution that is up to date — never an
invented row. 1304 (民族药品), 1312 and 1316-1319 are paged queries, not files (:mod:`gongji.service.catalogue_query`).

An item's version (``ver``, column 版本号) is when it last changed, ``yyyyMMddHHmmssffffff`` (20 digits); a
download lists the items whose version is greater than the one given, in version order. The file's own version
is its last item's (or, with no item, the one given).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from gongji.domain.catalogue import CatalogueItem, ItemCategory, ItemKind
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.fsi_files import FileView, store_file
from gongji.service.fsi_ports import StoredCatalogueRow
from gongji.service.institutions import resolve_institution
from gongji.service.ports import UnitOfWork

__all__ = ["CATALOGUES", "VERSION_DIGITS", "Catalogue", "CatalogueFile", "MakeCatalogueFile", "make_catalogue_file"]

#: Digits of an item's version: ``yyyyMMddHHmmss`` and microseconds.
VERSION_DIGITS = 20
_MAX_VERSION_CHARS = 40
#: 收费项目等级 by category: 01 甲类, 02 乙类, 03 丙类 (national code list ``chrgitm_lv``).
_LEVEL = {ItemCategory.A: "01", ItemCategory.B: "02", ItemCategory.C: "03"}


def version_of(at: datetime) -> str:
    """An item's version: when it last changed, ``yyyyMMddHHmmssffffff`` in Beijing time."""
    return f"{at.astimezone(SHANGHAI):%Y%m%d%H%M%S%f}"


def _moment(at: datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"


@dataclass(frozen=True)
class _Row:
    """What one line is made of: the item, its version and the moment it changed."""

    item: CatalogueItem
    ver: str
    changed: str


#: A column's value from the line's item (the other columns are empty).
Filler = Callable[[_Row], str]


def _unit(row: _Row) -> str:
    return row.item.unit or ""


_CODE: Filler = lambda row: row.item.code  # noqa: E731
_NAME: Filler = lambda row: row.item.name  # noqa: E731
_VALID: Filler = lambda row: "1"  # noqa: E731
_RID: Filler = lambda row: f"{row.item.code}-{row.ver}"  # noqa: E731
_VER: Filler = lambda row: row.ver  # noqa: E731
_VER_NAME: Filler = lambda row: f"gongji {row.ver[:8]}"  # noqa: E731
_CHANGED: Filler = lambda row: row.changed  # noqa: E731
_LIMITED: Filler = lambda row: "0"  # noqa: E731


@dataclass(frozen=True)
class Catalogue:
    """A national catalogue file: its transaction code, the gongji item kinds it lists, its column count and which
    columns (0-based positions) gongji fills."""

    infno: str
    kinds: tuple[ItemKind, ...]
    columns: int
    fillers: Mapping[int, Filler]

    def line(self, row: _Row) -> str:
        """One item as a line of the file (tabs and line breaks in a value become spaces)."""
        values = [""] * self.columns
        for position, filler in self.fillers.items():
            values[position] = " ".join(filler(row).split())
        return "\t".join(values)


def _empty(infno: str, columns: int) -> Catalogue:
    return Catalogue(infno, (), columns, {})


#: Every catalogue file, by transaction code (column counts from openhis ``OutputDownload13.cs``, see the module).
CATALOGUES: dict[str, Catalogue] = {
    c.infno: c
    for c in (
        # 1301 西药中成药: 0 医疗目录编码, 1 药品商品名, 3 药品通用名, 7 注册名称, 36 开始日期,
        # 48 最小计价单位, 57 限制使用标志, 78 有效标志, 79 唯一记录号, 80 数据创建时间, 81 数据更新时间,
        # 82 版本号, 83 版本名称, 91 国家医保药品目录甲乙类标识.
        Catalogue(
            "1301",
            (ItemKind.DRUG,),
            92,
            {
                0: _CODE,
                1: _NAME,
                3: _NAME,
                7: _NAME,
                36: _CHANGED,
                48: _unit,
                57: _LIMITED,
                78: _VALID,
                79: _RID,
                80: _CHANGED,
                81: _CHANGED,
                82: _VER,
                83: _VER_NAME,
                91: lambda row: _LEVEL[row.item.category],
            },
        ),
        _empty("1302", 28),
        _empty("1303", 78),
        # 1305 医疗服务项目: 0 医疗目录编码, 1 计价单位, 2 计价单位名称, 6 有效标志, 9 医疗服务项目名称,
        # 11 开始日期, 13 唯一记录号, 14 版本号, 15 版本名称.
        Catalogue(
            "1305",
            (ItemKind.SERVICE, ItemKind.TEST),
            16,
            {0: _CODE, 1: _unit, 2: _unit, 6: _VALID, 9: _NAME, 11: _CHANGED, 13: _RID, 14: _VER, 15: _VER_NAME},
        ),
        # 1306 医用耗材: 0 医疗目录编码, 1 耗材名称, 17 最小使用单位, 33 限制使用标志, 35 最小销售单位,
        # 46 开始日期, 67 有效标志, 68 唯一记录号, 69 版本号, 70 版本名称.
        Catalogue(
            "1306",
            (ItemKind.CONSUMABLE,),
            71,
            {
                0: _CODE,
                1: _NAME,
                17: _unit,
                33: _LIMITED,
                35: _unit,
                46: _CHANGED,
                67: _VALID,
                68: _RID,
                69: _VER,
                70: _VER_NAME,
            },
        ),
        _empty("1307", 24),
        _empty("1308", 24),
        _empty("1309", 16),
        _empty("1310", 15),
        _empty("1311", 15),
        _empty("1313", 11),
        _empty("1314", 14),
        _empty("1315", 14),
    )
}


@dataclass(frozen=True)
class MakeCatalogueFile:
    """A catalogue download: which catalogue, for which institution, from which version (``None``: everything)."""

    infno: str
    institution: str
    ver: str | None = None


@dataclass(frozen=True)
class CatalogueFile:
    """The file made: where to fetch it (its query number and name), how many items it lists, its version."""

    file: FileView
    data_cnt: int
    ver: str


def _checked_version(ver: str | None) -> str | None:
    """The version given, digits only; "0" and nothing mean none."""
    text = (ver or "").strip()
    if text in ("", "0"):
        return None
    if not text.isdigit() or len(text) > _MAX_VERSION_CHARS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID, field="ver", reason=Said(Phrase.ROW_CODE_FORMAT, {"max": _MAX_VERSION_CHARS})
        )
    return text


def _newer(ver: str, than: str | None) -> bool:
    """Whether version ``ver`` comes after ``than`` (digits compared as numbers, shorter ones padded at the end,
    so a national 17-digit version compares with gongji's 20-digit ones)."""
    if than is None:
        return True
    width = max(len(ver), len(than))
    return int(ver.ljust(width, "0")) > int(than.ljust(width, "0"))


def _zip(entry: str, text: str, at: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = at.astimezone(SHANGHAI).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(entry, date_time=(max(stamp[0], 1980), *stamp[1:]))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def _rows(stored: list[StoredCatalogueRow], since: str | None) -> list[_Row]:
    rows = [_Row(s.item, version_of(s.updated_at), _moment(s.updated_at)) for s in stored]
    rows = [row for row in rows if _newer(row.ver, since)]
    rows.sort(key=lambda row: (row.ver, row.item.code))
    return rows


def make_catalogue_file(ctx: Context, cmd: MakeCatalogueFile, *, key: str) -> CatalogueFile:
    """Make the catalogue file of ``cmd.infno`` for the institution, store it, and answer where to fetch it
    (idempotent by ``key``: a replayed message answers the same file)."""
    catalogue = CATALOGUES.get(cmd.infno)
    if catalogue is None:
        raise InvalidInput(ErrorCode.FIELD_INVALID, field="infno", reason=Phrase.ROW_CODE_MISSING)
    since = _checked_version(cmd.ver)

    def handler(uow: UnitOfWork) -> CatalogueFile:
        institution = resolve_institution(uow, cmd.institution)
        now = ctx.clock.now()
        stored = uow.fsi_files.catalogue_rows([kind.value for kind in catalogue.kinds], None) if catalogue.kinds else []
        rows = _rows(stored, since)
        entry = f"{catalogue.infno}_{now.astimezone(SHANGHAI):%Y%m%d%H%M%S%f}.txt"
        text = "".join(catalogue.line(row) + "\n" for row in rows)
        view = store_file(uow, institution.id, entry + ".zip", _zip(entry, text, now), catalogue.infno, now, len(rows))
        return CatalogueFile(view, len(rows), rows[-1].ver if rows else (since or "0"))

    return ctx.write(
        key=key,
        operation=f"fsi.catalogue.{catalogue.infno}",
        request={"institution": cmd.institution, "infno": catalogue.infno, "ver": since},
        result_type=CatalogueFile,
        handler=handler,
    )
