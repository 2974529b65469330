"""Shared fixtures: the repository, the command-line binary the Python results are checked
against, and the CLI runs (made once per session, into a temporary directory)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STO = ROOT / "fixtures" / "PF00076.sto"
HMM = ROOT / "fixtures" / "PF00076.hmm"
PRICES = ROOT / "fixtures" / "sp500.csv"
# A small finance run: 20 tickers from 2018 on, three methods (a few seconds).
FINANCE_START = "2018-01-01"
FINANCE_METHODS = ["bootstrap", "exact", "sa"]


@pytest.fixture(scope="session")
def satool_bin() -> Path:
    """target/release/satool (SATOOL_BIN overrides), built when missing."""
    path = Path(os.environ.get("SATOOL_BIN", ROOT / "target" / "release" / "satool"))
    if not path.exists():
        subprocess.run(["cargo", "build", "--release", "-p", "satool-app"], cwd=ROOT, check=True)
    return path


def run_cli(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="session")
def protein_cli(satool_bin, tmp_path_factory) -> Path:
    """`satool protein` on PF00076 with its HMM, seed 1, every method: the --out directory."""
    out = tmp_path_factory.mktemp("protein") / "out"
    r = run_cli(satool_bin, "protein", "--stockholm", str(STO), "--hmm", str(HMM), "--seed", "1", "--out", str(out), "-q")
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="session")
def finance_cli(satool_bin, tmp_path_factory) -> dict:
    """results.json of the small finance run, seed 3."""
    out = tmp_path_factory.mktemp("finance") / "out"
    r = run_cli(
        satool_bin, "finance", "--prices", str(PRICES), "--start", FINANCE_START,
        "--methods", ",".join(FINANCE_METHODS), "--seed", "3", "--out", str(out), "-q",
    )
    assert r.returncode == 0, r.stderr
    return json.loads((out / "results.json").read_text())


def without(d, keys):
    """A copy of a results dict without the keys that differ from run to run (timings) or name
    where the output went."""
    if isinstance(d, dict):
        return {k: without(v, keys) for k, v in d.items() if k not in keys}
    if isinstance(d, list):
        return [without(v, keys) for v in d]
    return d
