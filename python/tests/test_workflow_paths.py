"""workflows/paths run by Snakemake (the venv's pinned version): 4 shards of a 2,000 × 20 run,
gathered, give the single run's risk table (every number, to the last bit) and path files (byte
for byte)."""

import json
import subprocess
import sys
from pathlib import Path

from conftest import PRICES, ROOT

SNAKEFILE = ROOT / "workflows" / "paths" / "Snakefile"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
METHODS = "historical,block_bootstrap,exact,sa_paths"


def test_four_shards_equal_the_single_run(satool_bin, tmp_path):
    work = tmp_path / "run"
    r = subprocess.run(
        [str(SNAKEMAKE), "-s", str(SNAKEFILE), "--directory", str(work), "--cores", "2", "--quiet", "all",
         "--config", f"prices={PRICES}", f"satool={satool_bin}", "scenarios=2000", "horizon=20", "shards=4",
         f"extra=--methods {METHODS}"],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name for p in (work / "shards").iterdir()) == ["0", "1", "2", "3"]
    shard = json.loads((work / "shards" / "2" / "results.json").read_text())
    assert shard["parameters"]["paths"] == [1000, 1500]

    single = tmp_path / "single"
    s = subprocess.run(
        [str(satool_bin), "finance", "--prices", str(PRICES), "--scenarios", "2000", "--horizon", "20", "--raw",
         "--methods", METHODS, "--out", str(single), "--quiet"],
        capture_output=True, text=True,
    )
    assert s.returncode == 0, s.stderr
    risk = json.loads((single / "results.json").read_text())["risk"]
    assert json.loads((work / "gathered" / "risk.json").read_text()) == risk
    assert risk["methods"][1]["horizons"][0]["paths"] == 2000
    table = (work / "risk.txt").read_text().rstrip()
    assert table.startswith("portfolio risk") and table in s.stdout
    for method in ("block_bootstrap", "exact", "sa_paths"):
        name = f"{method}.paths.csv"
        assert (work / "gathered" / name).read_bytes() == (single / name).read_bytes(), name
