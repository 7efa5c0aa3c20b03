"""The files a fresh clone is built and tested with: the Makefile and .ci/run."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_makefile_knows_every_documented_target():
    # when make is asked (dry run) what each target would do
    result = subprocess.run(
        ["make", "-n", "demo", "test", "test-pg", "migrate", "messages", "bench", "clean"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    # then it parses (tabs, not spaces) and the demo starts the web server and the worker
    assert result.returncode == 0, result.stderr
    for expected in ("migrate", "seed_demo", "demo_admin", "runserver", "qcluster", "pytest"):
        assert expected in result.stdout


def test_ci_run_is_an_executable_strict_bash_script_that_tests_twice():
    script = ROOT / ".ci" / "run"
    text = script.read_text()
    assert os.access(script, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    # once on SQLite, once on PostgreSQL
    assert text.count("make test") >= 2 and "DATABASE_URL=" in text
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
