"""The CPU time the processes of a benchmark spent, by group: the service's (gunicorn and its workers), the
client's (wrk, a child of the benchmark), the database server's (the processes named ``postgres`` on this machine).

On a shared machine requests per second drift by a factor of two within minutes; CPU time per request drifts far
less, and says which process a change made cheaper. Read from ``/proc`` (Linux).
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def _processes() -> list[tuple[int, str, list[str]]]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _stat(int(name))) is not None:
            try:
                command = Path(f"/proc/{name}/comm").read_text().strip()
            except FileNotFoundError:
                continue
            found.append((int(name), command, stat))
    return found


@dataclass(frozen=True)
class Sample:
    at: float
    service_user: float
    service_system: float
    client: float
    database: dict[int, float]  # by process: one that ends between two samples is left out of both

    def database_since(self, before: Sample) -> float:
        return sum(v - before.database[pid] for pid, v in self.database.items() if pid in before.database)


def sample(server_pid: int) -> Sample:
    """CPU seconds so far: the service's (the server and its children), the client's, the database server's."""
    user = system = 0.0
    database: dict[int, float] = {}
    for pid, command, stat in _processes():
        ticks = (int(stat[11]), int(stat[12]))  # utime, stime
        if pid == server_pid or stat[1] == str(server_pid):  # stat[1]: the parent
            user, system = user + ticks[0] / _TICK, system + ticks[1] / _TICK
        elif command == "postgres":
            database[pid] = sum(ticks) / _TICK
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has ended
    return Sample(time.monotonic(), user, system, children.ru_utime + children.ru_stime, database)


def per_request(before: Sample, after: Sample, requests: int) -> str:
    """The CPU time per request between two samples, by group, and how much of the machine stayed idle."""
    n = max(requests, 1)
    user, system = after.service_user - before.service_user, after.service_system - before.service_system
    client, database = after.client - before.client, after.database_since(before)
    busy = user + system + client + database
    idle = 1 - busy / ((after.at - before.at) * (os.cpu_count() or 1))
    return (
        f"   CPU per request: service {(user + system) / n * 1e6:.0f} µs (user {user / n * 1e6:.0f}, "
        f"system {system / n * 1e6:.0f}), database {database / n * 1e6:.0f} µs, wrk {client / n * 1e6:.0f} µs; "
        f"machine idle {max(idle, 0):.0%}"
    )


def service_and_database(before: Sample, after: Sample, requests: int) -> float:
    """The CPU seconds per request of the service and the database server together."""
    spent = after.service_user + after.service_system - before.service_user - before.service_system
    return (spent + after.database_since(before)) / max(requests, 1)
