#!/usr/bin/env python3
"""Fleet-shaped work, telecluster beside scikit-learn in one run: DBSCAN on 200k x 8, the eps
assistant, K-Means' default fit on 200k x 16, `kmeans --k auto` and `report` on 1M x 4, reading a
1M-row CSV, and the elbow sweep's inertia against scikit-learn's best of ten.

Usage (from the repository root; the peers pinned in bench/requirements.txt):
    python3 -m venv .venv && .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/fleet.py [--data bench-data] [--reps 3] [--skip-sklearn-dbscan]

Data (bench/datasets.py, seeded): fleet_200k_8d (six behaviours of unequal size and spread plus
1 % uniform anomalies) and fleet_1m_4d (five behaviours, 1 % anomalies), each also written as
CSV for the command-line runs; km_200k_16d (the K-Means anchor set).

What each line measures:
- dbscan 200k x 8: the fit only, after loading and standardising (examples/bench_fit against
  bench/peers.py), eps 0.25, min_samples 16; labels compared row for row; peak memory of the
  whole process. scikit-learn's kd_tree (its best algorithm here: ball_tree and brute keep the
  same neighbourhood lists and compute more distances).
- dbscan / kdist CLI: the whole process on the CSV (read, scale, index, fit, scores, output).
- kmeans default: each library's default fit (telecluster n_init=10 with early stop; scikit-learn
  n_init='auto'), and scikit-learn's best of ten (n_init=10) for the inertia bar.
- kmeans --k auto and report on 1M x 4: whole process, wall time and peak memory.
- csv read: examples/bench_read (the csv crate's raw byte records, the same with every field
  parsed, telecluster's reader), medians of --reps.
- elbow parity: `telecluster elbow --json` inertias against scikit-learn KMeans(n_init=10) for
  every k on the same standardised data.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, "target", "release", "telecluster")
FIT = os.path.join(ROOT, "target", "release", "examples", "bench_fit")
READ = os.path.join(ROOT, "target", "release", "examples", "bench_read")
PEERS = [sys.executable, os.path.join(HERE, "peers.py")]


def summary(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("SUMMARY ")][-1]
    return json.loads(line[len("SUMMARY "):])


def whole(cmd):
    """Wall time and peak RSS (MiB) of a whole process, via GNU time."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    rss = int(r.stderr.strip().splitlines()[-1]) / 1024.0
    return wall, rss, r


def median_of(cmd, reps):
    runs = [whole(cmd) for _ in range(reps)]
    walls = sorted(w for w, _, _ in runs)
    return walls[len(walls) // 2], max(m for _, m, _ in runs), runs[-1][2]


def ensure_data(data):
    subprocess.run([sys.executable, os.path.join(HERE, "datasets.py"), data, "fleet_200k_8d", "fleet_1m_4d",
                    "km_200k_16d"], check=True)
    for name in ("fleet_200k_8d", "fleet_1m_4d"):
        path = os.path.join(data, name + ".csv")
        if not os.path.exists(path):
            with open(os.path.join(data, name + ".shape")) as f:
                n, d = map(int, f.read().split())
            x = np.fromfile(os.path.join(data, name + ".f64"), dtype="<f8").reshape(n, d)
            np.savetxt(path, x, delimiter=",", header=",".join(f"m{i}" for i in range(d)), comments="", fmt="%.17g")


def row(label, ours, peer=None, note=""):
    ratio = f"{peer / ours:.1f}x" if peer else ""
    peer_s = f"{peer:.3f}" if peer else "-"
    print(f"{label:<44} {ours:>9.3f} {peer_s:>10} {ratio:>8}  {note}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-sklearn-dbscan", action="store_true",
                    help="scikit-learn's DBSCAN on 200k x 8 takes about 4 minutes and 8.5 GiB")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "telecluster", "--example", "bench_fit",
                    "--example", "bench_read"], cwd=ROOT, check=True)
    ensure_data(a.data)
    d = a.data
    print(f"{'work':<44} {'telecluster':>9} {'peer':>10} {'ratio':>8}  notes")

    # DBSCAN 200k x 8, fit only, labels compared.
    tl = os.path.join(d, "labels-fleet_200k_8d-telecluster.i64")
    ours = summary([FIT, d, "fleet_200k_8d", "db", "--eps", "0.25", "--min-samples", "16", "--reps", str(a.reps),
                    "--labels-out", tl])
    peer = None
    note = f"{ours['n_clusters']} clusters, {ours['n_noise']} noise; RSS {ours['peak_rss_mib']:.0f} MiB"
    if not a.skip_sklearn_dbscan:
        sl = os.path.join(d, "labels-fleet_200k_8d-sklearn.i64")
        sk = summary(PEERS + [d, "fleet_200k_8d", "db", "sklearn", "--eps", "0.25", "--min-samples", "16",
                              "--reps", "1", "--labels-out", sl])
        peer = sk["median_s"]
        same = np.array_equal(np.fromfile(tl, dtype="<i8"), np.fromfile(sl, dtype="<i8"))
        note += (f" vs {sk['peak_rss_mib']:.0f} MiB ({sk['peak_rss_mib'] / ours['peak_rss_mib']:.0f}x less);"
                 f" labels {'identical' if same else 'DIFFER'}")
    row("dbscan fit 200k x 8 (eps 0.25, ms 16)", ours["median_s"], peer, note)

    csv8 = os.path.join(d, "fleet_200k_8d.csv")
    w, m, _ = median_of([BIN, "dbscan", csv8, "--eps", "0.25", "--min-samples", "16", "-q", "-o",
                         os.path.join(d, "fleet_dbscan_out.csv")], a.reps)
    row("dbscan CLI 200k x 8, whole process", w, None, f"RSS {m:.0f} MiB")
    w, m, _ = median_of([BIN, "kdist", csv8, "-q"], a.reps)
    row("kdist CLI 200k x 8, whole process", w, None, f"RSS {m:.0f} MiB; target < 1 s")

    # K-Means default fit, 200k x 16, k = 32.
    ours = summary([FIT, d, "km_200k_16d", "km", "--k", "32", "--mode", "converge", "--reps", str(a.reps)])
    sk = summary(PEERS + [d, "km_200k_16d", "km", "lloyd", "--k", "32", "--mode", "converge", "--reps",
                          str(a.reps)])
    best10 = summary(PEERS + [d, "km_200k_16d", "km", "lloyd", "--k", "32", "--mode", "converge", "--n-init", "10",
                              "--reps", "1"])
    ok = ours["inertia"] <= best10["inertia"] * (1 + 1e-9)
    row("kmeans default fit 200k x 16, k 32", ours["median_s"], sk["median_s"],
        f"inertia {ours['inertia']:.4f} (sklearn default {sk['inertia']:.4f}, best of ten {best10['inertia']:.4f}:"
        f" {'no worse' if ok else 'WORSE'})")

    # Big inputs, whole process.
    csv4 = os.path.join(d, "fleet_1m_4d.csv")
    w, m, r = median_of([BIN, "kmeans", csv4, "--k", "auto", "--json"], a.reps)
    k = json.loads(r.stdout)["kmeans"]["k"]
    row("kmeans --k auto 1M x 4, whole process", w, None, f"k = {k} (5 behaviours); RSS {m:.0f} MiB; target < 3 s")
    out_html = os.path.join(d, "fleet_report.html")
    w, m, _ = median_of([BIN, "report", csv4, "-q", "-o", out_html], a.reps)
    row("report 1M x 4, whole process", w, None, f"RSS {m:.0f} MiB; target < 10 s and 300 MiB")
    rd = json.loads(subprocess.run([READ, csv4, "--reps", str(max(a.reps, 3))], capture_output=True, text=True,
                                   check=True).stdout)
    row("read 1M x 4 CSV", rd["telecluster_s"], rd["csv_byte_records_s"],
        f"csv raw byte records {rd['csv_byte_records_s']:.3f} s, raw + f64 parse "
        f"{rd['csv_byte_records_parsed_s']:.3f} s (peer column: raw records)")

    # Elbow parity.
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler
    cases = {"make_blobs(1500, random_state=170)": make_blobs(n_samples=1500, random_state=170)[0],
             "make_blobs(3000, 8 centres, 4 features, rs 0)": make_blobs(n_samples=3000, centers=8, n_features=4,
                                                                         random_state=0)[0],
             "make_blobs(40000, 12 centres, 6 features, rs 1)": make_blobs(n_samples=40000, centers=12,
                                                                           n_features=6, random_state=1)[0]}
    # Twelve more, of shapes no default was tuned on: 2,000 to 30,000 rows, 4 to 17 centres,
    # 2 to 8 features, three spreads.
    for s in range(12):
        n, c, f = [2000, 10000, 30000][s % 3], 4 + (s * 5) % 14, 2 + (s * 3) % 9
        cases[f"make_blobs({n}, {c} centres, {f} features, sd {1 + (s % 3) / 2}, rs {100 + s})"] = make_blobs(
            n_samples=n, centers=c, n_features=f, random_state=100 + s, cluster_std=1.0 + (s % 3) * 0.5)[0]
    for name, x in cases.items():
        path = os.path.join(d, "elbow_parity.csv")
        np.savetxt(path, x, delimiter=",", header=",".join(f"f{i}" for i in range(x.shape[1])), comments="",
                   fmt="%.17g")
        t0 = time.perf_counter()
        tc = json.loads(subprocess.run([BIN, "elbow", path, "--k-max", "10", "--json", "-q"], capture_output=True,
                                       text=True, check=True).stdout)["inertia"]
        t_ours = time.perf_counter() - t0
        z = StandardScaler().fit_transform(x)
        t0 = time.perf_counter()
        sk = [KMeans(n_clusters=k, n_init=10, random_state=0).fit(z).inertia_ for k in range(1, 11)]
        t_sk = time.perf_counter() - t0
        worst = max(t / s - 1 for t, s in zip(tc, sk))
        row(f"elbow k=1..10, {name}", t_ours, t_sk,
            f"worst k: {worst * 100:+.3f} % against sklearn's best of ten (bar: <= +0.1 %)")


if __name__ == "__main__":
    main()
