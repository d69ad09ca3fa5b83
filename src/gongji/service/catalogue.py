"""Use cases of the medical catalogue (医保目录), and the demo's institutions and catalogue (the registry itself is
:mod:`gongji.service.institutions`).

The catalogue is loaded
from CSV files (``import_catalogue``), validated row by row before anything is written; the file, its columns and
its checks are :mod:`gongji.service.catalogue_file`'s.

Valid rows are imported even when others are rejected, in batches of :data:`BATCH_SIZE` rows, one transaction per
batch; the report says so. Importing is idempotent: an item already stored exactly as in the file is left alone,
so a corrected file can simply be imported again.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from gongji.domain.catalogue import CatalogueItem
from gongji.domain.errors import ErrorCode, NotFound
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Said, Term
from gongji.service.catalogue_file import COLUMNS, MAX_ROWS, ParsedCatalogue, RowProblem, parse_catalogue, read_lines
from gongji.service.context import Context
from gongji.service.institutions import AddInstitution, InstitutionView, ensure_institution
from gongji.service.ports import UnitOfWork, UpsertCounts

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "DEMO_CATALOGUE_FILE",
    "DEMO_INSTITUTIONS",
    "DEMO_INSTITUTIONS_FILE",
    "MAX_PAGE_SIZE",
    "MAX_PROBLEMS_LISTED",
    "MAX_ROWS",
    "CatalogueItemView",
    "CataloguePage",
    "ImportReport",
    "ParsedCatalogue",
    "Progress",
    "RowProblem",
    "catalogue_item_view",
    "import_catalogue",
    "list_catalogue",
    "load_demo_catalogue",
    "load_demo_institutions",
    "parse_catalogue",
    "show_catalogue_item",
]

#: Rows written per transaction when importing.
BATCH_SIZE = 1_000
#: The most row problems a report lists one by one; the rest are counted.
MAX_PROBLEMS_LISTED = 1_000
MAX_PAGE_SIZE = 500

#: The demo catalogue shipped in the package (sample data, not a real catalogue).
DEMO_CATALOGUE_FILE = "demo_catalogue.csv"
#: The demo's institutions, shipped in the package beside it (made-up codes and names).
DEMO_INSTITUTIONS_FILE = "demo_institutions.csv"

#: Called after each batch with (rows imported so far, rows to import).
Progress = Callable[[int, int], None]


# --- views -----------------------------------------------------------------------------------------------------


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
    #: What happened, in words: a term, rendered where the report is shown.
    note: Term

    @property
    def clean(self) -> bool:
        """Whether every row was imported."""
        return self.rows_rejected == 0


# --- the catalogue: importing ----------------------------------------------------------------------------------


def _counted(count: int, one: Phrase, many: Phrase) -> Said:
    return Said(one if count == 1 else many, {"count": count})


def _note(imported: int, rows_rejected: int, batches: int, batch_size: int) -> Said:
    """What an import did, as a phrase: every row imported, or the rejected rows and the others imported anyway."""
    in_batches = {"batches": _counted(batches, Phrase.COUNT_BATCH, Phrase.COUNT_BATCHES), "batch_size": batch_size}
    if rows_rejected == 0:
        return Said(Phrase.IMPORTED_ALL, {"rows": _counted(imported, Phrase.COUNT_ROW, Phrase.COUNT_ROWS)} | in_batches)
    return Said(
        Phrase.IMPORTED_DESPITE_REJECTED,
        {
            "rejected": _counted(rows_rejected, Phrase.COUNT_ROW, Phrase.COUNT_ROWS),
            "imported": _counted(imported, Phrase.COUNT_VALID_ROW, Phrase.COUNT_VALID_ROWS),
        }
        | in_batches,
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
        lines: Iterable[str] = read_lines(path)
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
        note=_note(total, rows_rejected, batches, batch_size),
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
        kind_zh=item.kind.zh,
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


def _demo_text(name: str) -> str:
    return resources.files("gongji.service").joinpath("data").joinpath(name).read_text("utf-8")


def _demo_institutions() -> tuple[AddInstitution, ...]:
    """The demo's institutions, as the package's data file lists them (comment lines skipped)."""
    rows = csv.DictReader(line for line in _demo_text(DEMO_INSTITUTIONS_FILE).splitlines() if not line.startswith("#"))
    return tuple(
        AddInstitution(row["fixmedins_code"], row["name"], row["kind"], row["region"], row["level"] or None)
        for row in rows
    )


#: The demo's institutions: four in Shijiazhuang, and one top-level hospital each in Changchun and Xi'an.
DEMO_INSTITUTIONS: tuple[AddInstitution, ...] = _demo_institutions()


def load_demo_institutions(ctx: Context) -> list[InstitutionView]:
    """Register the demo institutions (idempotent: fixed keys; a code registered by other means is kept)."""
    return [ensure_institution(ctx, cmd, key=f"demo:institution:{cmd.fixmedins_code}") for cmd in DEMO_INSTITUTIONS]


def load_demo_catalogue(ctx: Context, *, progress: Progress | None = None) -> ImportReport:
    """Import the sample catalogue shipped in the package (idempotent: unchanged items are left alone)."""
    text = _demo_text(DEMO_CATALOGUE_FILE)
    return import_catalogue(
        ctx, text.splitlines(keepends=True), progress=progress, source_name=f"gongji:{DEMO_CATALOGUE_FILE}"
    )
