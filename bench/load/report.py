"""Figures of a phase (rate, latency percentiles, errors, CPU) and the table they print in."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Row:
    label: str
    rate: float
    p50: float | None
    p95: float | None
    p99: float | None
    errors: int
    cpu: dict[str, float]


def summarise(label: str, phase, *, latencies: bool) -> Row:
    results, cpu, measure_from, deadline = phase
    window = [r for r in results.records if measure_from <= r.start < deadline]
    ok_ended = [r for r in results.records if r.status == 200 and measure_from <= r.end < deadline]
    rate = len(ok_ended) / (deadline - measure_from)
    ms = sorted((r.end - r.start) * 1000 for r in window if r.status == 200)
    p50 = p95 = p99 = None
    if latencies and len(ms) >= 2:
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    errors = sum(1 for r in results.records if r.status != 200 or r.notice)
    return Row(label, rate, p50, p95, p99, errors, cpu)


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def per_judgment(rate: float):
    return (lambda cores: f"{1000 * cores / rate:.1f}") if rate else (lambda cores: "-")


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'run':<44} {'judg/s':>7} {'p50ms':>6} {'p95ms':>6} {'p99ms':>6} {'err':>4}"
        f" | {'cores: server':>13} {'generator':>9} {'postgres':>8} {'other':>6} {'machine':>7}"
        f" | {'srv ms/j':>8} {'pg ms/j':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        c = row.cpu
        per = per_judgment(row.rate)
        print(
            f"{row.label:<44} {row.rate:>7.1f} {fmt_ms(row.p50):>6} {fmt_ms(row.p95):>6}"
            f" {fmt_ms(row.p99):>6} {row.errors:>4} | {c['server']:>13.2f} {c['generator']:>9.2f}"
            f" {c['postgres']:>8.2f} {c['other']:>6.2f} {c['machine']:>7.2f}"
            f" | {per(c['server']):>8} {per(c['postgres']):>7}"
        )


def uptime() -> str:
    with open("/proc/loadavg") as f:
        return "load average " + " ".join(f.read().split()[:3])
