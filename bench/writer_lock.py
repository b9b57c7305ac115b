"""How long stored scores hold the SQLite writer lock, and how long writers wait for it, alone and under load.

    python bench/writer_lock.py [--duration 6] [--connections 1,8] [--workers 2] [--threads 4]

Starts the service as ``bench/api_load.py`` does, on a scratch SQLite file, gunicorn serving
``bench/writer_lock_probe.py``'s application: the service's own, each hold of its writer lock timed in the worker.
For each number of connections wrk sends stored first scores (every request a new application) for ``--duration``
seconds; then the script prints the requests per second and, over the holds of that run, the time writers waited for
the lock and the time they held it (p10, p50, p90, p99 and mean, in µs).

The lock is held from the moment a stored score's transaction may begin to the moment it has committed: SQLite
lets one writer at a time, and while the lock is held, the service's other writers wait. Held alone (one
connection), that is the INSERT; under load it is longer, as the holder also waits for its worker's other threads
to let it have the interpreter (the GIL) back after each call into SQLite. How long the lock is held, over the time,
is the share of the run during which a worker whose threads all wait to write leaves its core idle.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_load  # bench/ is not a package: beside this script, on the path


def distribution(values: list[float]) -> str:
    """p10, p50, p90, p99 and the mean of ``values`` (seconds), in µs."""
    x = sorted(v * 1e6 for v in values)
    n = len(x)
    if n == 0:
        return "none"
    ranks = " ".join(f"p{p} {x[min(n - 1, n * p // 100)]:6.0f}" for p in (10, 50, 90, 99))
    return f"{ranks}   mean {statistics.fmean(x):6.0f} µs"


def holds(folder: Path, start: float, end: float) -> list[tuple[float, float]]:
    """(waited, held) of every hold let go between ``start`` and ``end`` (``time.time()``), from every worker."""
    found = []
    for path in folder.glob("holds.*"):
        for line in path.read_text(encoding="utf-8").splitlines():
            at, waited, held = (float(v) for v in line.split())
            if start <= at <= end:
                found.append((waited, held))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=6, help="seconds per number of connections")
    parser.add_argument("--connections", default="1,8", help="numbers of wrk connections, one run each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="jifen-holds-"))
    os.environ["JIFEN_BENCH_HOLDS"] = str(folder)
    try:
        with api_load.service(args.workers, args.threads, None, app="writer_lock_probe:app") as svc:
            print(
                f"command: python bench/writer_lock.py --duration {args.duration} --connections {args.connections} "
                f"--workers {args.workers} --threads {args.threads}\nserver: gunicorn {args.workers} workers × "
                f"{args.threads} threads on {svc.database}; load before: {api_load.load()}\n"
            )
            for connections in (int(c) for c in args.connections.split(",")):
                start = time.time()
                r = api_load.wrk(svc.base, "stored", svc.key, args.duration, connections, svc.work)
                end = time.time()
                time.sleep(0.5)  # the workers' last lines written
                found = holds(folder, start, end)
                rate = float(r["requests"]) / float(r["seconds"])  # type: ignore[arg-type]
                held = sum(h for _w, h in found)
                print(
                    f"{connections} connection(s): {rate:,.0f} stored scores/s; {len(found)} holds timed, "
                    f"the lock held {held / (end - start):.0%} of the time"
                )
                print(f"   waited for the lock   {distribution([w for w, _h in found])}")
                print(f"   held the lock         {distribution([h for _w, h in found])}")
            print(f"\nload after: {api_load.load()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
