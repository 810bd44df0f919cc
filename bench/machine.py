"""How fast this machine runs Python right now, printed beside the benchmark figures.

The development machine is shared: a figure measured while other work runs
is slower than the same code on a quiet core. The benchmarks print the time
of a fixed loop of plain Python with their results, so figures from
different runs (and machines) can be compared.
"""
from __future__ import annotations

import time

LOOP = 1_000_000


def reference() -> str:
    """The CPU time and wall time of a million additions in a Python loop, as a line of text."""
    cpu, wall = time.process_time(), time.perf_counter()
    total = 0
    for i in range(LOOP):
        total += i
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return (f"machine reference: {LOOP:,} Python additions took {cpu * 1000:.0f} ms of CPU, "
            f"{wall * 1000:.0f} ms of wall time (a quiet current core: about 30 ms)")
