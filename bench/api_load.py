"""HTTP benchmark: gunicorn on loopback, the scoring API under load from wrk.

    python bench/api_load.py [--duration 10] [--concurrency 8] [--workers 2] [--threads 4] [--database-url URL]

Starts the service as the README does (gunicorn, migrated database, sample rulesets imported) — on a scratch
SQLite file, or with ``--database-url`` on an EMPTY PostgreSQL database of its own (it is migrated and
filled) — then drives it with wrk (Debian's package `wrk`), one connection per wrk thread:

- ``GET /healthz``: the floor (it proves the database takes a write);
- ``POST /api/v1/scores`` dry runs: scoring without storing;
- stored first scores, every request a new ``application_ref``;
- re-review chains: each connection keeps one application and re-reviews it, naming the id the previous
  answer returned in ``supersedes`` (so every request must be a 201, never a 409).

With ``--statements`` (signed statements, issue 21) it also measures, on applications received and verified
beforehand through the service (``--publications`` of them):

- publications: ``POST /api/v1/applications/{ref}/2026/publish``, each of which signs the result's statement
  (Ed25519) and stores it, sent by ``--concurrency`` client threads, each application once;
- ``POST /api/v1/statements/verify`` of one real statement under wrk: signature, claims and the status today;

and, in this process, what signing and verifying alone cost (the JOSE work, without HTTP or the database).

It prints requests/s, p50 and p99 latency and every non-2xx answer per scenario, checks the stored chains in
the database (one place per score, each superseding the one before) and exits 1 on any error. The client runs
on the same cores as the server: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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
local mode, key, facts, out = "%(mode)s", "%(key)s", '%(facts)s', "%(out)s"
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
    local ref = "BENCH-" .. mode .. "-" .. tid
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
    end
end

function done(summary, latency, requests)
    local counts = {}
    for _, thread in ipairs(threads) do
        local s = thread:get("statuses")
        for code, n in pairs(s) do counts[code] = (counts[code] or 0) + n end
    end
    local parts = {}
    for code, n in pairs(counts) do table.insert(parts, '"' .. code .. '":' .. n) end
    local e = summary.errors
    local f = io.open(out, "w")
    f:write(string.format(
        '{"requests":%%d,"seconds":%%f,"p50":%%f,"p99":%%f,"socket_errors":%%d,"statuses":{%%s}}',
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
        e.connect + e.read + e.write + e.timeout, table.concat(parts, ",")))
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


def wrk(
    base: str, mode: str, key: str, seconds: int, connections: int, work: Path, body: str = ""
) -> dict[str, object]:
    """Run wrk for ``seconds`` with one connection per thread; its summary as a dict (``body``: verify's)."""
    out = work / f"{mode}.json"
    script = work / f"{mode}.lua"
    facts = body or json.dumps(FACTS, separators=(",", ":"))
    script.write_text(LUA % {"mode": mode, "key": key, "facts": facts, "out": out}, encoding="utf-8")
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


# --- signed statements (--statements) -------------------------------------------------------------------------
STATEMENT_DAY = "2026-06-15"  # the service's today (JIFEN_TODAY) for the publications: inside the holiday data


def prepare_scored(env: dict[str, str], count: int) -> list[str]:
    """``count`` applications received and verified by every department through the service: each is scored and
    waits for its publication. Their references."""
    import datetime as dt

    os.environ.update(env)
    from application import create_app
    from jifen import applications
    from jifen.applications import Actor, Context, workdays
    from jifen.scoring import claims, compiled
    from jifen.store.db import get_db

    app = create_app()
    db = get_db(app)
    received, today = dt.date(2026, 6, 1), dt.date.fromisoformat(STATEMENT_DAY)
    facts = {**FACTS, "application_date": received.isoformat()}
    refs = [f"BENCH-PUB-{n:05d}" for n in range(count)]
    with app.app_context(), db.transaction() as s:
        version = compiled.compiled_for(s, compiled.select_version(s, 2026, received)).version
    tasks = claims.plan(version, facts)
    with app.app_context():
        for ref in refs:
            with db.transaction() as s:
                calendar = workdays.load(s)
                applications.receive(Context(s, Actor("client", "intake"), today, calendar), ref, 2026, received,
                                     "window", facts)  # fmt: skip
                for unit, planned in tasks.items():
                    who = Actor("client", f"bench-{unit}"[:64], None, unit)
                    applications.verify(Context(s, who, today, calendar), ref, 2026, unit, planned)
    db.engine.dispose()
    return refs


def publish_all(base: str, key: str, refs: list[str], threads: int) -> dict[str, Any]:
    """Publish every application once, from ``threads`` client threads; throughput, latency, non-200 answers."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    host = urlsplit(base)
    body = json.dumps({"published_on": STATEMENT_DAY})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def run(mine: list[str]) -> list[tuple[float, int]]:
        conn, timings = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=30), []
        for ref in mine:
            start = time.perf_counter()
            conn.request("POST", f"/api/v1/applications/{ref}/2026/publish", body, headers)
            answer = conn.getresponse()
            answer.read()
            timings.append((time.perf_counter() - start, answer.status))
        conn.close()
        return timings

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = [t for part in pool.map(run, [refs[i::threads] for i in range(threads)]) for t in part]
    seconds = time.perf_counter() - start
    latencies = sorted(t for t, _status in done)
    return {"requests": len(done), "seconds": seconds, "rps": len(done) / seconds,
            "p50": latencies[len(latencies) // 2] * 1e3, "p99": latencies[int(len(latencies) * 0.99)] * 1e3,
            "bad": sum(1 for _t, status in done if status != 200)}  # fmt: skip


def sign_and_verify_alone(env: dict[str, str], token: str, repeat: int = 2000) -> tuple[float, float]:
    """CPU microseconds per signature and per verification of a statement with the service's key (the JOSE work
    only): CPU time, not wall time, since the server's workers share the cores while this runs."""
    import base64

    from jifen.statements.keys import KeyStore
    from jifen.statements.signing import sign
    from jifen.statements.verify import verify_signature

    store = KeyStore(Path(env["JIFEN_INSTANCE_DIR"]) / "signing-keys")
    kid, key = store.active()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==="))
    jwks = store.jwks()
    start = time.process_time()
    for _ in range(repeat):
        sign(claims, kid, key)
    signing = (time.process_time() - start) / repeat * 1e6
    start = time.process_time()
    for _ in range(repeat):
        verify_signature(token, jwks)
    return signing, (time.process_time() - start) / repeat * 1e6


def statements_scenarios(env: dict[str, str], base: str, args: argparse.Namespace, work: Path) -> int:
    """Publications (each signs) and verifications; prints their figures, returns the number of errors."""
    publisher = flask(env, "api-clients", "create", "bench-publisher", "--scope", "publish,read").strip()
    started = time.perf_counter()
    refs = prepare_scored(env, args.publications)
    print(f"\nstatements: {len(refs)} applications received and verified in {time.perf_counter() - started:.0f} s")
    published = publish_all(base, publisher, refs, args.concurrency)
    print(
        f"{'POST …/publish (signs, stores)':<32} {published['rps']:>8.0f} req/s   p50 {published['p50']:6.1f} ms   "
        f"p99 {published['p99']:6.1f} ms   non-200: {published['bad']} of {published['requests']}"
    )
    answer = urllib.request.urlopen(
        urllib.request.Request(
            f"{base}/api/v1/applications/{refs[0]}/2026/statement", headers={"Authorization": f"Bearer {publisher}"}
        )
    )
    token = str(json.loads(answer.read())["statement"])
    r = wrk(base, "verify", publisher, args.duration, args.concurrency, work, json.dumps({"statement": token}))
    statuses = {int(k): v for k, v in r["statuses"].items()}  # type: ignore[attr-defined]
    bad = sum(v for k, v in statuses.items() if k != 200) + int(r["socket_errors"])  # type: ignore[call-overload]
    rps = r["requests"] / r["seconds"]  # type: ignore[operator]
    print(f"{'POST /statements/verify':<32} {rps:>8.0f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms   "
          f"non-200: {bad}")  # fmt: skip
    signing, verifying = sign_and_verify_alone(env, token)
    print(
        f"in this process: signing {signing:.0f} µs, verifying {verifying:.0f} µs CPU per statement (joserfc, Ed25519)"
    )
    return int(published["bad"]) + int(bad)


def wait_until_up(base: str) -> None:
    """Until the server answers its health check (at most about ten seconds)."""
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (default: 2 workers × 4 threads)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="an empty PostgreSQL database for this run (default: scratch SQLite)")
    parser.add_argument("--statements", action="store_true", help="also publications (signing) and verification")
    parser.add_argument("--publications", type=int, default=400, help="applications to publish with --statements")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="jifen-bench-"))
    port = free_port()
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "JIFEN_INSTANCE_DIR": str(work), "JIFEN_ACCESS_LOG": "",
           "JIFEN_BIND": f"127.0.0.1:{port}", "JIFEN_WORKERS": str(args.workers), "JIFEN_THREADS": str(args.threads)}  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "rulesets", "import", *sorted(str(p) for p in (ROOT / "rulesets").glob("*.yaml")))
    key = flask(env, "api-clients", "create", "bench", "--scope", "score,read").strip()
    if args.statements:
        env["JIFEN_TODAY"] = STATEMENT_DAY
        flask(env, "keys", "create")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    database = "PostgreSQL " + url.split("@")[-1] if args.database_url else f"SQLite {work / 'bench.db'}"
    try:
        wait_until_up(base)
        wrk(base, "dry", key, 2, args.workers * 2, work)  # warm every worker: the first score compiles the version
        print(
            f"command: python bench/api_load.py --duration {args.duration} --concurrency {args.concurrency} "
            f"--workers {args.workers} --threads {args.threads}" + (" --database-url …" if args.database_url else "")
        )
        print(
            f"server: gunicorn {args.workers} workers × {args.threads} threads (gthread) on {base}, {database}; "
            f"client: wrk, {args.concurrency} connections, {args.duration} s per scenario, same machine "
            f"({os.cpu_count()} cores)\n"
        )
        results = {}
        errors = 0
        for name, mode in (
            ("GET /healthz", "healthz"),
            ("POST /scores dry run", "dry"),
            ("POST /scores stored, new refs", "stored"),
            ("POST /scores re-review chains", "chain"),
        ):
            results[mode] = r = wrk(base, mode, key, args.duration, args.concurrency, work)
            statuses = {int(k): v for k, v in r["statuses"].items()}  # type: ignore[attr-defined]
            ok = 200 if mode in ("healthz", "dry") else 201
            bad = {k: v for k, v in statuses.items() if k != ok}
            errors += sum(bad.values()) + int(r["socket_errors"])  # type: ignore[call-overload]
            rps = r["requests"] / r["seconds"]  # type: ignore[operator]
            r["rps"] = rps
            print(
                f"{name:<32} {rps:>8.0f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms   "
                f"non-{ok}: {sum(bad.values())} {bad or ''}  socket errors: {r['socket_errors']}"
            )
        health = float(results["healthz"]["rps"])  # type: ignore[arg-type]
        for mode in ("dry", "stored", "chain"):
            print(f"{mode:>6} / healthz throughput: {float(results[mode]['rps']) / health:.2f}")  # type: ignore[arg-type]
        if args.statements:
            errors += statements_scenarios(env, base, args, work)
        print(check_chains(url))
        print(f"errors: {errors}")
        return 0 if errors == 0 else 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
