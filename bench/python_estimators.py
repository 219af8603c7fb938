#!/usr/bin/env python3
"""telecluster's Python estimators against scikit-learn and scipy in one Python process, and
against telecluster's own Rust harness on the same data: the speed ratio to the peers, and what
the binding costs over the Rust call.

Usage: python bench/python_estimators.py [--data bench-data] [--reps 3] [CASE ...]

CASE: km_1m_2d km_200k_16d db_100k_2d hc_30k_ward (default: all).

Each case loads the BENCHMARKS.md dataset (bench/datasets.py writes it when missing),
standardises it with StandardScaler, then times only the fit, --reps times:
- telecluster's estimator (telecluster.KMeans / DBSCAN / linkage), from Python;
- the same fit by the Rust harness (target/release/examples/bench_fit: same seed, same
  parameters, its own process), whose median is the "Rust call";
- the peer: sklearn.cluster.KMeans / DBSCAN, scipy.cluster.hierarchy.linkage.
Prints medians, the ratio peer / telecluster-from-Python (medians), and the binding's overhead:
per call, its wall time from Python over the time the library itself spent in it (measured
inside the extension, telecluster._native.last_call_seconds), minus one; the median of the
calls. Each call is paired with itself, so the VM's drift (a third, within minutes) cancels;
the Rust harness's separate-process median is printed beside it for reference, and checks that the answers agree (K-Means inertia equal to
the harness's; DBSCAN labels equal to scikit-learn's; linkage matrix equal to scipy's).

Needs the package installed (pip install ./crates/telecluster-python) and cargo for the harness.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from peers import load

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HARNESS = os.path.join(ROOT, "target", "release", "examples", "bench_fit")

# case: (dataset, harness workload and flags, telecluster call, peer call, check)
CASES = {
    "km_1m_2d": ("km_1m_2d", ["km", "--k", "8", "--mode", "converge"]),
    "km_200k_16d": ("km_200k_16d", ["km", "--k", "32", "--mode", "converge"]),
    "db_100k_2d": ("db_100k_2d", ["db", "--eps", "0.04", "--min-samples", "20"]),
    "hc_30k_ward": ("hc_30k_2d", ["hc", "--method", "ward"]),
}


def timed(fn, reps):
    """(median, median binding overhead, last result) of `reps` calls. The overhead of a call is
    its wall time over the library's own time in it (telecluster's last_call_seconds), so each
    call is paired with itself and the VM's drift cancels; for the peers it is meaningless."""
    from telecluster import _native

    times, overheads, out = [], [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        wall = time.perf_counter() - t0
        times.append(wall)
        inner = _native.last_call_seconds()
        overheads.append(wall / inner - 1 if inner > 0 else float("nan"))
    return float(np.median(times)), float(np.median(overheads)), out


def harness(data_dir, dataset, flags, reps):
    r = subprocess.run([HARNESS, data_dir, dataset, *flags, "--reps", str(reps)],
                       capture_output=True, text=True, check=True)
    line = next(l for l in r.stdout.splitlines() if l.startswith("SUMMARY "))
    return json.loads(line[len("SUMMARY "):])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = a.cases or list(CASES)

    import scipy.cluster.hierarchy as sch
    import sklearn.cluster as skc
    from sklearn.preprocessing import StandardScaler

    import telecluster

    names = sorted({CASES[c][0] for c in cases})
    subprocess.run([sys.executable, os.path.join(HERE, "datasets.py"), a.data, *names], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "bench_fit"], cwd=ROOT, check=True)

    rows = []
    for case in cases:
        dataset, flags = CASES[case]
        x = np.ascontiguousarray(StandardScaler().fit_transform(load(a.data, dataset)))
        if case.startswith("km"):
            k = int(flags[2])
            ours_s, ours_over, ours = timed(lambda: telecluster.KMeans(k, random_state=0).fit(x), a.reps)
            peer_s, _, peer = timed(lambda: skc.KMeans(k, random_state=0).fit(x), a.reps)
            peer_name = "sklearn KMeans (n_init='auto')"
            rust = harness(a.data, dataset, flags, a.reps)
            check = (f"inertia {ours.inertia_:.6f} (Rust {rust['inertia']:.6f}), "
                     f"sklearn {peer.inertia_:.6f}")
            agree = abs(ours.inertia_ - rust["inertia"]) <= 1e-9 * rust["inertia"]
        elif case.startswith("db"):
            eps, ms = float(flags[2]), int(flags[4])
            ours_s, ours_over, ours = timed(lambda: telecluster.DBSCAN(eps=eps, min_samples=ms).fit(x), a.reps)
            peer_s, _, peer = timed(lambda: skc.DBSCAN(eps=eps, min_samples=ms).fit(x), a.reps)
            peer_name = "sklearn DBSCAN"
            rust = harness(a.data, dataset, flags, a.reps)
            agree = bool((ours.labels_ == peer.labels_).all())
            check = f"labels equal to scikit-learn's: {agree}"
        else:
            ours_s, ours_over, z = timed(lambda: telecluster.linkage(x, method="ward"), a.reps)
            peer_s, _, zp = timed(lambda: sch.linkage(x, method="ward"), max(1, min(a.reps, 2)))
            peer_name = "scipy linkage ward"
            rust = harness(a.data, dataset, flags, a.reps)
            agree = bool(np.array_equal(z[:, [0, 1, 3]], zp[:, [0, 1, 3]]) and np.allclose(z[:, 2], zp[:, 2], rtol=1e-9))
            check = f"linkage matrix equal to scipy's: {agree}"
        rust_s = rust["median_s"]
        rows.append({
            "case": case, "rows": x.shape[0], "features": x.shape[1],
            "telecluster_python_s": round(ours_s, 4), "telecluster_rust_s": round(rust_s, 4),
            "binding_overhead_pct": round(100 * ours_over, 1),
            "peer": peer_name, "peer_s": round(peer_s, 4), "ratio": round(peer_s / ours_s, 1),
            "agree": agree, "check": check,
        })
        print(json.dumps(rows[-1]), flush=True)

    print()
    print("| case | telecluster from Python (median) | Rust harness (median) | binding overhead (median, paired) | peer | peer time | ratio | answers |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} ({r['rows']:,} x {r['features']}) | {r['telecluster_python_s']:.4f} s | "
              f"{r['telecluster_rust_s']:.4f} s | {r['binding_overhead_pct']:+.1f} % | {r['peer']} | "
              f"{r['peer_s']:.4f} s | {r['ratio']}x | {r['check']} |")
    if not all(r["agree"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
