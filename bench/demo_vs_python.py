#!/usr/bin/env python3
"""`telecluster demo` against the seed notebook's pipeline in Python, side by side.

Usage (from the repository root):
    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/demo_vs_python.py [--runs 5]

Both sides are whole processes, timed from start to exit, as a user pays for them:
  - telecluster: `target/release/telecluster --quiet demo -o DIR` (generates the seed
    telemetry, runs the elbow sweep and K-Means, the eps assistant and DBSCAN, the hierarchy,
    the profiles and anomalies, and writes telemetry.csv, report.html, report.json and six SVGs);
  - Python: `../shared/bench/seed_pipeline.py` as the anchors ran it (imports, read CSV, scale,
    elbow k=1..7, KMeans k=3 n_init=10, DBSCAN, Ward on 30 rows, four PNGs with matplotlib Agg),
    on the same seed data written by bench/datasets.py.
One warm-up each, then --runs alternating runs. Prints the median wall time, the largest peak
RSS (from wait4) and the ratios.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, "target", "release", "telecluster")
PIPELINE = os.path.join(ROOT, "..", "shared", "bench", "seed_pipeline.py")


def measure(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.read().decode()}")
    return dt, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--pipeline", default=PIPELINE)
    a = ap.parse_args()
    subprocess.run([sys.executable, os.path.join(HERE, "datasets.py"), a.data, "seed"], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        sides = {
            "telecluster demo": [BIN, "--quiet", "demo", "-o", os.path.join(tmp, "demo")],
            "python seed_pipeline.py": [sys.executable, a.pipeline, os.path.join(a.data, "seed.csv"),
                                        os.path.join(tmp, "py")],
        }
        for cmd in sides.values():
            measure(cmd)
        results = {name: [] for name in sides}
        for r in range(a.runs):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for name in order:
                results[name].append(measure(sides[name]))
    rows = {name: (statistics.median(t for t, _ in rs), max(m for _, m in rs)) for name, rs in results.items()}
    ours = rows["telecluster demo"]
    print(f"{'':<26}{'median wall s':>14}{'min s':>8}{'peak RSS MiB':>14}")
    for name, (t, m) in rows.items():
        print(f"{name:<26}{t:>14.4f}{min(x for x, _ in results[name]):>8.4f}{m:>14.1f}")
    py = rows["python seed_pipeline.py"]
    print(f"python / telecluster: time {py[0] / ours[0]:.0f}x, peak memory {py[1] / ours[1]:.1f}x")


if __name__ == "__main__":
    main()
