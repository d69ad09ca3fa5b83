"""The ports of designated institutions and the medical catalogue, and what a catalogue upsert reports.

:mod:`gongji.service.ports` names them too (the unit of work exposes both repositories).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gongji.domain.catalogue import CatalogueItem, Institution, InstitutionKind

__all__ = ["CatalogueRepository", "InstitutionRepository", "UpsertCounts"]


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert of catalogue items did: new codes, changed items, and items already as given."""

    inserted: int
    updated: int
    unchanged: int


class InstitutionRepository(Protocol):
    """Designated institutions (定点医药机构), by their national code (``fixmedins_code``)."""

    def add(
        self,
        *,
        fixmedins_code: str,
        name: str,
        kind: InstitutionKind,
        level: str | None,
        region: str,
        created_at: datetime,
    ) -> Institution: ...
    def get(self, institution_id: int) -> Institution | None: ...
    def find_by_code(self, fixmedins_code: str) -> Institution | None: ...
    def list(self, *, region: str | None = None) -> list[Institution]: ...


class CatalogueRepository(Protocol):
    """The medical catalogue (医保目录): items by code, written in batches."""

    def upsert_many(self, items: Sequence[CatalogueItem], at: datetime) -> UpsertCounts: ...
    def find(self, code: str) -> CatalogueItem | None: ...
    def find_many(self, codes: Iterable[str]) -> dict[str, CatalogueItem]: ...
    def list(
        self, *, limit: int, offset: int, name: str | None = None, code: str | None = None
    ) -> list[CatalogueItem]: ...
    def count(self, *, name: str | None = None, code: str | None = None) -> int: ...
