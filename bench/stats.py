"""Figures the benches print: median, p95 and slowest of timings in milliseconds."""

from __future__ import annotations

import math
import statistics


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


def summary(samples: list[float]) -> dict:
    return {
        "median": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "max": max(samples),
        "n": len(samples),
    }


def fmt(stats: dict) -> str:
    return (
        f"median {stats['median']:8.2f} ms   p95 {stats['p95']:8.2f} ms"
        f"   max {stats['max']:8.2f} ms   (n={stats['n']})"
    )
