"""Use cases of the institution registry (定点医药机构) and the medical catalogue (医保目录).

Institutions are added one at a time, validated and idempotent (``add_institution``). The catalogue is loaded
from CSV files (``import_catalogue``), validated row by row before anything is written.

The catalogue file
------------------

CSV, in UTF-8 (with or without a BOM) or GB18030 (as Excel saves it on a Chinese system). Blank lines are skipped,
and a line whose first character is ``#`` is a comment. The first other line is the header: it names these nine
columns, each exactly once, in any order, and no other column (a file with another header is refused whole)::

    column           value                                                              blank means
    ---------------  -----------------------------------------------------------------  ----------------------
    code             national item code: 1–50 visible ASCII characters                  (refused)
    name             item name, at most 200 characters                                  (refused)
    category         A / B / C, or 甲 / 乙 / 丙 (甲类 / 乙类 / 丙类)                      (refused)
    kind             drug / test / service / consumable                                 (refused)
                     (or 药品 / 检查检验 / 医疗服务 / 医用耗材)
    unit             the unit of one quantity (盒, 次, 支), at most 20 characters       no unit
    self_pay_pct     category B only: 先行自付比例 as a percentage, at most 2 decimals  the region's default
                     (``10``, ``12.5``, ``15%``), 0 to 100
    price_cap_yuan   限价 per unit, in yuan, at most 2 decimals, above zero               no price cap
    account_payable  whether the personal account may pay it: true/false, 1/0, 是/否     (refused)
    sample           whether the row is sample data: true/false, 1/0, 是/否              false

A row is rejected when any of its values is wrong, when it has more or fewer fields than the header, or when its
code appeared on an earlier row of the file (the earlier row stands or falls on its own). Every problem of a
rejected row is reported with its line number, column and a reason in Chinese and English.

Valid rows are imported even when others are rejected, in batches of :data:`BATCH_SIZE` rows, one transaction per
batch; the report says so. Importing is idempotent: an item already stored exactly as in the file is left alone,
so a corrected file can simply be imported again.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from gongji.domain.catalogue import CatalogueItem, Institution, InstitutionKind, ItemCategory, ItemKind
from gongji.domain.errors import ErrorCode, GongjiError, InvalidInput, NotFound, Refused
from gongji.domain.money import parse_yuan
from gongji.domain.regions import NATIONAL, parse_region, region_name
from gongji.rules.schema import HospitalLevel
from gongji.service.context import Context
from gongji.service.institution_access import ensure_credentials
from gongji.service.ports import UnitOfWork, UpsertCounts

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "DEMO_CATALOGUE_FILE",
    "DEMO_INSTITUTIONS",
    "MAX_PAGE_SIZE",
    "MAX_PROBLEMS_LISTED",
    "MAX_ROWS",
    "AddInstitution",
    "CatalogueItemView",
    "CataloguePage",
    "ImportReport",
    "InstitutionView",
    "ParsedCatalogue",
    "Progress",
    "RowProblem",
    "add_institution",
    "catalogue_item_view",
    "import_catalogue",
    "institution_view",
    "list_catalogue",
    "list_institutions",
    "load_demo_catalogue",
    "load_demo_institutions",
    "parse_catalogue",
    "resolve_institution",
    "show_catalogue_item",
    "show_institution",
]

#: Rows written per transaction when importing.
BATCH_SIZE = 1_000
#: The most data rows one file may hold (the national catalogue is well under this).
MAX_ROWS = 1_000_000
#: The most row problems a report lists one by one; the rest are counted.
MAX_PROBLEMS_LISTED = 1_000
MAX_PAGE_SIZE = 500

#: The columns of a catalogue file, in the order the shipped files use.
COLUMNS = (
    "code",
    "name",
    "category",
    "kind",
    "unit",
    "self_pay_pct",
    "price_cap_yuan",
    "account_payable",
    "sample",
)

#: The demo catalogue shipped in the package (sample data, not a real catalogue).
DEMO_CATALOGUE_FILE = "demo_catalogue.csv"

#: Called after each batch with (rows imported so far, rows to import).
Progress = Callable[[int, int], None]

_VISIBLE = re.compile(r"^[\x21-\x7e]+$")
_PERCENT = re.compile(r"^[0-9]+(\.[0-9]+)?$")

_KIND_ZH = {
    InstitutionKind.HOSPITAL: "医疗机构",
    InstitutionKind.PHARMACY: "零售药店",
}
_INSTITUTION_KINDS = {
    "hospital": InstitutionKind.HOSPITAL,
    "医院": InstitutionKind.HOSPITAL,
    "医疗机构": InstitutionKind.HOSPITAL,
    "pharmacy": InstitutionKind.PHARMACY,
    "药店": InstitutionKind.PHARMACY,
    "零售药店": InstitutionKind.PHARMACY,
}
_LEVEL_ZH = {
    HospitalLevel.LEVEL_1: "一级",
    HospitalLevel.LEVEL_2: "二级",
    HospitalLevel.LEVEL_3: "三级",
    HospitalLevel.LEVEL_3_PROVINCIAL: "三级（省属）",
    HospitalLevel.LEVEL_3_MUNICIPAL: "三级（市属）",
}
_LEVELS = {level.value: level for level in HospitalLevel} | {
    "一级": HospitalLevel.LEVEL_1,
    "二级": HospitalLevel.LEVEL_2,
    "三级": HospitalLevel.LEVEL_3,
}
_CATEGORIES = {
    "A": ItemCategory.A,
    "B": ItemCategory.B,
    "C": ItemCategory.C,
    "甲": ItemCategory.A,
    "乙": ItemCategory.B,
    "丙": ItemCategory.C,
    "甲类": ItemCategory.A,
    "乙类": ItemCategory.B,
    "丙类": ItemCategory.C,
}
_ITEM_KIND_ZH = {
    ItemKind.DRUG: "药品",
    ItemKind.TEST: "检查检验",
    ItemKind.SERVICE: "医疗服务",
    ItemKind.CONSUMABLE: "医用耗材",
}
_ITEM_KINDS = {kind.value: kind for kind in ItemKind} | {zh: kind for kind, zh in _ITEM_KIND_ZH.items()}
_BOOLEANS = {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False}


# --- views -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionView:
    """A designated institution as people and client systems read it."""

    id: int
    fixmedins_code: str
    name: str
    kind: str
    kind_zh: str
    level: str | None
    level_zh: str | None
    region: str
    region_zh: str


@dataclass(frozen=True)
class CatalogueItemView:
    """A catalogue item; the self-pay share both in basis points and as a percentage (``"10.00"``)."""

    code: str
    name: str
    category: str
    category_zh: str
    kind: str
    kind_zh: str
    unit: str | None
    self_pay_bp: int | None
    self_pay_pct: str | None
    price_cap_fen: int | None
    account_payable: bool
    sample: bool


@dataclass(frozen=True)
class CataloguePage:
    """One page of the catalogue and how many items match in all."""

    total: int
    limit: int
    offset: int
    items: list[CatalogueItemView]


@dataclass(frozen=True)
class RowProblem:
    """Why a row of a catalogue file was rejected: its line, the column (``*`` for the whole row) and the reason."""

    line: int
    column: str
    value: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``rows_read = inserted + updated + unchanged + rows_rejected``."""

    source: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rows_rejected: int
    problems: list[RowProblem]
    #: Problems beyond :data:`MAX_PROBLEMS_LISTED` (counted, not listed).
    problems_not_listed: int
    batches: int
    batch_size: int
    note_zh: str
    note_en: str

    @property
    def clean(self) -> bool:
        """Whether every row was imported."""
        return self.rows_rejected == 0


@dataclass
class ParsedCatalogue:
    """A catalogue file checked row by row: the valid items with their line numbers, and every problem."""

    source: str
    rows_read: int = 0
    items: list[tuple[int, CatalogueItem]] = field(default_factory=list)
    rejected_lines: set[int] = field(default_factory=set)
    problems: list[RowProblem] = field(default_factory=list)


# --- institutions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddInstitution:
    """Register a designated institution: national code, name, kind, level (hospitals only) and pooling region."""

    fixmedins_code: str
    name: str
    kind: str
    region: str
    level: str | None = None


def institution_view(institution: Institution) -> InstitutionView:
    """The view of an institution, with Chinese names of its kind, level and region."""
    level = HospitalLevel(institution.level) if institution.level else None
    return InstitutionView(
        id=institution.id,
        fixmedins_code=institution.fixmedins_code,
        name=institution.name,
        kind=institution.kind.value,
        kind_zh=_KIND_ZH[institution.kind],
        level=level.value if level else None,
        level_zh=_LEVEL_ZH[level] if level else None,
        region=institution.region,
        region_zh=region_name(institution.region),
    )


def _field_invalid(name: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(ErrorCode.FIELD_INVALID, field=name, reason_zh=zh, reason_en=en)


def _validate_institution(cmd: AddInstitution) -> AddInstitution:
    """The command with every field checked and normalised; raises ``FIELD_INVALID`` or ``CODE_UNKNOWN``."""
    code = cmd.fixmedins_code.strip().upper()
    if not 1 <= len(code) <= 30 or not _VISIBLE.match(code):
        raise _field_invalid(
            "fixmedins_code",
            f"定点医药机构编码“{cmd.fixmedins_code}”须为 1 到 30 个可见字符（例如 H13010200001）",
            f"institution code '{cmd.fixmedins_code}' must be 1 to 30 visible characters (e.g. H13010200001)",
        )
    name = cmd.name.strip()
    if not 1 <= len(name) <= 100 or not name.isprintable():
        raise _field_invalid("name", "机构名称须为 1 到 100 个字符", "the name must be 1 to 100 characters")
    kind = _INSTITUTION_KINDS.get(cmd.kind.strip().lower())
    if kind is None:
        raise InvalidInput(
            ErrorCode.CODE_UNKNOWN, code_list_zh="机构类型", code_list_en="institution kind", value=cmd.kind
        )
    level_text = (cmd.level or "").strip().lower()
    level: HospitalLevel | None = None
    if kind is InstitutionKind.HOSPITAL:
        if not level_text:
            raise _field_invalid(
                "level",
                "医疗机构须填写医院等级（1、2、3、3-provincial、3-municipal）",
                "a hospital needs its level (1, 2, 3, 3-provincial, 3-municipal)",
            )
        level = _LEVELS.get(level_text)
        if level is None:
            raise InvalidInput(
                ErrorCode.CODE_UNKNOWN, code_list_zh="医院等级", code_list_en="hospital level", value=cmd.level
            )
    elif level_text:
        raise _field_invalid("level", "零售药店没有医院等级", "a pharmacy has no hospital level")
    region = parse_region(cmd.region)
    if region.code == NATIONAL:
        raise _field_invalid(
            "region",
            "须为统筹区，不能为全国（100000）",
            "must be a pooling region, not the national level (100000)",
        )
    return AddInstitution(code, name, kind.value, region.code, level.value if level else None)


def add_institution(ctx: Context, cmd: AddInstitution, *, key: str) -> InstitutionView:
    """Register a designated institution; a code registered already is refused (``INSTITUTION_EXISTS``)."""
    valid = _validate_institution(cmd)

    def handler(uow: UnitOfWork) -> InstitutionView:
        existing = uow.institutions.find_by_code(valid.fixmedins_code)
        if existing is not None:
            raise Refused(ErrorCode.INSTITUTION_EXISTS, fixmedins_code=existing.fixmedins_code, name=existing.name)
        institution = uow.institutions.add(
            fixmedins_code=valid.fixmedins_code,
            name=valid.name,
            kind=InstitutionKind(valid.kind),
            level=valid.level,
            region=valid.region,
            created_at=ctx.clock.now(),
        )
        ensure_credentials(uow, institution, ctx.clock.now())  # the national interface's paasid and token
        return institution_view(institution)

    return ctx.write(
        key=key, operation="institution.add", request=asdict(valid), result_type=InstitutionView, handler=handler
    )


def resolve_institution(uow: UnitOfWork, fixmedins_code: str) -> Institution:
    """The institution with this national code; raise ``INSTITUTION_NOT_FOUND``."""
    code = fixmedins_code.strip().upper()
    institution = uow.institutions.find_by_code(code)
    if institution is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=code)
    return institution


def show_institution(ctx: Context, fixmedins_code: str) -> InstitutionView:
    """One institution by its national code."""
    return ctx.read(lambda uow: institution_view(resolve_institution(uow, fixmedins_code)))


def list_institutions(ctx: Context, *, region: str | None = None) -> list[InstitutionView]:
    """Institutions in registration order, optionally only those of one pooling region."""
    region_code = parse_region(region).code if region is not None else None
    return ctx.read(lambda uow: [institution_view(i) for i in uow.institutions.list(region=region_code)])


# --- the catalogue: reading files ------------------------------------------------------------------------------


def _problem(line: int, column: str, value: str, zh: str, en: str) -> RowProblem:
    return RowProblem(line=line, column=column, value=value, reason_zh=zh, reason_en=en)


def _parse_bool(text: str) -> bool | None:
    return _BOOLEANS.get(text.strip().lower())


def _parse_percent_bp(text: str) -> int | tuple[str, str]:
    """A percentage with at most two decimals as basis points, or the reason (zh, en) it is not one."""
    cleaned = text.strip().removesuffix("%").removesuffix("％").strip()
    if not _PERCENT.match(cleaned):
        return ("不是百分比数字（例如 10 或 12.5）", "not a percentage (for example 10 or 12.5)")
    value = Decimal(cleaned)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return ("最多两位小数", "at most two decimals")
    if value > 100:
        return ("须在 0 到 100 之间", "must be between 0 and 100")
    return int(value * 100)


def _check_row(line: int, values: dict[str, str]) -> tuple[CatalogueItem | None, list[RowProblem]]:
    """One data row as an item, or every problem it has."""
    problems: list[RowProblem] = []

    def bad(column: str, zh: str, en: str) -> None:
        problems.append(_problem(line, column, values[column], zh, en))

    code = values["code"].strip()
    if not code:
        bad("code", "缺少编码", "the code is missing")
    elif len(code) > 50 or not _VISIBLE.match(code):
        bad("code", "编码须为 1 到 50 个可见 ASCII 字符", "the code must be 1 to 50 visible ASCII characters")
    name = values["name"].strip()
    if not name:
        bad("name", "缺少名称", "the name is missing")
    elif len(name) > 200 or not name.isprintable():
        bad("name", "名称须为 1 到 200 个可打印字符", "the name must be 1 to 200 printable characters")
    category = _CATEGORIES.get(values["category"].strip().upper())
    if category is None:
        bad("category", "类别须为 A/B/C 或 甲/乙/丙", "the category must be A/B/C or 甲/乙/丙")
    kind = _ITEM_KINDS.get(values["kind"].strip().lower())
    if kind is None:
        bad(
            "kind",
            "类型须为 drug/test/service/consumable（药品/检查检验/医疗服务/医用耗材）",
            "the kind must be drug, test, service or consumable",
        )
    unit = values["unit"].strip() or None
    if unit is not None and (len(unit) > 20 or not unit.isprintable()):
        bad("unit", "单位最多 20 个字符", "the unit must be at most 20 characters")
    self_pay_bp: int | None = None
    if values["self_pay_pct"].strip():
        parsed = _parse_percent_bp(values["self_pay_pct"])
        if isinstance(parsed, tuple):
            bad("self_pay_pct", parsed[0], parsed[1])
        elif category is not None and category is not ItemCategory.B:
            bad(
                "self_pay_pct",
                f"只有乙类项目有先行自付比例，本行为{category.zh}",
                f"only category B items have a self-pay share; this row is category {category.value}",
            )
        else:
            self_pay_bp = parsed
    price_cap_fen: int | None = None
    if values["price_cap_yuan"].strip():
        try:
            price_cap_fen = parse_yuan(values["price_cap_yuan"], allow_zero=False)
        except GongjiError as error:
            bad("price_cap_yuan", str(error.params["reason_zh"]), str(error.params["reason_en"]))
    account_payable = _parse_bool(values["account_payable"])
    if account_payable is None:
        bad("account_payable", "须为 true/false、1/0 或 是/否", "must be true/false, 1/0 or 是/否")
    sample = _parse_bool(values["sample"]) if values["sample"].strip() else False
    if sample is None:
        bad("sample", "须为 true/false、1/0 或 是/否，或留空", "must be true/false, 1/0, 是/否 or blank")
    if problems:
        return None, problems
    assert category is not None
    assert kind is not None
    assert account_payable is not None
    assert sample is not None
    item = CatalogueItem(
        code=code,
        name=name,
        category=category,
        kind=kind,
        unit=unit,
        self_pay_bp=self_pay_bp,
        price_cap_fen=price_cap_fen,
        account_payable=account_payable,
        sample=sample,
    )
    return item, []


def _uncommented(lines: Iterable[str]) -> Iterator[str]:
    """Comment lines become blank lines, so that the CSV reader still counts every physical line."""
    for text in lines:
        yield "\n" if text.startswith("#") else text


def _check_header(source: str, line: int, header: list[str]) -> list[str]:
    names = [name.lstrip("\ufeff").strip().lower() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    reasons_zh: list[str] = []
    reasons_en: list[str] = []
    if unknown:
        reasons_zh.append(f"未知的列 {', '.join(unknown)}")
        reasons_en.append(f"unknown columns {', '.join(unknown)}")
    if missing:
        reasons_zh.append(f"缺少列 {', '.join(missing)}")
        reasons_en.append(f"missing columns {', '.join(missing)}")
    if repeated:
        reasons_zh.append(f"重复的列 {', '.join(repeated)}")
        reasons_en.append(f"repeated columns {', '.join(repeated)}")
    if reasons_zh:
        raise InvalidInput(
            ErrorCode.CATALOGUE_HEADER_INVALID,
            source=source,
            line=line,
            reason_zh="；".join(reasons_zh) + f"（应为 {','.join(COLUMNS)}）",
            reason_en="; ".join(reasons_en) + f" (expected {','.join(COLUMNS)})",
        )
    return names


def parse_catalogue(lines: Iterable[str], *, source: str = "<rows>") -> ParsedCatalogue:
    """Check every row of a catalogue file (its text lines); a wrong header raises ``CATALOGUE_HEADER_INVALID``."""
    parsed = ParsedCatalogue(source=source)
    reader = csv.reader(_uncommented(lines), strict=True)
    header: list[str] | None = None
    first_line_of: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _check_header(source, line, record)
                continue
            parsed.rows_read += 1
            if parsed.rows_read > MAX_ROWS:
                raise InvalidInput(
                    ErrorCode.CATALOGUE_FILE_INVALID,
                    source=source,
                    reason_zh=f"超过 {MAX_ROWS} 行上限，请拆分文件",
                    reason_en=f"more than {MAX_ROWS} rows; split the file",
                )
            if len(record) != len(header):
                parsed.rejected_lines.add(line)
                parsed.problems.append(
                    _problem(
                        line,
                        "*",
                        ",".join(record),
                        f"本行有 {len(record)} 列，表头有 {len(header)} 列",
                        f"the row has {len(record)} fields, the header {len(header)}",
                    )
                )
                continue
            values = dict(zip(header, record, strict=True))
            item, problems = _check_row(line, values)
            code = values["code"].strip()
            if code and code in first_line_of:
                problems.append(
                    _problem(
                        line,
                        "code",
                        code,
                        f"编码与第 {first_line_of[code]} 行重复",
                        f"the code repeats line {first_line_of[code]}",
                    )
                )
            elif code:
                first_line_of[code] = line
            if problems:
                parsed.rejected_lines.add(line)
                parsed.problems.extend(problems)
            else:
                assert item is not None
                parsed.items.append((line, item))
    except csv.Error as exc:
        raise InvalidInput(
            ErrorCode.CATALOGUE_FILE_INVALID,
            source=source,
            reason_zh=f"第 {reader.line_num} 行不是有效的 CSV：{exc}",
            reason_en=f"line {reader.line_num} is not valid CSV: {exc}",
        ) from None
    if header is None:
        raise InvalidInput(
            ErrorCode.CATALOGUE_HEADER_INVALID,
            source=source,
            line=0,
            reason_zh=f"文件中没有表头（应为 {','.join(COLUMNS)}）",
            reason_en=f"the file has no header (expected {','.join(COLUMNS)})",
        )
    return parsed


def _read_lines(path: Path) -> list[str]:
    """A file's lines: UTF-8 (BOM or not), else GB18030; anything else is refused."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            ErrorCode.CATALOGUE_FILE_INVALID,
            source=str(path),
            reason_zh=f"无法读取：{exc.strerror or exc}",
            reason_en=f"cannot be read: {exc.strerror or exc}",
        ) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines(keepends=True)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        ErrorCode.CATALOGUE_FILE_INVALID,
        source=str(path),
        reason_zh="编码既不是 UTF-8 也不是 GB18030",
        reason_en="the encoding is neither UTF-8 nor GB18030",
    )


# --- the catalogue: importing ----------------------------------------------------------------------------------


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _notes(rows_read: int, imported: int, rows_rejected: int, batches: int, batch_size: int) -> tuple[str, str]:
    in_batches = f"in {_plural(batches, 'batch', 'batches')} of at most {batch_size}, one transaction each"
    if rows_rejected == 0:
        return (
            f"全部 {rows_read} 行已导入（{batches} 批，每批最多 {batch_size} 行，每批一个事务）。",
            f"All {_plural(rows_read, 'row', 'rows')} imported ({in_batches}).",
        )
    return (
        f"{rows_rejected} 行被拒绝，未导入；其余 {imported} 行有效，已分 {batches} 批导入"
        f"（每批最多 {batch_size} 行，每批一个事务），尽管有被拒绝的行。"
        "改正被拒绝的行后可重新导入整个文件：已导入且未变的项目不会改动。",
        f"{_plural(rows_rejected, 'row', 'rows')} rejected and not imported; "
        f"the other {_plural(imported, 'valid row', 'valid rows')} imported anyway ({in_batches}). "
        "Correct the rejected rows and import the whole file again: items already stored as given are left alone.",
    )


def import_catalogue(
    ctx: Context,
    source: Path | str | Iterable[str],
    *,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    source_name: str | None = None,
) -> ImportReport:
    """Import a catalogue file (a path, or its text lines): check every row, then upsert the valid ones in batches.

    A wrong header refuses the whole file before anything is written. Otherwise rejected rows are reported and
    the valid rows are imported regardless, one transaction per batch of ``batch_size`` rows; ``progress`` is
    called after each batch. Should the database fail mid-way, the batches before stay imported and importing
    the file again completes it.
    """
    if not 1 <= batch_size <= 10_000:
        raise ValueError(f"batch_size must be between 1 and 10000, not {batch_size}")
    if isinstance(source, str | Path):
        path = Path(source)
        name = source_name or str(path)
        lines: Iterable[str] = _read_lines(path)
    else:
        name = source_name or "<rows>"
        lines = source
    parsed = parse_catalogue(lines, source=name)
    items = [item for _, item in parsed.items]
    total = len(items)
    inserted = updated = unchanged = batches = 0
    if progress is not None:
        progress(0, total)
    for start in range(0, total, batch_size):
        batch = items[start : start + batch_size]

        def handler(uow: UnitOfWork, batch: list[CatalogueItem] = batch) -> UpsertCounts:
            counts = uow.catalogue.upsert_many(batch, ctx.clock.now())
            uow.commit()
            return counts

        counts = ctx.transaction(handler)
        inserted += counts.inserted
        updated += counts.updated
        unchanged += counts.unchanged
        batches += 1
        if progress is not None:
            progress(min(start + batch_size, total), total)
    rows_rejected = len(parsed.rejected_lines)
    assert inserted + updated + unchanged + rows_rejected == parsed.rows_read, "every row is counted once"
    note_zh, note_en = _notes(parsed.rows_read, total, rows_rejected, batches, batch_size)
    return ImportReport(
        source=name,
        rows_read=parsed.rows_read,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        rows_rejected=rows_rejected,
        problems=parsed.problems[:MAX_PROBLEMS_LISTED],
        problems_not_listed=max(0, len(parsed.problems) - MAX_PROBLEMS_LISTED),
        batches=batches,
        batch_size=batch_size,
        note_zh=note_zh,
        note_en=note_en,
    )


# --- the catalogue: reading ------------------------------------------------------------------------------------


def catalogue_item_view(item: CatalogueItem) -> CatalogueItemView:
    """The view of a catalogue item."""
    return CatalogueItemView(
        code=item.code,
        name=item.name,
        category=item.category.value,
        category_zh=item.category.zh,
        kind=item.kind.value,
        kind_zh=_ITEM_KIND_ZH[item.kind],
        unit=item.unit,
        self_pay_bp=item.self_pay_bp,
        self_pay_pct=None if item.self_pay_bp is None else f"{Decimal(item.self_pay_bp) / 100:.2f}",
        price_cap_fen=item.price_cap_fen,
        account_payable=item.account_payable,
        sample=item.sample,
    )


def show_catalogue_item(ctx: Context, code: str) -> CatalogueItemView:
    """One catalogue item by its code; raise ``CATALOGUE_ITEM_NOT_FOUND``."""
    wanted = code.strip()

    def handler(uow: UnitOfWork) -> CatalogueItemView:
        item = uow.catalogue.find(wanted)
        if item is None:
            raise NotFound(ErrorCode.CATALOGUE_ITEM_NOT_FOUND, item_code=wanted)
        return catalogue_item_view(item)

    return ctx.read(handler)


def list_catalogue(
    ctx: Context, *, limit: int = 100, offset: int = 0, name: str | None = None, code: str | None = None
) -> CataloguePage:
    """Catalogue items in code order: those whose name contains ``name`` and whose code starts with ``code``."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(offset, 0)
    name = (name or "").strip() or None
    code = (code or "").strip() or None

    def handler(uow: UnitOfWork) -> CataloguePage:
        items = uow.catalogue.list(limit=limit, offset=offset, name=name, code=code)
        return CataloguePage(
            total=uow.catalogue.count(name=name, code=code),
            limit=limit,
            offset=offset,
            items=[catalogue_item_view(item) for item in items],
        )

    return ctx.read(handler)


# --- the demo --------------------------------------------------------------------------------------------------

#: The demo's institutions: four in Shijiazhuang, and one top-level hospital each in Changchun and Xi'an.
DEMO_INSTITUTIONS: tuple[AddInstitution, ...] = (
    AddInstitution("H13010200001", "石家庄市示例第一医院", "hospital", "130100", "3-municipal"),
    AddInstitution("H13010200002", "石家庄市示例第二医院", "hospital", "130100", "2"),
    AddInstitution("H13010200003", "石家庄市长安区示例社区卫生服务中心", "hospital", "130100", "1"),
    AddInstitution("P13010200001", "示例大药房（石家庄长安店）", "pharmacy", "130100"),
    AddInstitution("H22010200001", "吉林省示例人民医院", "hospital", "220100", "3-provincial"),
    AddInstitution("H61010200001", "西安市示例中心医院", "hospital", "610100", "3"),
)


def load_demo_institutions(ctx: Context) -> list[InstitutionView]:
    """Register the demo institutions (idempotent: fixed keys; a code registered by other means is kept)."""
    views: list[InstitutionView] = []
    for cmd in DEMO_INSTITUTIONS:
        try:
            views.append(add_institution(ctx, cmd, key=f"demo:institution:{cmd.fixmedins_code}"))
        except Refused as refused:
            if refused.code is not ErrorCode.INSTITUTION_EXISTS:
                raise
            views.append(show_institution(ctx, cmd.fixmedins_code))
    return views


def load_demo_catalogue(ctx: Context, *, progress: Progress | None = None) -> ImportReport:
    """Import the sample catalogue shipped in the package (idempotent: unchanged items are left alone)."""
    text = resources.files("gongji.service").joinpath("data").joinpath(DEMO_CATALOGUE_FILE).read_text("utf-8")
    return import_catalogue(
        ctx, text.splitlines(keepends=True), progress=progress, source_name=f"gongji:{DEMO_CATALOGUE_FILE}"
    )
