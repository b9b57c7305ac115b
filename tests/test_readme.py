"""The README fits on a screen and works as written: the two commands first, the Python range pyproject's, its
links lead to pages that exist, and every shell block of its five-minute tour, run twice in a row against a fresh
instance, prints what the README shows under it."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.servers import gunicorn

README = (ROOT / "README.md").read_text(encoding="utf-8")
TOUR_HEADING = "## A five-minute tour"
END = "@@jifen-tour-block-end@@"


def test_it_fits_on_a_screen_and_starts_with_the_two_commands() -> None:
    lines = README.splitlines()
    assert len(lines) <= 150
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[0] for line in first_block] == ["./scripts/start", "./scripts/test"]


def test_python_range_is_pyprojects() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f'`requires-python = "{pyproject["project"]["requires-python"]}"`' in README
    assert isinstance(pyproject["project"]["license"], str)  # an SPDX expression: setuptools warns on a table


def test_its_links_lead_to_pages_that_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)", README)
    assert len(links) >= 15
    assert [link for link in links if not (ROOT / link).is_file()] == []


def tour_blocks(text: str = README) -> list[tuple[str, str | None]]:
    """Each ```sh block of the tour with the ```text block right under it (its expected output), if any."""
    tour = text.split(TOUR_HEADING, 1)[1].split("\n## ", 1)[0]
    found = re.finditer(r"```sh\n(.*?)```\s*(?:```text\n(.*?)```)?", tour, re.S)
    return [(m.group(1), m.group(2)) for m in found]


def matches(expected: str, printed: str) -> bool:
    """Whether ``printed`` is ``expected`` line for line, ``…`` in an expected line standing for any text."""
    want = [line.rstrip() for line in expected.strip("\n").splitlines()]
    got = [line.rstrip() for line in printed.strip("\n").splitlines()]
    patterns = [re.compile(".*".join(re.escape(part) for part in line.split("…"))) for line in want]
    return len(got) == len(want) and all(p.fullmatch(line) for p, line in zip(patterns, got))


def test_the_output_check_sees_a_difference() -> None:
    assert matches("a … b\n200", "a anything b\n200\n")
    assert not matches("a … b\n200", "a anything b\n404")
    assert not matches("a … b", "a x b\nan extra line")
    assert len(tour_blocks()) >= 4 and all(expected for _block, expected in tour_blocks())


def _fresh_instance(tmp: Path) -> dict[str, str]:
    """An instance of its own, set up as ./scripts/start sets it up (migrated, samples imported, an admin)."""
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
        "             ['users', 'bootstrap']):\n"
        "    result = runner.invoke(args=args)\n"
        "    if result.exit_code:\n"
        "        sys.exit(result.output)\n"
    )
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", setup], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.mark.skipif(not (ROOT / ".venv/bin/activate").is_file(), reason="the tour sources .venv (./scripts/setup)")
def test_the_tour_runs_twice_as_shown(tmp_path: Path) -> None:
    env = _fresh_instance(tmp_path)
    blocks = tour_blocks()
    with gunicorn({k: env[k] for k in ("JIFEN_INSTANCE_DIR", "DATABASE_URL")}, threads=2) as base:
        port = base.rsplit(":", 1)[1]
        script = "".join(
            f"{block.replace('127.0.0.1:8000', f'127.0.0.1:{port}')}\necho {END}\n"
            for block, _out in blocks
            for _ in "12"
        )
        ran = subprocess.run(
            ["bash", "-c", script + "exit 0\n"],
            cwd=ROOT, env=env, capture_output=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=240,
        )  # fmt: skip
    printed = ran.stdout.split(f"{END}\n")
    assert len(printed) == 2 * len(blocks) + 1, ran.stdout
    wrong = [
        f"block {i // 2 + 1}, run {i % 2 + 1}:\n{blocks[i // 2][0]}printed:\n{out}expected:\n{blocks[i // 2][1]}"
        for i, out in enumerate(printed[:-1])
        if blocks[i // 2][1] is not None and not matches(blocks[i // 2][1] or "", out)
    ]
    assert wrong == [], "\n".join(wrong)
