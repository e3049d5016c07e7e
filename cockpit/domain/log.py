"""An immutable, append-only sequence that appends in O(1).

Folding tens of thousands of events into immutable states would copy every growing tuple on
every append. A :class:`Log` is a view of the first ``n`` items of a shared list: appending at the
tip extends that list in place (older views never see past their own length), and appending to an
older view copies once. Every state along a fold stays valid, as a pure fold needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class Log(Sequence[T], Generic[T]):
    __slots__ = ("_items", "_length")

    def __init__(self, items: list[T] | None = None, length: int | None = None) -> None:
        self._items: list[T] = items if items is not None else []
        self._length = len(self._items) if length is None else length

    def append(self, item: T) -> Log[T]:
        """A new Log with ``item`` at the end; this one is unchanged."""
        if self._length == len(self._items):
            self._items.append(item)
            return Log(self._items, self._length + 1)
        items = self._items[: self._length]
        items.append(item)
        return Log(items)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return self._items[: self._length][index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("Log index out of range")
        return self._items[index]

    def __iter__(self) -> Iterator[T]:
        items = self._items
        for i in range(self._length):
            yield items[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Log):
            return self._length == other._length and list(self) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Log({list(self)!r})"
