#!/usr/bin/env python3
"""sa_paths 10,000 × 20 against arch's GARCH(1,1)-FHS on the same panel, measured in one run
(issue: sa_paths must need no more CPU than arch's GARCH-FHS).

Usage: bench/sa_paths_vs_arch.py SATOOL PYTHON_WITH_ARCH [N] [H] [ROUNDS]

On fixtures/all_stocks_5yr.csv.gz --drop-suspect (467 tickers × 1,258 days), in alternating
rounds: `satool finance --methods sa_paths --scenarios N --horizon H --json` (the whole run:
reading, the memory, the paths and every metric; no `--out`: the paths stay in memory, as arch's
do — the long CSV of 10,000 × 20 × 467 lines would dominate both), the same with
`--methods garch_fhs`, and bench/arch_fhs.py (arch's fit + simulation of N × H paths, reading the
CSV excluded) on the history satool wrote. CPU seconds = user + system of the child process
(every thread), from getrusage; wall seconds beside them. Prints one JSON line per run and
the median CPU per program.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, out


def main():
    satool, python = sys.argv[1], sys.argv[2]
    n = sys.argv[3] if len(sys.argv) > 3 else "10000"
    h = sys.argv[4] if len(sys.argv) > 4 else "20"
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    base = [satool, "finance", "--prices", "fixtures/all_stocks_5yr.csv.gz", "--drop-suspect", "--quiet"]
    cpu = {"sa_paths": [], "garch_fhs": [], "arch": []}
    with tempfile.TemporaryDirectory() as tmp:
        hist = os.path.join(tmp, "hist")
        subprocess.run(base + ["--methods", "historical", "--out", hist], cwd=ROOT, check=True,
                       capture_output=True)
        for r in range(rounds):
            for method in ["sa_paths", "garch_fhs"]:
                c, w, _ = timed(base + ["--methods", method, "--scenarios", n, "--horizon", h, "--json"])
                cpu[method].append(c)
                print(json.dumps({"round": r, "program": f"satool {method}", "cpu_s": round(c, 2),
                                  "wall_s": round(w, 2)}), flush=True)
            c, w, out = timed([python, "bench/arch_fhs.py", os.path.join(hist, "historical.csv"), n, h])
            cpu["arch"].append(c)
            print(json.dumps({"round": r, "program": "arch GARCH-FHS", "cpu_s": round(c, 2), "wall_s": round(w, 2),
                              "arch": json.loads(out)}), flush=True)
    print(json.dumps({"median_cpu_s": {k: round(statistics.median(v), 2) for k, v in cpu.items()},
                      "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
