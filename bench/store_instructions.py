"""What a stored score costs beyond a dry run, counted: the worker's instructions (valgrind), the server's CPU.

    python bench/store_instructions.py [--root DIR ...] [--database-url URL] [--n 200] [--mode dry|stored ...]
                                       [--server-cpu] [--annotate DIR]

For each checkout (``--root``, default this one) the service is set up as ``bench/api_load.py`` sets it up (a
migrated database — a scratch SQLite file, or with ``--database-url`` an EMPTY PostgreSQL database, emptied again
for each checkout —, the sample rulesets, an API key), then, in one process, the application answers ``POST
/api/v1/scores`` through Flask's test client (the WSGI call without a server): warmed up (the version compiled,
a connection pooled, a few scores stored), then ``--n`` requests of each mode under ``valgrind --tool=callgrind``,
its counts zeroed just before a mode's requests and dumped just after them (``--zero-before=getppid``,
``--dump-before=getpgrp``: the script calls those two just there), so that the start-up and the warm-up are left
out; the count divided by ``--n`` is what one request costs the worker, in instructions. A dry run scores and
answers; a stored score also stores (every request a new application). Timings on this shared machine drift by a
factor of two within minutes; these counts repeat to a few parts in a thousand. They are not time (a system call
or a cache miss costs more than an add), so the timed benchmark stays the measure; this one says where work is.

``--server-cpu`` (PostgreSQL) measures instead, without valgrind, the CPU time the database server's processes
spend per request (``/proc/PID/schedstat`` of the database's backends; 2,000 requests, the median of 5 rounds), and
the worker's own CPU time beside it: user and system, and its voluntary context switches (the waits for the server:
a round trip each). ``--annotate DIR`` keeps callgrind's dumps in DIR
(``callgrind.DATABASE.CHECKOUT.1`` the first mode's, ``.2`` the second's), for ``callgrind_annotate --inclusive=yes``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("dry", "stored")

# run in the measured process: the application, warmed up, answering ``passes`` × ``n`` requests of ``mode``
_WORK = r"""
import os, sys, json, time
root, modes, passes, n, key, tag, server_cpu = sys.argv[1:8]
passes, n, modes = int(passes), int(n), modes.split(",")
mode = modes[0]
sys.path.insert(0, root)
os.chdir(root)
import jifen.access.api_clients, jifen.scoring.compiled
# the caches of API keys and of versions in force last a second: under valgrind that is a few requests, so the
# count would depend on the machine's speed; the figure is the steady state, where they answer (as under load)
jifen.access.api_clients.CACHE_SECONDS = 1e9
jifen.scoring.compiled.published_cache.TTL = 1e9
from application import create_app
app = create_app()
client = app.test_client()
headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
facts = json.loads(os.environ["JIFEN_BENCH_FACTS"])

def body(ref, dry):
    request = {"application_ref": ref, "year": 2026, "as_of": "2026-06-01", "facts": facts}
    if dry:
        request["dry_run"] = True
    return json.dumps(request, separators=(",", ":")).encode()

def answer(ref, dry):
    response = client.post("/api/v1/scores", data=body(ref, dry), headers=headers)
    expected = 200 if dry else 201
    if response.status_code != expected:
        raise SystemExit(f"{ref}: {response.status_code} {response.get_data(as_text=True)[:500]}")

def run(label, count, dry):
    for i in range(count):
        answer(f"{tag}-{label}-{i}", dry)

for i in range(20):  # warm: both paths, so that the measured one finds everything compiled and pooled
    answer(f"{tag}-warm-{i}", True)
    answer(f"{tag}-warm-stored-{i}", False)
if server_cpu == "1":
    from sqlalchemy import text
    from jifen.store.db import get_db
    engine = get_db(app).engine
    with engine.connect() as c:
        database = c.execute(text("SELECT current_database()")).scalar()

    def backends():
        # every backend of the database, the application's pooled one among them (this query may run on it)
        with engine.connect() as c:
            return c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}).scalars().all()

    def cpu(pids):
        total = 0
        for pid in pids:
            try:
                total += int(open(f"/proc/{pid}/schedstat").read().split()[0])
            except OSError:
                pass
        return total

    import resource
    rounds = []
    for r in range(passes):
        pids = backends()
        server0, usage0 = cpu(pids), resource.getrusage(resource.RUSAGE_SELF)
        run(f"cpu{r}", n, mode == "dry")
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        server1 = cpu(pids)
        user, system = (usage1.ru_utime - usage0.ru_utime) * 1e6 / n, (usage1.ru_stime - usage0.ru_stime) * 1e6 / n
        waits = (usage1.ru_nvcsw - usage0.ru_nvcsw) / n
        rounds.append(((server1 - server0) / n / 1000, user + system, user, system, waits))
    print(json.dumps(rounds))
else:  # under callgrind: counts zeroed before each mode's requests (getppid) and dumped after them (getpgrp)
    for m in modes:
        os.getppid()
        run(f"counted-{m}", n, m == "dry")
        os.getpgrp()
"""


def _flask(env: dict[str, str], root: Path, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=root, env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return run.stdout


def _empty_postgresql(url: str) -> None:
    """Drop every table of the database's public schema (the benchmark's own database): a fresh migration."""
    from sqlalchemy import create_engine, text

    from jifen.config import database_url

    engine = create_engine(database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _setup(root: Path, database_url: str | None, work: Path) -> tuple[dict[str, str], str]:
    """A migrated database with the sample rulesets and an API key, as bench/api_load.py makes them."""
    if database_url:
        _empty_postgresql(database_url)
    url = database_url or f"sqlite:///{work / 'bench.db'}"
    sys.path.insert(0, str(ROOT / "bench"))
    from api_load import FACTS

    env = {**os.environ, "DATABASE_URL": url, "JIFEN_INSTANCE_DIR": str(work), "JIFEN_ACCESS_LOG": "",
           "PYTHONPATH": str(root), "JIFEN_BENCH_FACTS": json.dumps(FACTS),
           # under valgrind on a busy machine, connecting to PostgreSQL takes longer than the service's 3 s
           "JIFEN_DB_CONNECT_TIMEOUT": "60", "JIFEN_DB_STATEMENT_TIMEOUT": "60"}  # fmt: skip
    _flask(env, root, "db", "upgrade")
    _flask(env, root, "rulesets", "import", *sorted(str(p) for p in (root / "rulesets").glob("*.yaml")))
    key = _flask(env, root, "api-clients", "create", "bench", "--scope", "score,read").strip()
    return env, key


def _instructions(env: dict[str, str], root: Path, modes: list[str], n: int, key: str, out: Path) -> list[int]:
    """Instructions of ``n`` requests of each mode, from callgrind's dumps (``out``.1, ``out``.2, …)."""
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--zero-before=getppid",
               "--dump-before=getpgrp", sys.executable, "-c", _WORK]  # fmt: skip
    args = [str(root), ",".join(modes), "1", str(n), key, uuid.uuid4().hex[:12], "0"]
    run = subprocess.run([*command, *args], cwd=root, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"the run under valgrind failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    dumps = sorted(out.parent.glob(out.name + ".*"), key=lambda p: int(p.suffix[1:]))
    if len(dumps) != len(modes):
        raise SystemExit(f"expected {len(modes)} dumps of callgrind, found {[d.name for d in dumps]}")
    counts = []
    for dump in dumps:
        found = re.search(r"^summary:\s*(\d+)", dump.read_text(encoding="utf-8", errors="replace"), re.M)
        if found is None:
            raise SystemExit(f"no summary in {dump}")
        counts.append(int(found.group(1)))
    return counts


def _server_cpu(env: dict[str, str], root: Path, mode: str, key: str) -> list[list[float]]:
    args = [str(root), mode, "5", "2000", key, uuid.uuid4().hex[:12], "1"]
    run = subprocess.run([sys.executable, "-c", _WORK, *args], cwd=root, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"the run failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    rounds: list[list[float]] = json.loads(run.stdout.strip().splitlines()[-1])
    return rounds


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _measure(args: argparse.Namespace, root: Path, work: Path) -> None:
    """Set ``root`` up on a database of its own and print its figures."""
    database = "PostgreSQL" if args.database_url else "SQLite"
    env, key = _setup(root, args.database_url, work)
    modes = args.mode or list(MODES)
    if args.server_cpu:
        for mode in modes:
            rounds = _server_cpu(env, root, mode, key)
            server, worker, user, system, waits = (_median([r[i] for r in rounds]) for i in range(5))
            print(f"{root}  {database:<10} {mode:<7} server {server:8.1f} µs CPU, worker {worker:8.1f} µs CPU "
                  f"({user:.0f} user, {system:.0f} system, {waits:.1f} waits) per request (median of "
                  f"{len(rounds)} rounds of 2,000; load {_load()})")  # fmt: skip
        return
    kept = work if args.annotate is None else args.annotate
    kept.mkdir(parents=True, exist_ok=True)
    out = kept / f"callgrind.{database.lower()}.{root.name}"
    for old in kept.glob(out.name + "*"):
        old.unlink()
    for mode, count in zip(modes, _instructions(env, root, modes, args.n, key, out)):
        print(f"{root}  {database:<10} {mode:<7} {count / args.n:>12,.0f} instructions per request ({args.n} requests)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure (repeatable)")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database of the benchmark's own (emptied)")
    parser.add_argument("--mode", choices=MODES, action="append", help="what to measure (default both)")
    parser.add_argument("--n", type=int, default=200, help="requests per pass")
    parser.add_argument("--server-cpu", action="store_true", help="the server's CPU per request (PostgreSQL)")
    parser.add_argument("--annotate", type=Path, help="keep callgrind's dumps here")
    args = parser.parse_args(argv)
    if not args.server_cpu and shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    if args.server_cpu and not args.database_url:
        print("--server-cpu measures a PostgreSQL server: give --database-url", file=sys.stderr)
        return 2
    for root in [r.resolve() for r in args.root or [ROOT]]:
        with tempfile.TemporaryDirectory(prefix="jifen-store-instr-") as work:
            _measure(args, root, Path(work))
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
