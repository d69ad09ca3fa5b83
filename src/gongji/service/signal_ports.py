"""The port of fraud signals: the facts the rules read, and the review queue they fill.

:mod:`gongji.service.ports` names it too (the unit of work exposes the repository as ``signals``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from gongji.service.signals.kinship import Kin, Tie
from gongji.service.signals.rules import AidPayment, Binding, BuyerVisit, Found, PlacedVisit

__all__ = ["SignalRepository", "SignalRow"]


@dataclass(frozen=True)
class SignalRow:
    """A signal as kept: what was found, and what an operator decided."""

    id: int
    rule: str
    region: str
    subject_kind: str
    subject_id: int
    score: int
    evidence: dict[str, Any]
    window_from: date
    window_to: date
    found_at: datetime
    status: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None


class SignalRepository(Protocol):
    """Facts for the rules, and the signals they found."""

    def buyer_visits(self, since: datetime, until: datetime) -> Iterator[BuyerVisit]:
        """Pharmacy purchases on someone's card made by another buyer, begun in the period, streamed in the order of
        the card's owner."""
        ...

    def placed_visits(self, since: datetime, until: datetime) -> Iterator[PlacedVisit]:
        """The visits of people who were seen at institutions of two regions or more in the period, streamed in the
        order of the person."""
        ...

    def aid_payments(self, since: datetime, until: datetime) -> Iterator[AidPayment]:
        """What relatives' accounts paid of settlements (not reversed) made in the period, streamed in the order of
        the relation."""
        ...

    def bindings(self) -> Iterator[Binding]:
        """Every relation, as the rules on bindings read it, streamed in the order of the authoriser."""
        ...

    def kin(self) -> Iterator[Kin]:
        """Every relation with its parties' birth dates and sexes (as their ID numbers carry them), streamed in the
        order of the relation."""
        ...

    def ties(self) -> Iterator[tuple[int, Tie]]:
        """Every relation under each of its two parties (the party's id first), streamed in the order of the party,
        then of the relation (:func:`gongji.service.signals.kinship.each_party`)."""
        ...

    def keep(self, found: Sequence[Found], at: datetime) -> int:
        """Keep the signals not kept already (by fingerprint) as open; how many were new."""
        ...

    def listing(
        self, regions: Collection[str] | None, status: str | None, rule: str | None, limit: int
    ) -> list[SignalRow]:
        """The signals of the regions (all: ``None``), highest score first."""
        ...

    def get(self, signal_id: int) -> SignalRow | None:
        """One signal."""
        ...

    def review(self, signal_id: int, status: str, by: str, at: datetime, note: str | None) -> bool:
        """Mark an open signal ``status``; false when it was not open."""
        ...
