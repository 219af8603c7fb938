#!/usr/bin/env python3
"""telecluster against its peers, side by side in one run on this machine.

Usage (from the repository root):
    python3 -m venv .venv && .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/compare.py [--data bench-data] [--reps 5] [--out results.jsonl] [CASE ...]

CASE: km_1m_2d_fixed20 km_1m_2d_default km_200k_16d_fixed20 km_200k_16d_default (default: all).
Generates the datasets it needs (bench/datasets.py, identical to the shared anchor generator),
builds telecluster's harness (cargo build --release --example bench_fit), then runs every
implementation in its own process, in --rounds rounds that alternate the implementations (so
none is always first after the build, and all see the same machine states); each process fits
--reps times. The figure is the median over rounds of each process's median.
Times cover the fit call only, after loading and standardising, as in the anchor figures.
Peak memory is the whole process's maximum resident set, as each process reports it (VmHWM
or ru_maxrss). Prints medians and the ratio peer / telecluster.

Fixed work: init = the first k standardised rows, 20 iterations, tol 0 (every implementation
must land on the same inertia). Default: each library's default fit (telecluster n_init=10
with k-means++; scikit-learn n_init='auto', which is 1 for k-means++).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HARNESS = os.path.join(ROOT, "target", "release", "examples", "bench_fit")

CASES = {
    "km_1m_2d_fixed20": ("km_1m_2d", ["--k", "8", "--mode", "fixed20"], ["lloyd", "elkan"]),
    "km_1m_2d_default": ("km_1m_2d", ["--k", "8", "--mode", "converge"], ["lloyd", "elkan"]),
    "km_200k_16d_fixed20": ("km_200k_16d", ["--k", "32", "--mode", "fixed20"], ["lloyd", "elkan"]),
    "km_200k_16d_default": ("km_200k_16d", ["--k", "32", "--mode", "converge"], ["lloyd", "elkan"]),
}


def run(cmd):
    """Runs cmd; returns its SUMMARY dict with the process's peak RSS (MiB) from wait4."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    line = [l for l in out.splitlines() if l.startswith("SUMMARY ")][-1]
    return json.loads(line[len("SUMMARY "):])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = a.cases or list(CASES)
    names = sorted({CASES[c][0] for c in cases})
    subprocess.run([sys.executable, os.path.join(HERE, "datasets.py"), a.data, *names], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "bench_fit"], cwd=ROOT, check=True)

    rows = []
    for case in cases:
        dataset, args, peers = CASES[case]
        commands = {"telecluster": [HARNESS, a.data, dataset, "km", *args, "--reps", str(a.reps)]}
        if dataset == "km_1m_2d":
            commands["telecluster-kdtree"] = commands["telecluster"] + ["--algorithm", "kdtree"]
        for impl in peers:
            commands[impl] = [sys.executable, os.path.join(HERE, "peers.py"), a.data, dataset, "km", impl, *args,
                              "--reps", str(a.reps)]
        runs = {name: [] for name in commands}
        for r in range(a.rounds):
            order = list(commands)
            order = order[r % len(order):] + order[:r % len(order)]
            for name in order:
                runs[name].append(run(commands[name]))
        results = []
        for name, rs in runs.items():
            best = sorted(rs, key=lambda x: x["median_s"])[len(rs) // 2]
            best = dict(best, impl=name, min_s=min(x["min_s"] for x in rs),
                        peak_rss_mib=max(x["peak_rss_mib"] for x in rs))
            results.append(best)
        ours = results[0]
        for r in results:
            r["case"] = case
            r["ratio"] = r["median_s"] / ours["median_s"]
            rows.append(r)
    print(f"{'case':<22} {'implementation':<18} {'median s':>9} {'min s':>8} {'iters':>5} "
          f"{'inertia':>14} {'peak MiB':>9} {'x slower than telecluster':>26}")
    for r in rows:
        print(f"{r['case']:<22} {r['impl']:<18} {r['median_s']:>9.3f} {r['min_s']:>8.3f} {r.get('n_iter', 0):>5} "
              f"{r['inertia']:>14.4f} {r['peak_rss_mib']:>9.1f} {r['ratio']:>26.2f}")
    if a.out:
        with open(a.out, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
