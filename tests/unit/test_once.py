"""``@once``: a frozen dataclass's derived value, computed on the first read and then read as an attribute."""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field

import pytest

from gongji.domain.once import once


@dataclass(frozen=True)
class _Sample:
    numbers: tuple[int, ...]
    computed: list[int] = field(default_factory=list, compare=False)

    @once
    def total(self) -> int:
        """The sum of the numbers."""
        self.computed.append(1)
        return sum(self.numbers)


def test_the_value_is_computed_on_the_first_read_only() -> None:
    sample = _Sample((1, 2, 3))
    assert sample.computed == []  # nothing computed before it is read
    assert sample.total == 6
    assert sample.total == 6
    assert sample.computed == [1]
    assert object.__getattribute__(sample, "total") == 6  # kept on the instance: later reads skip the descriptor


@dataclass(frozen=True)
class _Plain:
    number: int

    @once
    def doubled(self) -> int:
        """Twice the number."""
        return self.number * 2


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info < (3, 11), reason="CPython's inline attribute values"
)
def test_keeping_the_value_leaves_the_instance_without_a_dictionary() -> None:
    # An instance whose __dict__ was asked for keeps a real dictionary, and every attribute read costs more after.
    # The collector sees the attributes one by one while they are inline, the dictionary once it exists.
    plain = _Plain(2)
    assert plain.doubled == 4
    assert not any(isinstance(referent, dict) for referent in gc.get_referents(plain))


def test_each_instance_has_its_own_value() -> None:
    first, second = _Sample((1,)), _Sample((2, 2))
    assert (first.total, second.total) == (1, 4)


def test_the_class_gives_the_descriptor_with_the_methods_doc() -> None:
    assert isinstance(_Sample.__dict__["total"], once)
    assert _Sample.total.__doc__ == "The sum of the numbers."
