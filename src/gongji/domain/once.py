"""A property computed on its first read and kept on the instance: :class:`functools.cached_property` without its lock.

On Python 3.11 ``functools.cached_property`` takes a lock on the first read of each instance, one lock for every
instance of the class (the functools documentation, "Changed in version 3.12": the lock is removed there). A binding's
check builds a party and reads its region and enrollment once each; a synthetic province's load does that some 60,000
times a chunk, and the lock made each first read three times dearer (0.42 µs against 0.14). Values computed from
frozen dataclasses need no lock: two threads computing the same value at once both keep it.

The value is set with ``object.__setattr__`` (a frozen dataclass refuses ``setattr``), never through the instance's
``__dict__``: on CPython 3.11 an instance keeps its attributes in a compact array shared in shape with the other
instances of its class until something asks for its ``__dict__``, which then becomes a real dictionary, and every
later read of any attribute of that instance costs about four times as much (0.16 µs against 0.04 for four reads).
A party is read dozens of times after its region is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, overload

__all__ = ["once"]

T = TypeVar("T")


class once(Generic[T]):  # noqa: N801 — a decorator, named as one
    """``@once`` on a method of a class whose instances have a ``__dict__``: the method's result, computed on the
    first read and then read as a plain attribute (the value kept on the instance shadows this descriptor)."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | Self:
        if instance is None:
            return self
        value = self.compute(instance)
        object.__setattr__(instance, self.name, value)  # not vars(instance): see the module docstring
        return value
