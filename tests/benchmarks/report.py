"""A benchmark's result rows and the table `make bench` prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    benchmark: str
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "figure", "value", "baseline (same run)", "ratio", "target")
    cells = [headers, *[(r.benchmark, r.figure, r.value, r.baseline, r.ratio, r.target) for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    print("| " + lines[0] + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines[1:]:
        print("| " + line + " |")
