"""`make bench`: run every benchmark in this folder (bench_*.py, each with `async def main() -> list[Row]`)."""

from __future__ import annotations

import asyncio
import importlib
import platform
import sys
from pathlib import Path

from tests.benchmarks.report import Row, print_table


async def run_all(names: list[str]) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        module = importlib.import_module(f"tests.benchmarks.{name}")
        print(f"running {name} ...", flush=True)
        rows += await module.main()
    return rows


def main() -> None:
    wanted = sys.argv[1:]
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py") if not wanted or p.stem in wanted)
    rows = asyncio.run(run_all(names))
    print(f"\nmachine: {platform.node()} {platform.machine()}, Python {platform.python_version()}")
    print_table(rows)


main()
