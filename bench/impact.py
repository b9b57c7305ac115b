"""Impact and score benchmark: wall time and peak memory of the whole process tree, on a generated population.

    python bench/impact.py [--n 100000] [--jobs 2] [--seed 7] [--root .] [--keep DIR] [--only impact|score]

Generates N applications (JSON Lines, written as they are drawn: the population is never held in memory),
imports the sample rulesets into a scratch SQLite database, then runs, as a user would:

    flask --app wsgi rulesets impact tongxiang/2026/1 --base tongxiang/2025/1 --population F --date 2026-06-01 \\
          --cutoff 120 --cutoff 150 --json --jobs J
    flask --app wsgi score --year 2026 --date 2026-06-01 --jobs J F

Each is timed and its memory sampled every 20 ms from /proc over the command and all its descendants: the
sum of their RSS (which counts pages shared after fork once per process, so it overstates) and the sum of
their PSS (shared pages split between the sharers: the tree's true footprint). CPU time is the tree's user
+ system time. On a shared machine compare ``wall × jobs / CPU`` (1.0 on an idle machine) with the figures.
``--root`` runs the commands from another checkout (e.g. ``git archive HEAD | tar -x -C /tmp/head``) to
measure a before/after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 15.0
TARGET_MIB = 300.0


def application(rng: random.Random, n: int) -> dict[str, Any]:
    """One applicant with facts drawn in plausible proportions (most have no bonus and no deduction)."""

    def some(p: float) -> bool:
        return rng.random() < p

    born = dt.date(1966, 1, 1) + dt.timedelta(days=rng.randrange(0, 40 * 365))
    facts: dict[str, Any] = {
        "permit_valid": some(0.97),
        "permit_endorsed": some(0.97),
        "birth_date": born.isoformat(),
        "education": rng.choices(
            ["master", "bachelor", "college", "highschool", "secondary", "below"], [2, 15, 25, 25, 18, 15]
        )[0],
        "insurance_months": rng.randint(0, 240),
        "residence_months": rng.randint(0, 240),
        "local_insurance_months": rng.randint(0, 150),
        "local_residence_months": rng.randint(0, 180),
        "labor_contract": some(0.8),
        "dwelling": rng.choices(["owned", "registered_rental", "dormitory", "other"], [15, 45, 25, 15])[0],
    }
    optional: list[tuple[float, str, Any]] = [
        (0.7, "application_date", lambda: (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(150))).isoformat()),
        (0.4, "skill_level", lambda: rng.randint(1, 5)),
        (0.2, "title", lambda: rng.choice(["senior", "sub_senior", "intermediate", "junior"])),
        (0.1, "special_cert", lambda: rng.choice(["advanced", "ordinary"])),
        (0.5, "provident_fund_months", lambda: rng.randint(0, 120)),
        (0.1, "shortage_post", lambda: True),
        (0.15, "frontline_post", lambda: True),
        (0.05, "invention_patents", lambda: rng.randint(1, 3)),
        (0.08, "utility_patents", lambda: rng.randint(1, 4)),
        (0.05, "design_patents", lambda: rng.randint(1, 4)),
        (0.03, "science_award", lambda: rng.choice(["national", "provincial", "city", "county"])),
        (0.05, "honor_level", lambda: rng.choice(["national", "provincial", "city", "county"])),
        (0.01, "heroic_act", lambda: True),
        (0.3, "volunteer_hours", lambda: round(rng.uniform(0, 400), 1)),
        (0.2, "blood_donations", lambda: rng.randint(0, 8)),
        (0.005, "organ_or_marrow_donation", lambda: True),
        (0.2, "donation_amount", lambda: round(rng.uniform(0, 8000), 2)),
        (0.6, "income_tax_paid", lambda: round(rng.uniform(0, 30000), 2)),
        (0.01, "criminal_records", lambda: 1),
        (0.02, "detentions", lambda: 1),
        (0.003, "drug_rehab", lambda: True),
        (0.1, "serious_traffic_violations", lambda: rng.randint(1, 3)),
        (0.01, "court_noncompliance", lambda: True),
        (0.005, "professional_lending", lambda: True),
        (0.01, "petition_disorder", lambda: rng.randint(1, 2)),
        (0.001, "night_shift_months", lambda: 12),  # a fact neither version knows: listed under errors
    ]
    for p, name, value in optional:
        if some(p):
            facts[name] = value()
    return {"application_ref": f"TX-2026-{n:07d}", "facts": facts}


def write_population(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for k in range(n):
            out.write(json.dumps(application(rng, k), ensure_ascii=False) + "\n")


# -- measuring a command ---------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    stack += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return pids


def _kib(path: str, key: str) -> int:
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak RSS and PSS of a process tree, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _tree(self.pid)
            rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
            pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.stop.wait(self.interval)


def measure(args: list[str], env: dict[str, str], cwd: Path, stdout: Any) -> dict[str, Any]:
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)  # the usage includes the workers the command waited for
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    return {
        "exit": proc.returncode,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": sampler.peak_rss / 1024,
        "pss_mib": sampler.peak_pss / 1024,
        "processes": sampler.peak_processes,
        "load_before": load,
        "stderr": stderr,
    }


def line(name: str, m: dict[str, Any], jobs: int, target: bool) -> str:
    contention = m["wall"] * jobs / m["cpu"] if m["cpu"] else float("nan")
    verdict = ""
    if target:
        verdict = (
            f"   targets ≤ {TARGET_SECONDS:.0f} s: {'met' if m['wall'] <= TARGET_SECONDS else 'MISSED'}, "
            f"≤ {TARGET_MIB:.0f} MiB: {'met' if m['rss_mib'] <= TARGET_MIB else 'MISSED'} (tree RSS)"
        )
    return (
        f"{name:<8} wall {m['wall']:6.2f} s  cpu {m['cpu']:6.2f} s  peak tree RSS {m['rss_mib']:6.1f} MiB  "
        f"PSS {m['pss_mib']:6.1f} MiB  ({m['processes']} processes; load {m['load_before']:.1f} before; "
        f"wall×jobs/cpu {contention:.2f}){verdict}"
    )


def run_impact(flask: list[str], env: dict[str, str], args: Any, population: Path, work: Path) -> bool:
    """Measure the impact command; whether it met the targets."""
    cutoffs = ["--cutoff", "120", "--cutoff", "150"]
    impact_args = [
        "rulesets",
        "impact",
        "tongxiang/2026/1",
        "--base",
        "tongxiang/2025/1",
        "--population",
        str(population),
        "--date",
        "2026-06-01",
        *cutoffs,
        "--json",
        "--jobs",
        str(args.jobs),
    ]
    report_path = work / "impact.json"
    with report_path.open("wb") as out:
        m = measure(flask + impact_args, env, args.root, out)
    if m["exit"] != 0:
        print(m["stderr"], file=sys.stderr)
        return False
    report = json.loads(report_path.read_text(encoding="utf-8"))
    print(
        f"impact report: {report['applications']} applications, {len(report['errors'])} errors, "
        f"changed {report['changed']} (gained {report['gained']}, lost {report['lost']}), delta {report['delta']}"
    )
    print(line("impact", m, args.jobs, target=True))
    return bool(m["wall"] <= TARGET_SECONDS and m["rss_mib"] <= TARGET_MIB)


def run_score(flask: list[str], env: dict[str, str], args: Any, population: Path) -> None:
    """Measure the score command (without --jobs when the checkout's command has none: a before/after)."""
    score_args = ["score", "--year", "2026", "--date", "2026-06-01", str(population)]
    usage = subprocess.run([*flask, "score", "--help"], env=env, cwd=args.root, capture_output=True, text=True)
    if "--jobs" in usage.stdout:
        score_args[1:1] = ["--jobs", str(args.jobs)]
    with open(os.devnull, "wb") as out:
        m = measure(flask + score_args, env, args.root, out)
    print(line("score", m, args.jobs, target=False) + ("" if "--jobs" in score_args else "  (one process: no --jobs)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="applications in the population")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose commands are run")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument("--only", choices=["impact", "score"], help="measure one command only")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="jifen-bench-impact-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        population = work / "population.jsonl"
        started = time.perf_counter()
        write_population(population, args.n, args.seed)
        size = population.stat().st_size / 2**20
        print(f"command: python bench/impact.py --n {args.n} --jobs {args.jobs} --seed {args.seed}")
        print(
            f"population: {args.n} applications, {size:.1f} MiB of JSON Lines, generated in "
            f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} cores, jobs {args.jobs}"
        )
        flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "JIFEN_INSTANCE_DIR": str(work)}
        for setup in (["db", "upgrade"], ["rulesets", "import", *map(str, sorted((ROOT / "rulesets").glob("*.yaml")))]):
            subprocess.run(flask + setup, env=env, cwd=args.root, check=True, capture_output=True)

        ok = True
        if args.only != "score":
            ok = run_impact(flask, env, args, population, work)
        if args.only != "impact":
            run_score(flask, env, args, population)
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
