"""The committed ruff config (ruff.toml) holds for the whole tree."""

import subprocess
import sys

from conftest import ROOT


def test_the_tree_passes_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
