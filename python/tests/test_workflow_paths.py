"""workflows/paths run by Snakemake (the venv's pinned version): 4 shards of a run, gathered, give
the single run's risk table (every number, to the last bit) and path files (byte for byte). With
--raw (2,000 × 20), and without it (800 × 20, every path method set to the history's mean and sd:
a moments pass per shard, joined, then the shards with --moments)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PRICES, ROOT

SNAKEFILE = ROOT / "workflows" / "paths" / "Snakefile"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def snakemake(work, *config, ok=True):
    """The workflow with these config entries; with ok=False it may fail and is not --quiet (which
    would hide its message too)."""
    r = subprocess.run(
        [str(SNAKEMAKE), "-s", str(SNAKEFILE), "--directory", str(work), "--cores", "2",
         *(["--quiet", "all"] if ok else []), "--config", *config],
        capture_output=True, text=True,
    )
    assert r.returncode == 0 or not ok, r.stdout + r.stderr
    return r


def run_workflow(work, satool_bin, scenarios, raw, extra):
    snakemake(work, f"prices={PRICES}", f"satool={satool_bin}", f"scenarios={scenarios}", "horizon=20",
              "shards=4", f"raw={raw}", f"extra={extra}")
    assert sorted(p.name for p in (work / "shards").iterdir()) == ["0", "1", "2", "3"]


def single_run(satool_bin, out, scenarios, args):
    s = subprocess.run(
        [str(satool_bin), "finance", "--prices", str(PRICES), "--scenarios", str(scenarios), "--horizon", "20",
         *args, "--out", str(out), "--quiet"],
        capture_output=True, text=True,
    )
    assert s.returncode == 0, s.stderr
    return s.stdout


def assert_gathered_equal_single(work, single, stdout, scenarios, methods):
    risk = json.loads((single / "results.json").read_text())["risk"]
    assert json.loads((work / "gathered" / "risk.json").read_text()) == risk
    assert [m["id"] for m in risk["methods"]] == ["historical", *methods]
    assert risk["methods"][1]["horizons"][0]["paths"] == scenarios
    table = (work / "risk.txt").read_text().rstrip()
    assert table.startswith("portfolio risk") and table in stdout
    for method in methods:
        name = f"{method}.paths.csv"
        assert (work / "gathered" / name).read_bytes() == (single / name).read_bytes(), name


def test_four_raw_shards_equal_the_single_run(satool_bin, tmp_path):
    methods = ["block_bootstrap", "exact", "sa_paths"]
    extra = "--methods historical," + ",".join(methods)
    work = tmp_path / "run"
    run_workflow(work, satool_bin, 2000, "true", extra)
    assert not (work / "moments").exists()
    shard = json.loads((work / "shards" / "2" / "results.json").read_text())
    assert shard["parameters"]["paths"] == [1000, 1500]
    assert shard["parameters"]["raw"] is True
    single = tmp_path / "single"
    stdout = single_run(satool_bin, single, 2000, ["--raw", *extra.split()])
    assert_gathered_equal_single(work, single, stdout, 2000, methods)


def test_four_corrected_shards_equal_the_single_run(satool_bin, tmp_path):
    methods = ["bootstrap", "block_bootstrap", "garch_fhs", "exact", "sa_paths"]
    extra = "--as-of unconditional"
    work = tmp_path / "run"
    run_workflow(work, satool_bin, 800, "false", extra)
    shard = json.loads((work / "shards" / "1" / "results.json").read_text())
    assert shard["parameters"]["paths"] == [200, 400]
    assert shard["parameters"]["raw"] is False
    # Each shard's moments cover its paths; the joined file covers the run, every method corrected.
    part = json.loads((work / "moments" / "shard3" / "moments.json").read_text())
    assert part["paths"] == [600, 800]
    whole = json.loads((work / "moments" / "run" / "moments.json").read_text())
    assert whole["paths"] == [0, 800]
    assert [m["id"] for m in whole["methods"]] == methods
    assert all(m["rows"] == 800 * 20 and len(m["tickers"]) == 20 for m in whole["methods"])
    single = tmp_path / "single"
    stdout = single_run(satool_bin, single, 800, extra.split())
    assert_gathered_equal_single(work, single, stdout, 800, methods)
    # The shards' paths are set to the history's scale: the first shard's file is the first
    # 200 paths of the single run's, line for line.
    shard0 = (work / "shards" / "0" / "bootstrap.paths.csv").read_text().splitlines()
    assert shard0 == (single / "bootstrap.paths.csv").read_text().splitlines()[: len(shard0)]


def test_bad_config_fails_before_any_job(satool_bin, tmp_path):
    work = tmp_path / "run"
    run = [f"prices={PRICES}", f"satool={satool_bin}", "scenarios=100", "horizon=5", "shards=2"]
    for option in ["raw=maybe", "horizon=1", "horizon=x", "scenarios=0", "threads=0", "shard=4"]:
        r = snakemake(work, *run, option, ok=False)
        key = option.split("=")[0]
        assert r.returncode != 0 and "Error validating config file" in r.stderr and key in r.stderr, (option, r.stderr)
        assert not (work / "logs").exists(), option
    # More shards than paths: the workflow's own message.
    r = snakemake(work, *run, "shards=5", "scenarios=3", ok=False)
    assert r.returncode != 0 and "shards=5: need 1 ≤ shards ≤ scenarios=3" in r.stderr, r.stderr


def test_paths_with_blanks(satool_bin, tmp_path):
    prices = tmp_path / "my data" / "sp 500.csv"
    satool = tmp_path / "my bin" / "satool"
    for path, source in [(prices, PRICES), (satool, satool_bin)]:
        path.parent.mkdir()
        shutil.copy(source, path)
    work = tmp_path / "run dir"
    # Without raw: every rule runs (the moments pass too).
    snakemake(work, f"prices={prices}", f"satool={satool}", "scenarios=100", "horizon=5", "shards=2")
    shard = json.loads((work / "shards" / "1" / "results.json").read_text())
    assert shard["input"]["path"] == str(prices) and shard["parameters"]["paths"] == [50, 100]
    assert json.loads((work / "gathered" / "risk.json").read_text())["methods"][1]["horizons"][0]["paths"] == 100
