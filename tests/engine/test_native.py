"""The engine's compiled modules are used only when they are a build of exactly the current sources."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from engine import native
from engine.native_build import GROUP

ROOT = Path(__file__).resolve().parents[2]


def write_manifest(directory: Path, **changes: object) -> Path:
    found = native.manifest(native.source_hashes(), GROUP) | changes
    (directory / "engine").mkdir(parents=True, exist_ok=True)
    (directory / native.MANIFEST).write_text(json.dumps(found), encoding="utf-8")
    return directory


def test_a_build_of_the_current_sources_is_usable(tmp_path: Path) -> None:
    assert native.unusable(write_manifest(tmp_path)) is None


def test_no_build_is_absent(tmp_path: Path) -> None:
    assert native.unusable(tmp_path) == "absent"


def test_a_changed_source_is_named(tmp_path: Path) -> None:
    hashes = native.source_hashes() | {"plans": "0" * 64}
    assert native.unusable(write_manifest(tmp_path, sources=hashes)) == "engine/plans.py changed since it was built"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{", "its manifest cannot be read"),
        ("[]", "built for another interpreter"),
        (json.dumps({"ext_suffix": ".cpython-39-x86_64-linux-gnu.so"}), "built for another interpreter"),
    ],
)
def test_a_bad_manifest_is_not_used(tmp_path: Path, text: str, why: str) -> None:
    (tmp_path / native.MANIFEST).write_text(text, encoding="utf-8")
    assert (native.unusable(tmp_path) or "").startswith(why)


def test_a_usable_build_goes_before_the_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_NATIVE_DIR", str(write_manifest(tmp_path)))
    monkeypatch.delenv("JIFEN_NATIVE", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    path = ["/the/sources"]
    assert native.load(path) == "native"
    assert path == [str(tmp_path / "engine"), "/the/sources"]
    assert sys.path[-1] == str(tmp_path)


def test_a_stale_build_is_left_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write_manifest(tmp_path, sources=native.source_hashes() | {"facts": "stale"})
    monkeypatch.setenv("JIFEN_NATIVE_DIR", str(tmp_path))
    monkeypatch.delenv("JIFEN_NATIVE", raising=False)
    path = ["/the/sources"]
    with caplog.at_level(logging.WARNING, logger="engine"):
        assert native.load(path) == "python (engine/facts.py changed since it was built)"
    assert path == ["/the/sources"]
    assert "python -m engine.native_build" in caplog.text


def test_turned_off_the_build_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_NATIVE_DIR", str(write_manifest(tmp_path)))
    monkeypatch.setenv("JIFEN_NATIVE", "0")
    path = ["/the/sources"]
    assert native.load(path) == "python"
    assert path == ["/the/sources"]


def modules_in_a_new_process(**env: str) -> dict[str, str]:
    """engine.NATIVE and the file each compiled module was loaded from, in a fresh interpreter."""
    code = (
        "import importlib, json, engine, engine.native as n;"
        "print(json.dumps({'NATIVE': engine.NATIVE,"
        " **{m: importlib.import_module('engine.' + m).__file__ for m in n.MODULES}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_modules_run_as_python_when_turned_off() -> None:
    found = modules_in_a_new_process(JIFEN_NATIVE="0")
    assert found.pop("NATIVE") == "python"
    assert all(file.endswith(".py") for file in found.values()), found


@pytest.mark.skipif(native.unusable(native.native_dir()) is not None, reason="no native build of these sources")
def test_a_build_of_these_sources_is_what_runs() -> None:
    found = modules_in_a_new_process(JIFEN_NATIVE="1")
    assert found.pop("NATIVE") == "native"
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert all(file.startswith(str(native.native_dir())) and file.endswith(suffix) for file in found.values()), found
