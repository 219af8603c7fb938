#!/usr/bin/env python3
"""Ranks labelled anomalies four ways and prints mean average precision per method.

Methods, all on the same per-point features of each labelled series:
  consensus   telecluster report's consensus ranking (consensus.rank_scores)
  dbscan      telecluster's DBSCAN outlier score alone (dbscan.scores)
  iforest     scikit-learn IsolationForest(random_state=0), -score_samples
  lof         scikit-learn LocalOutlierFactor(n_neighbors=20), -negative_outlier_factor_

Per-point features, per channel of a series: the value, its change from the previous point, and
its deviation from the median of the previous WINDOW points.

Corpora:
  --nab DIR   a checkout of the Numenta Anomaly Benchmark (github.com/numenta/NAB): every series
              of data/ with at least one labelled window in labels/combined_windows.json; points
              inside a window are the positives.
  --aeon      the labelled series bundled in the aeon wheel (pinned below; fetched from PyPI
              with pip into bench-data/aeon): Daphnet S06R02E0 and the KDD-TSAD/UCR series 135.

Usage: python bench/consensus.py [--nab DIR] [--aeon] [--telecluster target/release/telecluster]
"""

import argparse
import csv
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler

WINDOW = 24
AEON = "aeon==1.6.0"
METHODS = ["consensus", "dbscan", "iforest", "lof"]


def features(channels):
    """value, delta and deviation from the trailing median, per channel."""
    cols, names = [], []
    for name, v in channels:
        v = np.asarray(v, dtype=float)
        delta = np.concatenate([[0.0], np.diff(v)])
        dev = np.zeros_like(v)
        for t in range(1, len(v)):
            dev[t] = v[t] - np.median(v[max(0, t - WINDOW):t])
        cols += [v, delta, dev]
        names += [f"{name}_value", f"{name}_delta", f"{name}_dev"]
    return np.column_stack(cols), names


def nab_series(root):
    windows = json.load(open(os.path.join(root, "labels", "combined_windows.json")))
    for rel, wins in sorted(windows.items()):
        if not wins:
            continue
        with open(os.path.join(root, "data", rel)) as f:
            rows = list(csv.DictReader(f))
        ts = np.array([np.datetime64(r["timestamp"]) for r in rows])
        y = np.zeros(len(rows), dtype=int)
        for a, b in wins:
            a, b = np.datetime64(a.replace(" ", "T")[:19]), np.datetime64(b.replace(" ", "T")[:19])
            y[(ts >= a) & (ts <= b)] = 1
        yield "nab/" + rel, [("value", [float(r["value"]) for r in rows])], y


def aeon_series():
    d = os.path.join("bench-data", "aeon")
    wheels = glob.glob(os.path.join(d, "aeon-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", AEON, "-d", d], check=True)
        wheels = glob.glob(os.path.join(d, "aeon-*.whl"))
    z = zipfile.ZipFile(wheels[0])
    for member in sorted(z.namelist()):
        if not member.startswith("aeon/datasets/data/") or not member.endswith(".csv"):
            continue
        if "TRAIN" in member:
            continue
        rows = list(csv.DictReader(z.read(member).decode().splitlines()))
        if not rows or "is_anomaly" not in rows[0]:
            continue
        chans = [c for c in rows[0] if c not in ("timestamp", "is_anomaly")]
        y = np.array([int(float(r["is_anomaly"])) for r in rows])
        yield "aeon/" + os.path.basename(member), [(c, [float(r[c]) for r in rows]) for c in chans], y


def telecluster_scores(binary, x, names, workdir):
    path = os.path.join(workdir, "series.csv")
    with open(path, "w") as f:
        f.write("point," + ",".join(names) + "\n")
        for i, row in enumerate(x):
            f.write(f"p{i}," + ",".join(repr(float(v)) for v in row) + "\n")
    out = os.path.join(workdir, "r.html")
    # The whole series in the Ward tree, so that every point has every view.
    cmd = [binary, "-q", "report", path, "--id", "point", "--sample", str(len(x)), "-o", out, "--json"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    a = json.load(open(os.path.join(workdir, "r.json")))
    return np.array(a["consensus"]["rank_scores"]), np.array(a["dbscan"]["scores"], dtype=float)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nab", help="a NAB checkout")
    ap.add_argument("--aeon", action="store_true", help="the aeon wheel's labelled series")
    ap.add_argument("--telecluster", default="target/release/telecluster")
    ap.add_argument("--out", help="per-series average precision as CSV")
    args = ap.parse_args()
    series = []
    if args.nab:
        series += list(nab_series(args.nab))
    if args.aeon:
        series += list(aeon_series())
    if not series:
        sys.exit("no series: give --nab DIR and/or --aeon")
    results = []
    with tempfile.TemporaryDirectory() as work:
        for name, chans, y in series:
            if y.sum() == 0:
                print(f"{name:70s} no labelled anomaly: left out (average precision is undefined)")
                continue
            x, names = features(chans)
            t = time.perf_counter()
            cons, db = telecluster_scores(args.telecluster, x, names, work)
            t_tc = time.perf_counter() - t
            xs = StandardScaler().fit_transform(x)
            t = time.perf_counter()
            iso = -IsolationForest(random_state=0).fit(xs).score_samples(xs)
            t_if = time.perf_counter() - t
            t = time.perf_counter()
            lof = -LocalOutlierFactor(n_neighbors=20).fit(xs).negative_outlier_factor_
            t_lof = time.perf_counter() - t
            db = np.where(np.isfinite(db), db, np.nanmax(db[np.isfinite(db)]) * 10 if np.isfinite(db).any() else 0)
            ap_ = {m: average_precision_score(y, s) for m, s in zip(METHODS, [cons, db, iso, lof])}
            results.append((name, len(y), int(y.sum()), ap_))
            print(
                f"{name:70s} n={len(y):6d} pos={int(y.sum()):5d}  "
                + "  ".join(f"{m} {ap_[m]:.3f}" for m in METHODS)
                + f"   ({t_tc:.1f}s telecluster, {t_if:.1f}s iforest, {t_lof:.1f}s lof)",
                flush=True,
            )
    print()
    print(f"{len(results)} series; mean average precision (higher is better), and series where best:")
    for m in METHODS:
        mean = np.mean([r[3][m] for r in results])
        wins = sum(1 for r in results if r[3][m] >= max(r[3].values()) - 1e-12)
        print(f"  {m:10s} {mean:.3f}   best on {wins}")
    if args.out:
        with open(args.out, "w") as f:
            f.write("series,n,positives," + ",".join(METHODS) + "\n")
            for name, n, pos, ap_ in results:
                f.write(f"{name},{n},{pos}," + ",".join(f"{ap_[m]:.6f}" for m in METHODS) + "\n")


if __name__ == "__main__":
    main()
