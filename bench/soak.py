"""Soak: mixed traffic at half the measured capacity against gunicorn on PostgreSQL, for minutes on end.

    python bench/soak.py --database-url URL [--minutes 30] [--rate R] [--clients 8] [--workers 2] [--threads 4]

Starts the service as bench/api_load.py does (its helpers: gunicorn, the EMPTY database of ``--database-url``
migrated and given the sample rulesets; without it a scratch SQLite file) with JIFEN_TODAY=2025-10-20, the day the
applications' dates of the API tests are checked against. Then ``--clients`` threads, each with its own keep-alive
connection, send a mix of:

- dry scores, stored first scores (a new reference each), re-reviews (each client's own chain, naming its head);
- applications through their life: receipt, each department's verification, publication, an objection, the
  re-review that republishes, the history; every fifth application voided after its receipt instead;
- reads: a stored score, a chain's list; the public pages (the standard, a filled-in self-assessment, the home page).

Publication signs a statement: a signing key is created first, as ./scripts/start does.

First the capacity is measured (``--measure`` seconds, every client as fast as it can); then the clients send
half of it (or ``--rate`` requests/s) for ``--minutes``. Per minute it prints requests, errors by status (anything
but the answer the step expects; ``conn`` for a socket error or a timeout), p50 and p99 latency, and the workers'
resident memory (from /proc). At the end every stored score is verified (re-evaluated under its version, as
``POST /scores/{id}/verify`` does) and the chains checked; it exits 1 on any error, unverified score or broken chain.
The client runs on the same cores as the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import FACTS, ROOT, check_chains, flask, free_port, wait_until_up  # bench/ is not a package
from public_load import assessment_path

APPLICANT = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
             "insurance_months": 36, "residence_months": 24}  # fmt: skip
# what each department confirms for APPLICANT (as tests/api/test_applications.py)
CONFIRMED = {
    "公安局": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "residence_months": 24,
              "criminal_records": None, "detentions": None, "drug_rehab": None, "serious_traffic_violations": None},
    "教育局": {"education": "bachelor"},
    "人力社保局": {"insurance_months": 36},
    "法院": {"court_noncompliance": None, "professional_lending": None},
    "信访局": {"petition_disorder": None},
}  # fmt: skip
MIX = {"dry": 20, "stored": 12, "rereview": 12, "application": 26, "read": 15, "public": 15}
PUBLIC = ("/", "/standard", assessment_path(FACTS))


@dataclass
class Minute:
    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


class Stats:
    """Answers by minute of the soak (minute -1: the capacity measurement)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.minutes: dict[int, Minute] = {}
        self.start = time.monotonic()
        self.minute = -1

    def record(self, ms: float, error: str | None) -> None:
        with self.lock:
            m = self.minutes.setdefault(self.minute, Minute())
            m.requests += 1
            m.latencies.append(ms)
            if error:
                m.errors[error] += 1


def problem_code(payload: bytes) -> str:
    """The problem code of an API error answer, if it is one."""
    try:
        return str(json.loads(payload).get("code", ""))
    except (ValueError, AttributeError):
        return ""


class Client(threading.Thread):
    """One connection, sending the mix at ``interval`` seconds between requests (0: as fast as it can)."""

    def __init__(self, n: int, port: int, keys: dict[str, str], stats: Stats, run: str) -> None:
        super().__init__(daemon=True)
        self.n, self.port, self.keys, self.stats, self.run_id = n, port, keys, stats, run
        self.random = random.Random(n)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.interval, self.stop = 0.0, threading.Event()
        self.head: str | None = None
        self.stored: list[str] = []
        self.counter = 0
        self.application: tuple[str, int] | None = None
        self.applications = 0

    def send(self, method: str, path: str, who: str | None, body: Any, expect: int) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if who:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        data = json.dumps(body).encode() if body is not None else None
        started = time.monotonic()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.stats.record((time.monotonic() - started) * 1000, "conn")
            return None
        ms = (time.monotonic() - started) * 1000
        if response.status == expect:
            self.stats.record(ms, None)
            return json.loads(payload) if payload.startswith(b"{") else None
        self.stats.record(ms, f"{response.status} {problem_code(payload)}".strip())
        return None

    def score(self, ref: str, dry: bool = False, supersedes: str | None = None) -> Any:
        body: dict[str, Any] = {"application_ref": ref, "year": 2026, "as_of": "2026-06-01", "facts": FACTS}
        if dry:
            body["dry_run"] = True
        if supersedes:
            body["supersedes"] = supersedes
        return self.send("POST", "/api/v1/scores", "score", body, 200 if dry else 201)

    def new_ref(self, kind: str) -> str:
        self.counter += 1
        return f"SOAK-{self.run_id}-{kind}{self.n}-{self.counter}"

    def rereview(self) -> None:
        """The next score of this client's chain: its first, then each naming the one before."""
        answer = self.score(f"SOAK-{self.run_id}-C{self.n}", supersedes=self.head)
        if answer:
            self.head = answer["id"]
            self.stored.append(answer["id"])

    def application_step(self) -> None:
        if self.application is None:
            self.applications += 1
            self.application = (self.new_ref("A"), 0)
        ref, step = self.application
        base = f"/api/v1/applications/{ref}/2025"
        departments = list(CONFIRMED)
        if step == 0:
            body = {"application_ref": ref, "year": 2025, "received_on": "2025-01-24", "channel": "online",
                    "facts": APPLICANT}  # fmt: skip
            self.send("POST", "/api/v1/applications", "intake", body, 201)
        elif step == 1 and self.applications % 5 == 0:
            self.send("POST", f"{base}/void", "intake", {"reason": "permit_cancelled", "date": "2025-02-01"}, 200)
            step = 9
        elif 1 <= step <= 5:
            department = departments[step - 1]
            body = {"department": department, "facts": CONFIRMED[department], "note": "soak"}
            self.send("POST", f"{base}/verifications", department, body, 200)
        elif step == 6:
            self.send("POST", f"{base}/publish", "bureau", {"published_on": "2025-09-29"}, 200)
        elif step == 7:
            body = {"filed_on": "2025-10-09", "facts": {"insurance_months": 48}}
            self.send("POST", f"{base}/objections", "intake", body, 200)
        elif step == 8:
            body = {"department": "人力社保局", "facts": {"insurance_months": 48}, "note": "re-review"}
            self.send("POST", f"{base}/verifications", "人力社保局", body, 200)
        else:
            self.send("GET", f"{base}/history", "intake", None, 200)
            step = 10
        self.application = None if step >= 9 else (ref, step + 1)

    def read(self) -> None:
        if self.stored and self.random.random() < 0.7:
            self.send("GET", f"/api/v1/scores/{self.random.choice(self.stored)}", "read", None, 200)
        else:
            self.send(
                "GET", f"/api/v1/scores?application_ref=SOAK-{self.run_id}-C{self.n}&year=2026", "read", None, 200
            )

    def one(self) -> None:
        kind = self.random.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind == "dry":
            self.score(self.new_ref("D"), dry=True)
        elif kind == "stored":
            answer = self.score(self.new_ref("S"))
            if answer:
                self.stored.append(answer["id"])
        elif kind == "rereview":
            self.rereview()
        elif kind == "application":
            self.application_step()
        elif kind == "read":
            self.read()
        else:
            self.send("GET", self.random.choice(PUBLIC), None, None, 200)

    def run(self) -> None:
        due = time.monotonic()
        while not self.stop.is_set():
            self.one()
            if self.interval:
                due += self.interval
                pause = due - time.monotonic()
                if pause > 0:
                    self.stop.wait(pause)
                elif pause < -5:
                    due = time.monotonic()  # far behind: do not send a burst to catch up


def workers_rss(master: int) -> dict[int, int]:
    """The resident memory (KiB) of each gunicorn worker, the master's children, from /proc."""
    found: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == master and "VmRSS" in fields:
            found[int(status.parent.name)] = int(fields["VmRSS"].split()[0])
    return found


def verify_all(url: str) -> tuple[int, list[str]]:
    """Re-evaluate every stored score (jifen.scoring.records.verify); the count and those not reproduced."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from jifen.config import database_url
    from jifen.scoring import records
    from jifen.store.db import make_engine

    engine = make_engine(database_url(url))
    try:
        with Session(engine) as session:
            ids = list(session.scalars(text("SELECT id FROM scores ORDER BY created_at")))
            bad = [i for i in ids if not records.verify(session, i)["reproduced"]]
    finally:
        engine.dispose()
    return len(ids), bad


def application_states(url: str) -> dict[str, int]:
    from sqlalchemy import text

    from jifen.config import database_url
    from jifen.store.db import make_engine

    engine = make_engine(database_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT state, count(*) FROM applications GROUP BY state ORDER BY state")).all()
    finally:
        engine.dispose()
    return {str(state): int(n) for state, n in rows}


def keys(env: dict[str, str]) -> dict[str, str]:
    made = {"score": flask(env, "api-clients", "create", "soak-score", "--scope", "score").strip(),
            "read": flask(env, "api-clients", "create", "soak-read", "--scope", "read").strip(),
            "intake": flask(env, "api-clients", "create", "soak-intake", "--scope", "apply").strip(),
            "bureau": flask(env, "api-clients", "create", "soak-bureau", "--scope", "publish").strip()}  # fmt: skip
    for n, department in enumerate(CONFIRMED):
        made[department] = flask(
            env, "api-clients", "create", f"soak-dept-{n}", "--scope", "verify", "--department", department
        ).strip()
    return made


def minute_line(label: str, m: Minute, seconds: float, rss: int | None) -> str:
    q = statistics.quantiles(m.latencies, n=100) if len(m.latencies) > 1 else [m.latencies[0]] * 99
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(m.errors.items())) or "0"
    memory = f"{rss / 1024:8.0f}" if rss is not None else "       –"
    return (f"| {label:>7} | {m.requests:>8} | {m.requests / seconds:>6.1f} | {errors:<14} | {q[49]:>7.1f} | "
            f"{q[98]:>7.1f} | {memory} |")  # fmt: skip


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database for this run (default: scratch SQLite)")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, help="requests/s to send (default: half the measured capacity)")
    parser.add_argument("--measure", type=int, default=30, help="seconds of measuring the capacity")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    work = Path(tempfile.mkdtemp(prefix="jifen-soak-"))
    port = free_port()
    url = args.database_url or f"sqlite:///{work / 'soak.db'}"
    env = {**os.environ, "DATABASE_URL": url, "JIFEN_INSTANCE_DIR": str(work), "JIFEN_ACCESS_LOG": "",
           "JIFEN_BIND": f"127.0.0.1:{port}", "JIFEN_WORKERS": str(args.workers), "JIFEN_THREADS": str(args.threads),
           "JIFEN_TODAY": "2025-10-20"}  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "rulesets", "import", *sorted(str(p) for p in (ROOT / "rulesets").glob("*.yaml")))
    flask(env, "keys", "create", "--if-missing")  # publication signs the applicant's statement
    made = keys(env)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        return soak(args, server.pid, port, made, url)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def mib(rss: dict[int, int]) -> str:
    return ", ".join(f"{v / 1024:.0f} MiB" for v in rss.values())


def header(args: argparse.Namespace, url: str) -> None:
    database = "PostgreSQL " + url.split("@")[-1] if args.database_url else "SQLite"
    rate = f" --rate {args.rate:g}" if args.rate else ""
    where = " --database-url …" if args.database_url else ""
    print(f"command: python bench/soak.py --minutes {args.minutes:g} --clients {args.clients} --workers "
          f"{args.workers} --threads {args.threads}{rate}{where}")  # fmt: skip
    print(f"server: gunicorn {args.workers} workers × {args.threads} threads on {database}; client: {args.clients} "
          f"threads on the same machine ({os.cpu_count()} cores); load average: {os.getloadavg()}")  # fmt: skip


def run_minutes(args: argparse.Namespace, stats: Stats, master: int) -> Minute:
    """Print each minute's line as it ends; all the soak's answers together."""
    print("| minute | requests | req/s | errors | p50 ms | p99 ms | workers' RSS MiB |")
    print("|-------:|---------:|------:|:-------|-------:|-------:|-----------------:|")
    began = time.monotonic()
    for minute in range(int(args.minutes + 0.999)):
        with stats.lock:
            stats.minute = minute
        length = min(60.0, args.minutes * 60 - minute * 60)
        time.sleep(max(0.0, began + minute * 60 + length - time.monotonic()))
        with stats.lock:
            m = stats.minutes.get(minute, Minute())
        print(minute_line(str(minute + 1), m, length, sum(workers_rss(master).values())), flush=True)
    soaked = [m for k, m in stats.minutes.items() if k >= 0]
    return Minute(sum(m.requests for m in soaked), sum((m.errors for m in soaked), Counter()),
                  [x for m in soaked for x in m.latencies])  # fmt: skip


def soak(args: argparse.Namespace, master: int, port: int, made: dict[str, str], url: str) -> int:
    stats = Stats()
    clients = [Client(n, port, made, stats, time.strftime("%H%M%S")) for n in range(args.clients)]
    header(args, url)
    for client in clients:
        client.start()
    time.sleep(args.measure)
    measured = stats.minutes[-1]
    capacity = measured.requests / args.measure
    rate = args.rate or capacity / 2
    for client in clients:
        client.interval = args.clients / rate
    rss_start = workers_rss(master)
    print(f"capacity: {capacity:.1f} req/s over {args.measure} s (errors: {dict(measured.errors) or 0}); "
          f"soak at {rate:.1f} req/s")  # fmt: skip
    print(f"worker RSS at start: {mib(rss_start)}\n")
    total = run_minutes(args, stats, master)
    for client in clients:
        client.stop.set()
    for client in clients:
        client.join(timeout=40)
    rss_end = workers_rss(master)
    print(minute_line("all", total, args.minutes * 60, None))
    print(f"\nworker RSS at end: {mib(rss_end)} (start: {sum(rss_start.values()) / 1024:.0f} MiB, end: "
          f"{sum(rss_end.values()) / 1024:.0f} MiB in all)")  # fmt: skip
    chains = check_chains(url)
    print(chains)
    print(f"applications by state: {application_states(url)}")
    count, bad = verify_all(url)
    print(f"stored scores verified: {count - len(bad)} of {count} reproduced" + (f"; NOT: {bad[:10]}" if bad else ""))
    errors = sum(total.errors.values()) + sum(measured.errors.values())
    print(f"errors: {errors}; load average at the end: {os.getloadavg()}")
    return 0 if errors == 0 and not bad and "broken links: 0" in chains else 1


if __name__ == "__main__":
    sys.exit(main())
