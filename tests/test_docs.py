"""The documentation site works as written: its sample output is what the command prints, its files and commands
exist, every configuration variable the code reads is in the operator's table, every page is in the navigation, and
``mkdocs build --strict`` passes."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS31Validator

from tests.conftest import ROOT
from tests.pasting import fresh_instance, paste_twice, shell_blocks

DOCS = ROOT / "docs"
PAGES = {p.relative_to(DOCS).as_posix(): p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md"))}
EVERYTHING = (ROOT / "README.md").read_text(encoding="utf-8") + "\n".join(PAGES.values())
SCORING = PAGES["integrator/scoring.md"]
CONFIGURATION = PAGES["operator/configuration.md"]
ELIDED = "\u2026elided\u2026"


class Obj(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, in order."""


def _parse_all(text: str) -> list[Any]:
    """Every JSON value in ``text``, one after another, objects as ``Obj`` (so that key order counts)."""
    decoder = json.JSONDecoder(object_pairs_hook=Obj)
    values, position = [], 0
    text = text.strip()
    while position < len(text):
        value, end = decoder.raw_decode(text, position)
        values.append(value)
        position = end
        while position < len(text) and text[position].isspace():
            position += 1
    return values


def differences(sample: Any, actual: Any, path: str = "$") -> list[str]:
    """Where ``actual`` differs from a documented sample in which ``…`` stands for the rest of a list or a text."""
    if isinstance(sample, Obj):
        if not isinstance(actual, Obj):
            return [f"{path}: an object in the sample"]
        if [k for k, _v in sample] != [k for k, _v in actual]:
            return [f"{path}: keys {[k for k, _ in sample]} in the sample, {[k for k, _ in actual]} printed"]
        return [d for (k, s), (_k, a) in zip(sample, actual) for d in differences(s, a, f"{path}.{k}")]
    if isinstance(sample, list):
        if not isinstance(actual, list):
            return [f"{path}: a list in the sample"]
        elided = bool(sample) and sample[-1] == ELIDED
        shown = sample[:-1] if elided else sample
        if len(actual) < len(shown) or (not elided and len(actual) != len(shown)):
            return [f"{path}: {len(shown)} entries in the sample, {len(actual)} printed"]
        return [d for i, (s, a) in enumerate(zip(shown, actual)) for d in differences(s, a, f"{path}[{i}]")]
    if isinstance(sample, str) and sample.endswith("…") and isinstance(actual, str):
        return [] if actual.startswith(sample[:-1]) else [f"{path}: {sample!r} is not how {actual!r} begins"]
    if sample != actual or type(sample) is not type(actual):
        return [f"{path}: {sample!r} in the sample, {actual!r} printed"]
    return []


def _cli_sample() -> tuple[list[str], str]:
    """The scoring page's first `flask … score` command and the JSON sample shown for it."""
    section = SCORING.split("## From the command line", 1)[1]
    command = re.search(r"^flask --app wsgi (score [^#\n]*?)\s*(#.*)?$", section, re.M)
    sample = re.search(r"```json\n(.*?)```", section, re.S)
    assert command and sample
    return command.group(1).split(), sample.group(1)


def test_the_cli_sample_is_what_the_command_prints(seeded: Any) -> None:
    args, sample_text = _cli_sample()
    result = seeded.test_cli_runner().invoke(args=[*args, "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    printed = _parse_all(result.output)
    marked = re.sub(r"(?<=[\[,])\s*…\s*(?=[\],])", f' "{ELIDED}"', sample_text)
    shown = _parse_all(marked)
    assert len(shown) == len(printed) == 2
    assert [d for s, a in zip(shown, printed) for d in differences(s, a)] == []


def test_a_changed_result_fails_the_sample_check() -> None:
    sample = _parse_all('{"a": 1, "b": [{"c": 2}, "' + ELIDED + '"], "h": "sha256:ab…"}')[0]
    assert differences(sample, _parse_all('{"a": 1, "b": [{"c": 2}, {"c": 3}], "h": "sha256:abc"}')[0]) == []
    assert differences(sample, _parse_all('{"b": [{"c": 2}], "a": 1, "h": "sha256:abc"}')[0])  # order
    assert differences(sample, _parse_all('{"a": 1.5, "b": [{"c": 2}], "h": "sha256:abc"}')[0])  # a value
    assert differences(sample, _parse_all('{"a": 1, "b": [], "h": "sha256:abc"}')[0])  # a shown entry gone


def test_commands_and_files_exist(app: Any) -> None:
    runner = app.test_cli_runner()
    commands = set(re.findall(r"flask --app wsgi ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", EVERYTHING))
    assert len(commands) > 15
    for command in sorted(commands):
        words = command.split()
        result = runner.invoke(args=[*words, "--help"])
        if result.exit_code != 0 and len(words) == 2:  # the second word was an argument
            result = runner.invoke(args=[words[0], "--help"])
        assert result.exit_code == 0, (command, result.output)
    files = set(re.findall(r"\b(examples/[\w./-]+\.(?:jsonl|json|py|xlsx|yaml))\b", EVERYTHING))
    assert {
        "examples/applications.jsonl",
        "examples/score.json",
        "examples/batch.json",
        "examples/population.jsonl",
    } <= files
    for name in files:
        assert (ROOT / name).is_file(), name


def test_example_bodies_fit_the_document(client_for_docs: Any) -> None:
    document = client_for_docs.get("/api/v1/openapi.json").json

    def errors(name: str, body: Any) -> list[str]:
        validator = OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})
        return [e.message for e in validator.iter_errors(body)]

    assert errors("ScoreRequest", json.loads((ROOT / "examples/score.json").read_text())) == []
    assert errors("BatchRequest", json.loads((ROOT / "examples/batch.json").read_text())) == []
    for population in ("applications", "population"):
        for line in (ROOT / f"examples/{population}.jsonl").read_text().splitlines():
            entry = json.loads(line)
            assert set(entry) == {"application_ref", "facts"} and errors("FactsTongxiang", entry["facts"]) == []


@pytest.fixture
def client_for_docs(seeded: Any) -> Any:
    return seeded.test_client()


def _variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    patterns = (
        r"environ(?:\.get)?\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']",
        r"environ\[\s*[\"']([A-Z][A-Z0-9_]+)[\"']\s*\]",
        r"envvar=[\"']([A-Z][A-Z0-9_]+)[\"']",
        r"[\"'](JIFEN_[A-Z0-9_]+)[\"']",
    )
    sources = [ROOT / "wsgi.py", ROOT / "gunicorn.conf.py"]
    for package in ("jifen", "api", "admin", "engine"):
        sources += sorted((ROOT / package).rglob("*.py"))
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for pattern in patterns:
            names.update(re.findall(pattern, text))
    return names


# keys of a request's WSGI environ (PEP 3333, and gunicorn's RAW_URI), read from ``environ`` but not configuration
WSGI_ENVIRON = {"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
                "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "RAW_URI"}  # fmt: skip


def test_every_configuration_variable_is_in_the_table() -> None:
    table = CONFIGURATION.split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = {name for name in _variables_read_by_the_code() if name not in WSGI_ENVIRON and not name.startswith("HTTP_")}
    assert {"DATABASE_URL", "JIFEN_ACCESS_LOG", "JIFEN_MAX_BODY_BYTES"} <= read
    assert read - documented == set()


def test_score_on_a_database_that_is_not_set_up_says_what_to_run(tmp_path: Path, monkeypatch: Any) -> None:
    from application import create_app
    from jifen.config import TestConfig

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    app = create_app(TestConfig())
    result = app.test_cli_runner().invoke(args=["score", "--year", "2026", "-"], input="[]")
    assert result.exit_code == 1
    assert "not set up" in result.output and "flask --app wsgi db upgrade" in result.output
    assert "Traceback" not in result.output


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)

    def pages(entries: Any) -> list[str]:
        found: list[str] = []
        for entry in entries:
            for value in entry.values():
                found += pages(value) if isinstance(value, list) else [value]
        return found

    assert sorted(pages(config["nav"])) == sorted(PAGES)
    assert config["theme"]["font"] == "false"  # no web fonts: the site is read offline


@pytest.mark.skipif(not (ROOT / ".venv/bin/mkdocs").is_file(), reason="mkdocs is the docs extra (./scripts/setup)")
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    built = subprocess.run(
        [str(ROOT / ".venv/bin/mkdocs"), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html and "googletagmanager" not in html


# The pages whose examples go on from one another, in the order a newcomer reads them after the README's tour.
READING_ORDER = ("integrator/api.md", "integrator/rereview.md", "integrator/applications.md", "integrator/lookup.md",
                 "clerk/versions.md", "clerk/applications.md",
                 "clerk/impact.md", "clerk/periods.md", "clerk/recognition.md", "department.md")  # fmt: skip


@pytest.mark.skipif(
    os.environ.get("JIFEN_DOCS_EXAMPLES") != "1",
    reason="about 3 minutes: set JIFEN_DOCS_EXAMPLES=1 (.ci/run does) to paste every example of the pages twice",
)
def test_every_example_pastes_twice_as_shown(tmp_path: Path) -> None:
    tour = EVERYTHING.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    blocks = shell_blocks(tour) + [b for page in READING_ORDER for b in shell_blocks(PAGES[page])]
    assert sum(1 for _b, shown in blocks if shown) >= 10
    assert paste_twice(blocks, fresh_instance(tmp_path, demo=True)) == []
