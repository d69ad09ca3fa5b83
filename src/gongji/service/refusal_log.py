"""The refusals log: every refusal a write meets is kept with when, through which channel, for whom and where.

Recorded in one place — where the write's refusal is kept under its idempotency key
(:mod:`gongji.service.context`), in the same transaction — so a refusal is logged once however often its request is
retried, and a write that succeeds logs nothing. Two facts come from around the write rather than from it:

* the **channel** it arrived through (REST, the national interface, the person's portal, the counter, the CLI, the
  synthetic province), set by the edge with :func:`on_channel` and taken when the write is asked for;
* the **subject**, the person the write was about, named by the use case as soon as it knows him
  (:func:`concerning`, called where a person or a visit is looked up): a refusal before that point (an unknown
  person, a malformed number) has no person, and its region is then the one the use case named, if any. The region
  of a person named without one is his home region (:func:`gongji.domain.enrollment.home_region`), read only when a
  refusal is kept.

Reads are not logged: a refusal worth counting is one that stopped somebody doing something.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gongji.domain.enrollment import home_region
from gongji.domain.errors import GongjiError
from gongji.service.ports import UnitOfWork
from gongji.service.refusal_ports import RefusalEntry

__all__ = [
    "Channel",
    "Subject",
    "concerning",
    "current_channel",
    "on_channel",
    "refusal_entry",
    "watching",
]


class Channel(StrEnum):
    """Where a write came from."""

    REST = "rest"
    FSI = "fsi"
    PORTAL = "portal"
    COUNTER = "counter"
    CLI = "cli"
    SYNTH = "synth"
    INTERNAL = "internal"


@dataclass
class Subject:
    """The person a write is about (the first one its use case named) and, when it named one, the region."""

    person_id: int | None = None
    region: str | None = None


_CHANNEL: ContextVar[Channel] = ContextVar("gongji_channel", default=Channel.INTERNAL)
_SUBJECT: ContextVar[Subject | None] = ContextVar("gongji_refusal_subject", default=None)


@contextmanager
def on_channel(channel: Channel) -> Iterator[None]:
    """Within this block, writes are asked for through ``channel``."""
    token = _CHANNEL.set(channel)
    try:
        yield
    finally:
        _CHANNEL.reset(token)


def current_channel() -> Channel:
    """The channel writes asked for here come through (``internal`` when no edge said)."""
    return _CHANNEL.get()


def concerning(person_id: int | None = None, region: str | None = None) -> None:
    """Name the person (and, when known, the region) the write under way is about; the first person named stays the
    subject, and a region given later for him, or for nobody yet, is kept. Outside a write this does nothing."""
    subject = _SUBJECT.get()
    if subject is None:
        return
    if subject.person_id is None and person_id is not None:
        subject.person_id = person_id
        subject.region = region or subject.region
    elif subject.region is None and person_id in (None, subject.person_id):
        subject.region = region


@contextmanager
def watching() -> Iterator[Subject]:
    """Collect, within this block, the subject the use case names."""
    subject = Subject()
    token = _SUBJECT.set(subject)
    try:
        yield subject
    finally:
        _SUBJECT.reset(token)


def refusal_entry(
    uow: UnitOfWork, refusal: GongjiError, *, operation: str, channel: Channel, subject: Subject, at: datetime
) -> RefusalEntry:
    """The log's entry for ``refusal`` (reading the subject's home region when the use case named none)."""
    region = subject.region
    if region is None and subject.person_id is not None:
        region = home_region(uow.enrollments.for_person(subject.person_id))
    return RefusalEntry(
        at=at,
        operation=operation,
        code=refusal.code.name,
        kind=refusal.code.kind.value,
        channel=channel.value,
        region=region,
        person_id=subject.person_id,
    )
