"""Documented shell blocks pasted as a reader would: each ```sh block twice in a row, in one shell, against a fresh
instance served by gunicorn on a free port, its output compared with the ```text block shown right under it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.conftest import ROOT
from tests.servers import gunicorn

END = "@@jifen-pasted-block-end@@"
Block = tuple[str, str | None]  # the commands, and the output shown under them (None: none shown)


def shell_blocks(text: str) -> list[Block]:
    """Each ```sh block of ``text`` with the ```text block right under it (its expected output), if any."""
    found = re.finditer(r"```sh\n(.*?)```\s*(?:```text\n(.*?)```)?", text, re.S)
    return [(m.group(1), m.group(2)) for m in found]


def matches(expected: str, printed: str) -> bool:
    """Whether ``printed`` is ``expected`` line for line, ``…`` in an expected line standing for any text."""
    want = [line.rstrip() for line in expected.strip("\n").splitlines()]
    got = [line.rstrip() for line in printed.strip("\n").splitlines()]
    patterns = [re.compile(".*".join(re.escape(part) for part in line.split("…"))) for line in want]
    return len(got) == len(want) and all(p.fullmatch(line) for p, line in zip(patterns, got))


def fresh_instance(tmp: Path, *, demo: bool = False) -> dict[str, str]:
    """The environment of an instance of its own, set up as ./scripts/start sets it up (migrated, the samples
    imported, an admin; with ``demo``, one user per role as JIFEN_DEMO_USERS=1 gives)."""
    env = {
        **os.environ,
        "JIFEN_INSTANCE_DIR": str(tmp / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp / 'instance' / 'jifen.db'}",
        "JIFEN_ACCESS_LOG": "",
    }
    for name in ("FLASK_APP", "JIFEN_USER", "SECRET_KEY", "JIFEN_MIGRATION_DATABASE_URL", "VIRTUAL_ENV"):
        env.pop(name, None)
    setup = (
        "import glob, sys\n"
        "from application import create_app\n"
        "runner = create_app().test_cli_runner()\n"
        "for args in (['db', 'upgrade'], ['rulesets', 'import', *sorted(glob.glob('rulesets/*.yaml'))],\n"
        f"             ['users', 'bootstrap', *{['--demo'] if demo else []!r}], ['keys', 'create', '--if-missing']):\n"
        "    result = runner.invoke(args=args)\n"
        "    if result.exit_code:\n"
        "        sys.exit(result.output)\n"
    )
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", setup], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return env


# The examples receive applications "today" ($(date +%F)): they need a published standard in force and holiday data
# for the weeks ahead, which the samples have for 2026. Pasted here on a day of 2026 — the shell's `date` (a shim
# keeping the real time of day, so that references made of it stay new) and the service's clock (JIFEN_TODAY) — they
# give the same answers whatever the real date.
PASTE_DAY = "2026-06-01"
_DATE_SHIM = """#!/bin/sh
case " $* " in *" -d"*|*" --date"*|*" -r"*|*" -s"*) exec /usr/bin/date "$@";; esac
exec /usr/bin/date -d "$JIFEN_TODAY $(/usr/bin/date +%T)" "$@"
"""


def with_fixed_day(env: dict[str, str]) -> dict[str, str]:
    """``env`` with JIFEN_TODAY set and a `date` shim first on the PATH (see PASTE_DAY)."""
    shims = Path(env["JIFEN_INSTANCE_DIR"]).parent / "shims"
    shims.mkdir(parents=True, exist_ok=True)
    shim = shims / "date"
    shim.write_text(_DATE_SHIM, encoding="utf-8")
    shim.chmod(0o755)
    return {**env, "JIFEN_TODAY": env.get("JIFEN_TODAY") or PASTE_DAY, "PATH": f"{shims}:{env.get('PATH', '')}"}


def paste_twice(blocks: list[Block], env: dict[str, str], timeout: float = 600) -> list[str]:
    """Run each block twice in a row in one bash, the service up; what differs from the output shown, if anything."""
    env = with_fixed_day(env)
    with gunicorn({k: env[k] for k in ("JIFEN_INSTANCE_DIR", "DATABASE_URL", "JIFEN_TODAY")}, threads=2) as base:
        port = base.rsplit(":", 1)[1]
        script = "".join(
            f"{block.replace('127.0.0.1:8000', f'127.0.0.1:{port}')}\necho {END}\n"
            for block, _out in blocks
            for _ in "12"
        )
        ran = subprocess.run(
            ["bash", "-c", script + "exit 0\n"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
        )  # fmt: skip
    printed = ran.stdout.split(f"{END}\n")
    if len(printed) != 2 * len(blocks) + 1:
        return [f"the blocks did not all run:\n{ran.stdout}"]
    return [
        f"block {i // 2 + 1}, run {i % 2 + 1}:\n{blocks[i // 2][0]}printed:\n{out}expected:\n{blocks[i // 2][1]}"
        for i, out in enumerate(printed[:-1])
        if blocks[i // 2][1] is not None and not matches(blocks[i // 2][1] or "", out)
    ]
