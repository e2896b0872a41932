"""Small helpers the workloads share."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
