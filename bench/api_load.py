"""HTTP benchmark: gunicorn on loopback, the scoring API under load from wrk.

    python bench/api_load.py [--duration 10] [--concurrency 8] [--workers 2] [--threads 4] [--database-url URL]
                             [--profile DIR]

Starts the service as the README does (gunicorn, migrated database, sample rulesets imported) — on a scratch
SQLite file, or with ``--database-url`` on an EMPTY PostgreSQL database of its own (it is migrated and
filled) — then drives it with wrk (Debian's package `wrk`), one connection per wrk thread:

- ``GET /healthz``: the floor (it proves the database takes a write);
- ``POST /api/v1/scores`` dry runs: scoring without storing;
- stored first scores, every request a new ``application_ref``;
- re-review chains: each connection keeps one application and re-reviews it, naming the id the previous
  answer returned in ``supersedes`` (so every request must be a 201, never a 409);
- ``POST /api/v1/scores/batch`` with 1,000 new applications each, stored (one connection per worker):
  applications per second, every one of which must be stored.

With ``--statements`` (signed statements; ``bench/statements_load.py``) it also measures, on
applications received and verified beforehand through the service (``--publications`` of them):

- publications: ``POST /api/v1/applications/{ref}/2026/publish``, each of which signs the result's statement
  (Ed25519) and stores it, sent by ``--concurrency`` client threads, each application once;
- ``POST /api/v1/statements/verify`` of one real statement under wrk: signature, claims and the status today;

and, in this process, what signing and verifying alone cost (the JOSE work, without HTTP or the database).

It prints requests/s, p50 and p99 latency and every non-2xx answer per scenario, the ratios stored/dry,
stored/healthz and batch-applications/dry, the machine's load before and after, checks the stored chains in
the database (one place per score, each superseding the one before) and exits 1 on any error. The client runs
on the same cores as the server: compare ratios within one run. ``--profile DIR`` then records py-spy flame
graphs of the workers during dry and stored scores (``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import cpu_time  # noqa: E402  # bench/ is not a package: beside this script, on the path

FACTS = {
    "permit_valid": True, "permit_endorsed": True, "birth_date": "1988-03-15", "application_date": "2026-03-15",
    "education": "college", "skill_level": 3, "insurance_months": 96, "residence_months": 100,
    "local_insurance_months": 90, "provident_fund_months": 40, "labor_contract": True, "shortage_post": True,
    "dwelling": "registered_rental", "local_residence_months": 90, "volunteer_hours": 120, "income_tax_paid": 2600,
}  # fmt: skip

# One Lua state per wrk thread; with one connection per thread each thread's requests are sequential, so a
# chain's next re-review can name the id of the answer before it.
LUA = r"""
local counter, head = 0, nil
statuses = {}
stored_items = 0
local mode, key, facts, out, run = "%(mode)s", "%(key)s", '%(facts)s', "%(out)s", "%(run)s"
local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
    if mode == "healthz" then
        return wrk.format("GET", "/healthz", {}, nil)
    end
    if mode == "verify" then
        return wrk.format("POST", "/api/v1/statements/verify", nil, facts)
    end
    counter = counter + 1
    local ref = "BENCH-" .. mode .. run .. "-" .. tid
    if mode == "batch" then
        local items = {}
        for i = 1, %(batch)d do
            items[i] = '{"application_ref":"' .. ref .. "-" .. counter .. "-" .. i .. '","year":2026,"as_of":"2026-06-01","facts":' .. facts .. '}'
        end
        return wrk.format("POST", "/api/v1/scores/batch", nil, '{"applications":[' .. table.concat(items, ",") .. ']}')
    end
    local extra = ""
    if mode == "dry" then
        extra = ',"dry_run":true'
    elseif mode == "stored" then
        ref = ref .. "-" .. counter
    elseif head ~= nil then
        extra = ',"supersedes":"' .. head .. '"'
    end
    local body = '{"application_ref":"' .. ref .. '","year":2026,"as_of":"2026-06-01","facts":' .. facts .. extra .. '}'
    return wrk.format("POST", "/api/v1/scores", nil, body)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if mode == "chain" and status == 201 then
        head = string.match(body, '^{"id":"([0-9a-f%%-]+)"')
    elseif mode == "batch" and status == 200 then
        stored_items = stored_items + tonumber(string.match(body, '"stored":(%%d+),"failed":%%d+}$') or 0)
    end
end

function done(summary, latency, requests)
    local counts = {}
    local items = 0
    for _, thread in ipairs(threads) do
        local s = thread:get("statuses")
        for code, n in pairs(s) do counts[code] = (counts[code] or 0) + n end
        items = items + thread:get("stored_items")
    end
    local parts = {}
    for code, n in pairs(counts) do table.insert(parts, '"' .. code .. '":' .. n) end
    local e = summary.errors
    local f = io.open(out, "w")
    f:write(string.format(
        '{"requests":%%d,"seconds":%%f,"p50":%%f,"p99":%%f,"socket_errors":%%d,"stored_items":%%d,"statuses":{%%s}}',
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
        e.connect + e.read + e.write + e.timeout, items, table.concat(parts, ",")))
    f:close()
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return out.stdout


BATCH = 1000  # applications per batch request (the API's most)
_runs = itertools.count()


def wrk(
    base: str, mode: str, key: str, seconds: int, connections: int, work: Path, body: str = ""
) -> dict[str, object]:
    """Run wrk for ``seconds`` with one connection per thread; its summary as a dict (``body``: verify's)."""
    out = work / f"{mode}.json"
    script = work / f"{mode}.lua"
    facts = body or json.dumps(FACTS, separators=(",", ":"))
    run = next(_runs)  # each run of a mode its own applications (a profile runs the stored scores again)
    values = {"mode": mode, "key": key, "facts": facts, "out": out, "batch": BATCH, "run": run or ""}
    script.write_text(LUA % values, encoding="utf-8")
    subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), base],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return result


def check_chains(url: str) -> str:
    """Every stored chain is linear: places 1..n, each score superseding the one before."""
    from sqlalchemy import text

    from jifen.config import database_url
    from jifen.store.db import make_engine

    engine = make_engine(database_url(url))
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM scores")).scalar()
        broken = conn.execute(
            text(
                "SELECT count(*) FROM scores s LEFT JOIN scores p ON p.id = s.supersedes_id "
                "WHERE (s.seq = 1 AND s.supersedes_id IS NOT NULL) OR (s.seq > 1 AND (p.id IS NULL "
                "OR p.seq <> s.seq - 1 OR p.application_ref <> s.application_ref OR p.year <> s.year))"
            )
        ).scalar()
        longest = conn.execute(text("SELECT max(seq) FROM scores")).scalar()
    engine.dispose()
    return f"scores stored: {total}; longest chain: {longest}; broken links: {broken}"


def wait_until_up(base: str) -> None:
    """Until the server answers its health check (at most about ten seconds)."""
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)


SCENARIOS = (
    ("GET /healthz", "healthz", 200),
    ("POST /scores dry run", "dry", 200),
    ("POST /scores stored, new refs", "stored", 201),
    ("POST /scores re-review chains", "chain", 201),
    (f"POST /scores/batch, {BATCH} stored", "batch", 200),
)


@dataclass
class Service:
    """A running gunicorn with a migrated database, the sample rulesets and an API key."""

    base: str
    key: str
    url: str
    work: Path
    server: subprocess.Popen[bytes]
    database: str
    env: dict[str, str]


@contextmanager
def service(
    workers: int, threads: int, database_url: str | None, statements: bool = False, app: str = "wsgi:app"
) -> Iterator[Service]:
    """Start the service as the README does, on scratch SQLite or the EMPTY PostgreSQL database given; stop it after.
    ``app``: the WSGI application gunicorn serves (bench/ is on its path: a probe can wrap the service's)."""
    work = Path(tempfile.mkdtemp(prefix="jifen-bench-"))
    port = free_port()
    url = database_url or f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "JIFEN_INSTANCE_DIR": str(work), "JIFEN_ACCESS_LOG": "",
           "JIFEN_BIND": f"127.0.0.1:{port}", "JIFEN_WORKERS": str(workers), "JIFEN_THREADS": str(threads)}  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "rulesets", "import", *sorted(str(p) for p in (ROOT / "rulesets").glob("*.yaml")))
    key = flask(env, "api-clients", "create", "bench", "--scope", "score,read").strip()
    if statements:
        from statements_load import STATEMENT_DAY

        env["JIFEN_TODAY"] = STATEMENT_DAY
        flask(env, "keys", "create")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app]
        + ([] if app == "wsgi:app" else ["--pythonpath", str(ROOT / "bench")]),
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    database = "PostgreSQL " + url.split("@")[-1] if database_url else f"SQLite {work / 'bench.db'}"
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        wrk(base, "dry", key, 2, workers * 2, work)  # warm every worker: the first score compiles the version
        yield Service(base, key, url, work, server, database, env)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def run(svc: Service, name: str, mode: str, ok: int, seconds: int, connections: int) -> tuple[float, int, float]:
    """One scenario: print its lines; (requests/s, or applications/s for batches; how many answers were wrong; the
    CPU seconds of the service and the database per request, or per application)."""
    before = cpu_time.sample(svc.server.pid)
    r = wrk(svc.base, mode, svc.key, seconds, connections, svc.work)
    after = cpu_time.sample(svc.server.pid)
    statuses = {int(k): v for k, v in r["statuses"].items()}  # type: ignore[attr-defined]
    bad = {k: v for k, v in statuses.items() if k != ok}
    errors = sum(bad.values()) + int(r["socket_errors"])  # type: ignore[call-overload]
    rps = float(r["requests"]) / float(r["seconds"])  # type: ignore[arg-type]
    line = f"{name:<32} {rps:>8.0f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms   "
    if mode == "batch":
        stored = int(r["stored_items"])  # type: ignore[call-overload]
        errors += int(r["requests"]) * BATCH - stored  # type: ignore[call-overload]  # every application stored
        rps = stored / float(r["seconds"])  # type: ignore[arg-type]
        line = f"{name:<32} {rps:>8.0f} app/s   ({float(r['requests']) / float(r['seconds']):.2f} batches/s, p50 {r['p50']:6.0f} ms)   "  # type: ignore[arg-type]
    print(line + f"non-{ok}: {sum(bad.values())} {bad or ''}  socket errors: {r['socket_errors']}")
    count = int(r["stored_items"] if mode == "batch" else r["requests"])  # type: ignore[call-overload]
    print(cpu_time.per_request(before, after, count))
    return rps, errors, cpu_time.service_and_database(before, after, count)


def profile(svc: Service, mode: str, seconds: int, connections: int, out: Path) -> None:
    """py-spy's flame graph of the workers while ``mode`` runs (``out``/api-MODE.svg), and its hottest frames."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    for fmt, path in (("flamegraph", out / f"api-{mode}.svg"), ("raw", out / f"api-{mode}.folded")):
        record = subprocess.Popen(
            [spy, "record", "--subprocesses", "--nonblocking", "-r", "250", "-d", str(seconds), "-f", fmt,
             "-o", str(path), "-p", str(svc.server.pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wrk(svc.base, mode, svc.key, seconds, connections, svc.work)
        record.wait(timeout=60)
    print(f"profile of {mode}: {out / f'api-{mode}.svg'} (folded stacks beside it)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (default: 2 workers × 4 threads)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="an empty PostgreSQL database for this run (default: scratch SQLite)")
    parser.add_argument("--statements", action="store_true", help="also publications (signing) and verification")
    parser.add_argument("--publications", type=int, default=400, help="applications to publish with --statements")
    parser.add_argument("--profile", type=Path, help="also record py-spy profiles of dry and stored scores here")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    with service(args.workers, args.threads, args.database_url, args.statements) as svc:
        print(
            f"command: python bench/api_load.py --duration {args.duration} --concurrency {args.concurrency} "
            f"--workers {args.workers} --threads {args.threads}" + (" --database-url …" if args.database_url else "")
        )
        print(
            f"server: gunicorn {args.workers} workers × {args.threads} threads (gthread) on {svc.base}, "
            f"{svc.database}; client: wrk, {args.concurrency} connections ({args.workers} for batches), "
            f"{args.duration} s per scenario, same machine ({os.cpu_count()} cores); load before: {load()}\n"
        )
        rates, cpu, errors = {}, {}, 0
        for name, mode, ok in SCENARIOS:
            connections = args.workers if mode == "batch" else args.concurrency
            rates[mode], wrong, cpu[mode] = run(svc, name, mode, ok, args.duration, connections)
            errors += wrong
        for mode in ("dry", "stored", "chain"):
            print(f"{mode:>6} / healthz throughput: {rates[mode] / rates['healthz']:.2f}")
        print(f"stored / dry throughput: {rates['stored'] / rates['dry']:.2f}")
        print(f" chain / dry throughput: {rates['chain'] / rates['dry']:.2f}")
        print(f"batch applications / dry throughput: {rates['batch'] / rates['dry']:.2f}")
        print(f"dry / stored CPU per request (service and database): {cpu['dry'] / cpu['stored']:.2f}")
        if args.statements:
            from statements_load import statements_scenarios

            errors += statements_scenarios(svc.env, svc.base, args, svc.work)
        print(check_chains(svc.url))
        print(f"errors: {errors}; load after: {load()}")
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for mode in ("dry", "stored"):
                profile(svc, mode, args.duration, args.concurrency, args.profile)
        return 0 if errors == 0 else 1


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): the figures mean little on a busy machine."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
