"""The table bench/terminal.py prints: each figure, its reference, the ratio, the goal, and
MISSED where the goal is not met; then notes on what was seen, and what could not be measured."""

from __future__ import annotations

from dataclasses import dataclass, field

KB = 1000
"""The goals' KB: 1,000 bytes."""


@dataclass
class Row:
    figure: str
    value: str
    reference: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: str, value: str, reference: str = "", ratio: float | None = None,
            goal: str = "", met: bool | None = None) -> None:
        self.rows.append(Row(figure, value, reference, "" if ratio is None else f"{ratio:.2f}x",
                             goal, met))

    def print(self) -> None:
        headers = ("figure", "measured", "reference", "ratio", "goal", "")
        table = [headers] + [(r.figure, r.value, r.reference, r.ratio, r.goal,
                              "" if r.met is None else ("ok" if r.met else "MISSED"))
                             for r in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
        for n, line in enumerate(table):
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
            if n == 0:
                print("  ".join("-" * width for width in widths))
        missed = [r.figure for r in self.rows if r.met is False]
        print(f"\n{len(missed)} of {sum(r.met is not None for r in self.rows)} goals missed "
              "(MISSED above)")
        for note in self.notes:
            print(f"- {note}")
        for failure in self.failures:
            print(f"NOT MEASURED: {failure}")


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
