"""``@once``: a frozen dataclass's derived value, computed on the first read and then read as an attribute."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    assert vars(sample)["total"] == 6  # kept on the instance: later reads never reach the descriptor


def test_each_instance_has_its_own_value() -> None:
    first, second = _Sample((1,)), _Sample((2, 2))
    assert (first.total, second.total) == (1, 4)


def test_the_class_gives_the_descriptor_with_the_methods_doc() -> None:
    assert isinstance(_Sample.__dict__["total"], once)
    assert _Sample.total.__doc__ == "The sum of the numbers."
