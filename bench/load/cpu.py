"""CPU accounting from /proc: gunicorn and its workers, this process, PostgreSQL, the machine."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass

import psycopg

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return kids


def machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


@dataclass
class CpuSnapshot:
    wall: float
    server: int
    generator: float
    postgres: dict[int, int]
    machine_busy: int


class CpuMeter:
    def __init__(self, db: str, server_pid: int) -> None:
        self.server_pid = server_pid
        self.pg = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}", autocommit=True)

    def pg_pids(self) -> list[int]:
        rows = self.pg.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = current_database() OR "
            "backend_type <> 'client backend') AND pid <> pg_backend_pid()"
        ).fetchall()
        return [row[0] for row in rows]

    def snap(self) -> CpuSnapshot:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        server = sum(proc_ticks(p) for p in [self.server_pid, *children_of(self.server_pid)])
        return CpuSnapshot(
            wall=time.monotonic(),
            server=server,
            generator=usage.ru_utime + usage.ru_stime,
            postgres={pid: proc_ticks(pid) for pid in self.pg_pids()},
            machine_busy=machine_ticks()[0],
        )

    @staticmethod
    def cores(a: CpuSnapshot, b: CpuSnapshot) -> dict[str, float]:
        wall = b.wall - a.wall
        # Backends that started in the window count from zero; those that ended are lost.
        pg = sum(ticks - a.postgres.get(pid, 0) for pid, ticks in b.postgres.items())
        result = {
            "server": (b.server - a.server) / CLK_TCK / wall,
            "generator": (b.generator - a.generator) / wall,
            "postgres": pg / CLK_TCK / wall,
            "machine": (b.machine_busy - a.machine_busy) / CLK_TCK / wall,
        }
        result["other"] = max(
            result["machine"] - result["server"] - result["generator"] - result["postgres"], 0
        )
        return result
