"""Process measurements for the benchmarks: resident memory from /proc (a process's, its children's) and percentiles."""

from __future__ import annotations

import os
from pathlib import Path


def rss_mb(pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children_rss_mb() -> float:
    """RSS of this process's children (the Milvus Lite engine runs as one)."""
    total, me = 0.0, str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                total += rss_mb(stat.parent.name)
        except (OSError, IndexError):
            continue
    return total


def pct(values: list[float]) -> dict:
    values = sorted(values)
    return {"p50": round(values[len(values) // 2], 2), "p95": round(values[int(len(values) * 0.95) - 1], 2),
            "n": len(values)}
