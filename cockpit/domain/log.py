"""An immutable, append-only sequence that appends in O(1).

Folding tens of thousands of events into immutable states would copy every growing tuple on
every append. A :class:`Log` is a view of the first ``n`` items of a shared list: appending at the
tip extends that list in place (older views never see past their own length), and appending to an
older view copies once. Every state along a fold stays valid, as a pure fold needs.

A log can also be read later (``Log.later``): a checkpoint's long logs (a big session's twenty
thousand notes, sixty thousand health points) are made only when something looks at their
items, so a command that only counts them (``cockpit status``) never pays for making them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class Log(Sequence[T], Generic[T]):
    __slots__ = ("_items", "_length")

    def __init__(self, items: list[T] | None = None, length: int | None = None) -> None:
        self._items: list[T] = items if items is not None else []
        self._length = len(self._items) if length is None else length

    @staticmethod
    def later(read: Callable[[], list[T]], length: int) -> Log[T]:
        """A log of ``length`` items that ``read()`` gives, called when they are first needed.
        ``read`` gives the same list however often it is called: two threads asking first at
        once may both call it."""
        return _LaterLog(read, length)

    @property
    def unread(self) -> Callable[[], list[T]] | None:
        """What gives this log's items, while they have not been needed yet (``later``)."""
        return None

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


_ITEMS = Log.__dict__["_items"]
"""The slot holding a log's items, set on a later log when they are first needed."""


class _LaterLog(Log[T]):
    """A log whose items are made on first use."""

    __slots__ = ("_read",)

    def __init__(self, read: Callable[[], list[T]], length: int) -> None:
        self._read: Callable[[], list[T]] | None = read
        self._length = length

    @property  # type: ignore[override]
    def _items(self) -> list[T]:
        try:
            return _ITEMS.__get__(self)  # type: ignore[no-any-return]
        except AttributeError:  # not read yet
            read = self._read
            if read is None:  # another thread has just read them
                return _ITEMS.__get__(self)  # type: ignore[no-any-return]
            items = read()
            _ITEMS.__set__(self, items)
            self._read = None
            return items

    @property
    def unread(self) -> Callable[[], list[T]] | None:
        return self._read

    def __reduce__(self) -> tuple[type[Log[T]], tuple[list[T]]]:
        """Pickled as the plain log it stands for."""
        return Log, (list(self),)
