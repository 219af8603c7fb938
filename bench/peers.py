#!/usr/bin/env python3
"""The peers' side of bench/compare.py: times one implementation's fit on one dataset.

Usage: peers.py DATA_DIR DATASET km IMPL [--k K] [--mode converge|fixed20] [--n-init N] [--reps R]
       peers.py DATA_DIR DATASET db sklearn [--eps E] [--min-samples M] [--labels-out PATH] [--reps R]
       peers.py DATA_DIR DATASET hc IMPL --method M [--labels-out PATH] [--z-out PATH] [--reps R]
IMPL: lloyd | elkan (scikit-learn KMeans), sklearnex; sklearn (DBSCAN, algorithm='kd_tree',
n_jobs=-1, as in the anchors); scipy | fastcluster | fastcluster_vector (linkage; the labels
are the 6-cluster maxclust cut, minus one; Z is written as little-endian f64, n - 1 rows of 4).

The data is standardised first (StandardScaler); only the fit is timed, --reps times in this
process. Prints one JSON line per repetition and a final `SUMMARY {...}` line, the same
format as telecluster's examples/bench_fit.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np


def load(data_dir, name):
    with open(os.path.join(data_dir, name + ".shape")) as f:
        n, d = map(int, f.read().split())
    return np.fromfile(os.path.join(data_dir, name + ".f64"), dtype="<f8").reshape(n, d)


def timed(fit, reps):
    """Runs fit() reps times, printing each time; returns the times and the last result."""
    times, result = [], None
    for r in range(reps):
        t0 = time.perf_counter()
        result = fit()
        dt = time.perf_counter() - t0
        times.append(dt)
        print(json.dumps({"rep": r, "fit_s": round(dt, 6)}), flush=True)
    return times, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("dataset")
    ap.add_argument("workload", choices=["km", "db", "hc"])
    ap.add_argument("impl")
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--mode", default="converge")
    ap.add_argument("--n-init", type=int, default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--eps", type=float, default=0.04)
    ap.add_argument("--min-samples", type=int, default=20)
    ap.add_argument("--labels-out", default=None)
    ap.add_argument("--z-out", default=None)
    ap.add_argument("--method", default="ward")
    a = ap.parse_args()
    if a.workload == "db":
        return dbscan(a)
    if a.workload == "hc":
        return hierarchy(a)

    from sklearn.preprocessing import StandardScaler
    x = np.ascontiguousarray(StandardScaler().fit_transform(load(a.data_dir, a.dataset)))
    n, d = x.shape
    k = a.k
    fixed = a.mode == "fixed20"
    kw = dict(n_clusters=k, max_iter=20 if fixed else 300, tol=0.0 if fixed else 1e-4, random_state=0)
    kw["init"] = x[:k].copy() if fixed else "k-means++"
    kw["n_init"] = 1 if fixed else (a.n_init or "auto")
    version = None
    if a.impl in ("lloyd", "elkan"):
        import sklearn
        from sklearn.cluster import KMeans
        version = "scikit-learn " + sklearn.__version__
        fit = lambda: KMeans(algorithm=a.impl, **kw).fit(x)
    elif a.impl == "sklearnex":
        from importlib.metadata import version as v
        from sklearnex.cluster import KMeans
        version = "scikit-learn-intelex " + v("scikit-learn-intelex")
        fit = lambda: KMeans(**kw).fit(x)
    else:
        raise SystemExit(f"unknown implementation {a.impl}")

    times, model = timed(fit, a.reps)
    import resource
    out = {"impl": a.impl, "version": version, "dataset": a.dataset, "workload": a.workload, "n": n, "d": d,
           "k": k, "mode": a.mode, "reps": a.reps, "median_s": statistics.median(times), "min_s": min(times),
           "max_s": max(times), "inertia": float(model.inertia_), "n_iter": int(model.n_iter_),
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    print("SUMMARY " + json.dumps(out), flush=True)


def dbscan(a):
    import resource

    import sklearn
    from sklearn.cluster import DBSCAN
    from sklearn.preprocessing import StandardScaler
    x = np.ascontiguousarray(StandardScaler().fit_transform(load(a.data_dir, a.dataset)))
    n, d = x.shape
    times, model = timed(lambda: DBSCAN(eps=a.eps, min_samples=a.min_samples, algorithm="kd_tree",
                                        n_jobs=-1).fit(x), a.reps)
    labels = model.labels_.astype("<i8")
    if a.labels_out:
        labels.tofile(a.labels_out)
    out = {"impl": a.impl, "version": "scikit-learn " + sklearn.__version__, "dataset": a.dataset,
           "workload": "db", "n": n, "d": d, "reps": a.reps, "median_s": statistics.median(times),
           "min_s": min(times), "max_s": max(times), "eps": a.eps, "min_samples": a.min_samples,
           "n_clusters": int(labels.max() + 1), "n_noise": int((labels == -1).sum()),
           "n_core": int(len(model.core_sample_indices_)),
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    print("SUMMARY " + json.dumps(out), flush=True)


def hierarchy(a):
    import resource

    from scipy.cluster.hierarchy import fcluster
    from sklearn.preprocessing import StandardScaler
    x = np.ascontiguousarray(StandardScaler().fit_transform(load(a.data_dir, a.dataset)))
    n, d = x.shape
    if a.impl == "scipy":
        import scipy
        from scipy.cluster.hierarchy import linkage
        version = "scipy " + scipy.__version__
        fit = lambda: linkage(x, method=a.method)
    elif a.impl in ("fastcluster", "fastcluster_vector"):
        import fastcluster
        version = "fastcluster " + fastcluster.__version__
        f = fastcluster.linkage if a.impl == "fastcluster" else fastcluster.linkage_vector
        fit = lambda: f(x, method=a.method)
    else:
        raise SystemExit(f"unknown implementation {a.impl}")
    times, z = timed(fit, a.reps)
    labels = (fcluster(z, 6, criterion="maxclust") - 1).astype("<i8")
    if a.labels_out:
        labels.tofile(a.labels_out)
    if a.z_out:
        np.ascontiguousarray(z, dtype="<f8").tofile(a.z_out)
    out = {"impl": a.impl, "version": version, "dataset": a.dataset, "workload": "hc", "n": n, "d": d,
           "method": a.method, "reps": a.reps, "median_s": statistics.median(times), "min_s": min(times),
           "max_s": max(times), "top_heights": [float(h) for h in z[-3:, 2]],
           "clusters6_sizes": sorted(np.bincount(labels).tolist(), reverse=True),
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    print("SUMMARY " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
