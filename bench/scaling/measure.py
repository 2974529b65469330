"""Scaling-out measurements (bench/README.md, "Scaling out"): the record index on a 2,000-record
file built from fixtures/multi_family.sto (its 12 records repeated, IDs and ACs suffixed `_k`, as
tests/cli/index_cli.rs builds it), the CPU seconds of `satool protein --methods sa_gen --samples
10000` per family on one thread, and the Pfam workflow's overhead per job.

Usage (from the repository root, after cargo build --release and scripts/test, whose venv has
Snakemake): target/pyenv/bin/python bench/scaling/measure.py [--skip-families] [--index-only]
"""

import csv
import glob
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SATOOL = ROOT / "target" / "release" / "satool"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def many_records(path, n):
    text = (ROOT / "fixtures" / "multi_family.sto").read_text()
    records = ["# STOCKHOLM 1.0\n" + r for r in text.split("# STOCKHOLM 1.0\n") if r.strip()]
    with open(path, "w") as f:
        for k in range(n):
            for line in records[k % len(records)].splitlines():
                tag = line.startswith("#=GF ID") or line.startswith("#=GF AC")
                f.write(f"{line}_{k}\n" if tag else line + "\n")


def best(argv, n=10):
    """Best wall time of n runs (s)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_seconds(argv, env=None):
    """User + system CPU seconds of one child run, and its wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def strace_lookup(big, probe):
    """Seconds from opening the index to the last read of the record's bytes (strace -ttt): the
    lookup through the index, strace's own cost per system call included (an upper bound)."""
    r = subprocess.run(["strace", "-ttt", "-e", "trace=openat,read,lseek", str(SATOOL), "protein", "--stockholm",
                        str(big), "--family", "#2000", *probe], capture_output=True, text=True)
    lines = [l for l in r.stderr.splitlines() if l[:1].isdigit()]
    start = next(i for i, l in enumerate(lines) if "satool-idx" in l and "openat" in l)
    seek = next(i for i in range(start, len(lines)) if " lseek(" in lines[i])
    fd = lines[seek].split("lseek(", 1)[1].split(",", 1)[0]
    end = seek
    for i in range(seek + 1, len(lines)):
        if " openat(" in lines[i]:
            break
        if f" read({fd}," in lines[i]:
            end = i
    return float(lines[end].split()[0]) - float(lines[start].split()[0])


def main():
    tmp = Path(tempfile.mkdtemp(prefix="satool-scaling-"))
    big = tmp / "many.sto"
    many_records(big, 2000)
    print(f"file: 2,000 records, {big.stat().st_size / 1e6:.1f} MB")
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M", str(SATOOL), "protein", "index", str(big)], capture_output=True, text=True)
    wall, rss = r.stderr.split()[-2:]
    print(f"index: {float(wall):.2f} s wall, {int(rss) / 1024:.1f} MB peak RSS")
    # A run that stops right after reading its record (no sequence matches the condition).
    probe = ["--condition-names", "NO_SUCH_NAME", "--no-hmmer"]
    with_idx = best([str(SATOOL), "protein", "--stockholm", str(big), "--family", "#2000", *probe])
    idx = Path(str(big) + ".satool-idx")
    idx.rename(tmp / "aside")
    without = best([str(SATOOL), "protein", "--stockholm", str(big), "--family", "#2000", *probe], n=5)
    (tmp / "aside").rename(idx)
    print(f"--family '#2000' (best run, s): with index {with_idx:.4f}, without {without:.4f}")
    # A run through the index is the same run as one through the file but for the lookup, so the
    # read through the file costs (without - with) + the lookup through the index.
    traced = min(strace_lookup(big, probe) for _ in range(10))
    scan = without - with_idx + traced
    print(f"  lookup with index under strace (index opened → record read, best of 10): {traced * 1e3:.2f} ms; "
          f"through the file: {scan * 1e3:.0f} ms; {scan / traced:.0f}× faster with the index")
    if "--index-only" in sys.argv:
        return
    if "--skip-families" not in sys.argv:
        env = {"RAYON_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
        per = []
        for n in range(1, 13):
            cpu, w = cpu_seconds([str(SATOOL), "protein", "--stockholm", str(big), "--family", f"#{n}", "--methods", "sa_gen", "--samples", "10000", "--no-hmmer", "-q"], env)
            per.append(cpu)
            print(f"  family #{n}: {cpu:.2f} CPU-s ({w:.1f} s wall)")
        mean = sum(per) / len(per)
        print(f"sa_gen --samples 10000, one thread: {mean:.2f} CPU-s per record (12 kinds, 2 broken), {3600 / mean:,.0f} records per hour per core")
    work = tmp / "workflow"
    h100 = tmp / "h100.sto"
    h100.write_text("".join(["# STOCKHOLM 1.0\n" + r for r in big.read_text().split("# STOCKHOLM 1.0\n")[1:101]]))
    t0 = time.perf_counter()
    subprocess.run([str(SNAKEMAKE), "-s", str(ROOT / "workflows" / "pfam" / "Snakefile"), "--directory", str(work), "--cores", "1",
                    "--scheduler", "greedy", "--quiet", "all", "--config", f"stockholm={h100}", f"satool={SATOOL}",
                    "samples=30", "hmmer=off", "methods=natural"], capture_output=True, check=True)
    wall = time.perf_counter() - t0
    jobs = [float(next(csv.DictReader(open(f), delimiter="\t"))["s"]) for f in glob.glob(str(work / "benchmarks" / "*.tsv"))]
    print(f"workflow, 100 records, --cores 1: {wall:.1f} s wall, jobs {sum(jobs):.1f} s in all (median {statistics.median(jobs):.2f} s): "
          f"overhead {(wall - sum(jobs)) / len(jobs):.2f} s per job")


if __name__ == "__main__":
    main()
