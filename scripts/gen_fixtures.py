#!/usr/bin/env python3
"""Writes the reference fixtures that tests/oracle.rs compares telecluster against.

Usage (from the repository root):
    python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements-fixtures.txt
    .venv/bin/python scripts/gen_fixtures.py

Every fixture records its provenance (this command, the library versions, the seeds). The
script refuses to run with other versions than the pinned ones, so a fixture never changes
silently. CI never runs Python: the fixtures are committed.

Fixtures:
  crates/telecluster/tests/fixtures/telemetry_seed42.csv  `telecluster generate --seed 42` (built with cargo here)
  crates/telecluster/tests/fixtures/scalers.json          StandardScaler / RobustScaler / MinMaxScaler outputs
  crates/telecluster/tests/fixtures/describe_seed42.json  pandas statistics of telemetry_seed42.csv
  crates/telecluster/tests/fixtures/kmeans.json           KMeans on the seed data, iris, wine and telemetry_seed42
  crates/telecluster/tests/fixtures/dbscan.json           DBSCAN labels and core indices on the seed data, moons,
                                       circles, varied-density blobs, 5-d blobs, a two-cluster border case
  crates/telecluster/tests/fixtures/hierarchy.json        scipy linkage (7 methods), dendrogram leaves, fcluster cuts and
                                       cophenetic correlation on hierarchy_test_data's X and Q_X, the
                                       seed data and random data

`.venv/bin/python scripts/gen_fixtures.py hierarchy` writes only hierarchy.json.
"""
import json
import os
import platform
import subprocess
import sys
from importlib.metadata import version

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN, KMeans
from sklearn.datasets import load_iris, load_wine, make_blobs, make_circles, make_moons
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

PINNED = {"numpy": "2.4.6", "scipy": "1.17.1", "scikit-learn": "1.9.1", "pandas": "3.1.1"}
OUT = os.path.join("crates", "telecluster", "tests", "fixtures")


def check_versions():
    got = {name: version(name) for name in PINNED}
    if got != PINNED:
        sys.exit(f"gen_fixtures.py: need {PINNED}, found {got} (pip install -r scripts/requirements-fixtures.txt)")


def provenance(extra=None):
    p = {
        "generated_by": "scripts/gen_fixtures.py",
        "command": ".venv/bin/python scripts/gen_fixtures.py",
        "python": platform.python_version(),
        "versions": {name: version(name) for name in PINNED},
    }
    p.update(extra or {})
    return p


def write_json(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    print("wrote", path)


def seed_intent(rng):
    """The seed notebook's data as intended (the same as ../shared/bench/datasets.py's `seed`):
    three groups with a per-feature spread of (10 ms, 0.05 points), plus 20 uniform anomalies."""
    centers = np.array([[50, 0.1], [500, 0.2], [40, 5.0]])
    std = np.array([10.0, 0.05])
    x = np.vstack([c + rng.normal(size=(100, 2)) * std for c in centers])
    noise = rng.uniform(low=[100, 1.0], high=[800, 8.0], size=(20, 2))
    return np.vstack([x, noise])


def generated_telemetry():
    path = os.path.join(OUT, "telemetry_seed42.csv")
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--", "generate", "--seed", "42"],
        check=True, capture_output=True,
    ).stdout
    with open(path, "wb") as f:
        f.write(out)
    print("wrote", path)
    return pd.read_csv(path)


def scaler_case(name, columns, x, note):
    x = np.ascontiguousarray(x, dtype=np.float64)
    case = {"name": name, "note": note, "columns": columns, "x": x.tolist()}
    std = StandardScaler().fit(x)
    case["standard"] = {"center": std.mean_.tolist(), "scale": std.scale_.tolist(), "z": std.transform(x).tolist()}
    rob = RobustScaler().fit(x)
    case["robust"] = {"center": rob.center_.tolist(), "scale": rob.scale_.tolist(), "z": rob.transform(x).tolist()}
    mm = MinMaxScaler().fit(x)
    case["minmax"] = {"center": mm.data_min_.tolist(), "scale": (1.0 / mm.scale_).tolist(), "z": mm.transform(x).tolist()}
    return case


def main():
    check_versions()
    os.makedirs(OUT, exist_ok=True)
    telemetry = generated_telemetry()
    features = ["latency_ms", "error_rate_pct"]

    rng = np.random.default_rng(7)
    n = 200
    wide = np.column_stack([rng.lognormal(mean=20.0, sigma=1.0, size=n), rng.beta(1.0, 2000.0, size=n)])
    rng = np.random.default_rng(8)
    const = np.column_stack([rng.normal(100.0, 5.0, size=50), np.full(50, 7.25)])
    cases = [
        scaler_case("seed", features, seed_intent(np.random.default_rng(42)),
                    "the seed notebook's data as intended, numpy default_rng(42)"),
        scaler_case("telemetry_seed42", features, telemetry[features].to_numpy(),
                    "tests/fixtures/telemetry_seed42.csv"),
        scaler_case("wide_ranges", ["bytes_per_s", "error_ratio"], wide,
                    "lognormal(20, 1) bytes/s (~5e8) beside beta(1, 2000) ratios (~5e-4), default_rng(7)"),
        scaler_case("constant_column", ["latency_ms", "replicas"], const,
                    "a normal column beside a constant one, default_rng(8)"),
    ]
    write_json("scalers.json", {
        "provenance": provenance({"what": "sklearn.preprocessing StandardScaler(), RobustScaler(), MinMaxScaler() "
                                          "fitted and applied to each x; center/scale as (x - center) / scale"}),
        "cases": cases,
    })

    stats = {}
    for c in features:
        s = telemetry[c]
        stats[c] = {"n": int(s.count()), "mean": float(s.mean()), "std": float(s.std(ddof=0)),
                    "min": float(s.min()), "median": float(s.median()), "p95": float(s.quantile(0.95)),
                    "max": float(s.max())}
    write_json("describe_seed42.json", {
        "provenance": provenance({"what": "pandas.read_csv(telemetry_seed42.csv); per feature count, mean, "
                                          "std(ddof=0), min, median, quantile(0.95), max"}),
        "rows": int(len(telemetry)),
        "features": stats,
    })

    kmeans_fixture(telemetry, features)
    dbscan_fixture()


def kmeans_fixture(telemetry, features):
    sets = [
        ("seed", seed_intent(np.random.default_rng(42)), "the seed notebook's data as intended, default_rng(42)"),
        ("iris", load_iris().data, "sklearn.datasets.load_iris()"),
        ("wine", load_wine().data, "sklearn.datasets.load_wine()"),
        ("telemetry_seed42", telemetry[features].to_numpy(), "tests/fixtures/telemetry_seed42.csv"),
    ]
    cases = []
    for name, raw, note in sets:
        scaler = StandardScaler().fit(raw)
        x = scaler.transform(raw)
        case = {"name": name, "note": note, "x": x.tolist(), "given": [], "best_of_10": {}, "elbow": []}
        for k in (3, 5):
            for max_iter in (1, 2, 5, 300):
                km = KMeans(n_clusters=k, init=x[:k], n_init=1, max_iter=max_iter, tol=0.0,
                            algorithm="lloyd").fit(x)
                case["given"].append({"k": k, "max_iter": max_iter, "n_iter": int(km.n_iter_),
                                      "inertia": float(km.inertia_), "centroids": km.cluster_centers_.tolist(),
                                      "labels": km.labels_.tolist()})
        km = KMeans(n_clusters=3, n_init=10, random_state=0).fit(x)
        case["best_of_10"] = {"k": 3, "inertia": float(km.inertia_),
                              "centroids_original_units": scaler.inverse_transform(km.cluster_centers_).tolist()}
        for k in range(1, 8):
            case["elbow"].append(float(KMeans(n_clusters=k, n_init=10, random_state=0).fit(x).inertia_))
        # How often scikit-learn's own best of 10 reaches the random_state=0 optimum above
        # (random_state = 0..29): the targets are partly luck, and this measures how much.
        case["elbow_hit_rate"] = [
            sum(KMeans(n_clusters=k, n_init=10, random_state=s).fit(x).inertia_ <= t * (1 + 1e-9)
                for s in range(30)) / 30.0
            for k, t in zip(range(1, 8), case["elbow"])
        ]
        cases.append(case)
    write_json("kmeans.json", {
        "provenance": provenance({"what": "x = StandardScaler().fit_transform(data); given: KMeans(k, init=x[:k], "
                                          "n_init=1, max_iter, tol=0, algorithm='lloyd'); best_of_10: KMeans(3, "
                                          "n_init=10, random_state=0); elbow: inertia of KMeans(k, n_init=10, "
                                          "random_state=0) for k = 1..7; elbow_hit_rate: share of random_state "
                                          "0..29 whose KMeans(k, n_init=10) reaches that elbow inertia (+1e-9)"}),
        "cases": cases,
    })


def border_case():
    """Two lattice blocks 1.8 apart (facing columns at x = -0.9 and +0.9) and three bridge rows
    on x = 0 within eps = 1 of core rows of both blocks, but with only 7-9 rows within eps
    themselves (min_samples 12: not core), plus two far rows; shuffled, so that the
    lowest-numbered cluster rule decides the bridge rows. Not scaled: the geometry is the point."""
    a = [(-0.9 - 0.3 * i, 0.3 * j) for i in range(8) for j in range(-4, 5)]
    b = [(-x, y) for x, y in a]
    bridge = [(0.0, -0.6), (0.0, 0.0), (0.0, 0.6)]
    far = [(0.0, 5.0), (-6.0, -6.0)]
    x = np.array(a + b + bridge + far)
    return x[np.random.default_rng(11).permutation(len(x))]


def shared_borders(x, eps, labels, core):
    """Rows that are not core and lie within eps of core rows of two or more clusters."""
    hoods = NearestNeighbors(radius=eps).fit(x).radius_neighbors(x, return_distance=False)
    count = 0
    for i, h in enumerate(hoods):
        if not core[i]:
            if len({int(labels[j]) for j in h if core[j]}) >= 2:
                count += 1
    return count


def dbscan_fixture():
    moons, _ = make_moons(n_samples=500, noise=0.08, random_state=0)
    circles, _ = make_circles(n_samples=500, factor=0.5, noise=0.06, random_state=0)
    varied, _ = make_blobs(n_samples=600, cluster_std=[1.0, 2.5, 0.5], random_state=170)
    blobs5, _ = make_blobs(n_samples=500, n_features=5, centers=4, cluster_std=1.5, random_state=3)
    sets = [
        ("seed", seed_intent(np.random.default_rng(42)), [(0.5, 5)],
         "the seed notebook's data as intended, default_rng(42)"),
        ("moons", moons, [(0.15, 5), (0.25, 8)], "make_moons(500, noise=0.08, random_state=0)"),
        ("circles", circles, [(0.2, 5), (0.3, 10)], "make_circles(500, factor=0.5, noise=0.06, random_state=0)"),
        ("varied_density", varied, [(0.2, 5), (0.35, 10)],
         "make_blobs(600, cluster_std=[1.0, 2.5, 0.5], random_state=170)"),
        ("blobs_5d", blobs5, [(0.6, 5), (0.9, 10)], "make_blobs(500, n_features=5, centers=4, cluster_std=1.5, "
                                                    "random_state=3)"),
        ("border", border_case(), [(1.0, 12)], "two 8 x 9 lattice blocks (spacing 0.3) facing at x = +-0.9, three "
                                               "bridge rows on x = 0, two far rows; shuffled with default_rng(11); "
                                               "NOT scaled"),
    ]
    cases = []
    for name, raw, params, note in sets:
        x = raw if name == "border" else StandardScaler().fit_transform(raw)
        case = {"name": name, "note": note, "x": x.tolist(), "fits": []}
        for eps, ms in params:
            db = DBSCAN(eps=eps, min_samples=ms).fit(x)
            core = np.zeros(len(x), dtype=bool)
            core[db.core_sample_indices_] = True
            fit = {"eps": eps, "min_samples": ms, "labels": db.labels_.tolist(),
                   "core_sample_indices": db.core_sample_indices_.tolist(),
                   "n_clusters": int(db.labels_.max() + 1), "n_noise": int((db.labels_ == -1).sum()),
                   "shared_border_rows": shared_borders(x, eps, db.labels_, core)}
            case["fits"].append(fit)
            print(f"  dbscan {name} eps={eps} ms={ms}: {fit['n_clusters']} clusters, {fit['n_noise']} noise, "
                  f"{fit['shared_border_rows']} shared border rows")
        cases.append(case)
    border = cases[-1]["fits"][0]
    assert border["shared_border_rows"] > 0, "the border case must have rows reachable from two clusters"
    write_json("dbscan.json", {
        "provenance": provenance({"what": "x = StandardScaler().fit_transform(data) (the border case unscaled); DBSCAN(eps, min_samples) "
                                          "(algorithm='auto', euclidean): labels_, core_sample_indices_; "
                                          "shared_border_rows: non-core rows within eps of core rows of two or "
                                          "more clusters"}),
        "cases": cases,
    })


def hierarchy_fixture():
    from scipy.cluster.hierarchy import cophenet, dendrogram, fcluster, linkage
    from scipy.cluster.tests import hierarchy_test_data as htd
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(21)
    sets = [
        ("scipy_X", htd.X, "scipy.cluster.tests.hierarchy_test_data.X (6 x 2), NOT scaled"),
        ("scipy_Q_X", htd.Q_X, "scipy.cluster.tests.hierarchy_test_data.Q_X (30 x 3), NOT scaled"),
        ("seed", StandardScaler().fit_transform(seed_intent(np.random.default_rng(42))),
         "the seed notebook's data as intended, default_rng(42), standardised"),
        ("random_2d", rng.normal(size=(150, 2)), "default_rng(21).normal(size=(150, 2))"),
        ("random_5d", rng.uniform(size=(120, 5)), "then .uniform(size=(120, 5)) from the same generator"),
    ]
    methods = ["single", "complete", "average", "weighted", "centroid", "median", "ward"]
    cases = []
    for name, x, note in sets:
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = pdist(x)
        gaps = np.diff(np.sort(y))
        case = {"name": name, "note": note, "x": x.tolist(), "min_gap_between_distances": float(gaps.min()),
                "methods": []}
        for m in methods:
            z = linkage(x, m)
            top = float(z[:, 2].max())
            heights = [0.3 * top, 0.5 * top, 0.7 * top]
            ks = [k for k in (2, 3, 5, 8) if k < len(x)]
            case["methods"].append({
                "method": m,
                "Z": z.tolist(),
                "leaves": [int(v) for v in dendrogram(z, no_plot=True)["leaves"]],
                "leaves_lastp": {str(p): [int(v) for v in dendrogram(z, truncate_mode="lastp", p=p,
                                                                      no_plot=True)["leaves"]]
                                 for p in (3, 12, 30) if p < len(x)},
                "cophenetic_correlation": float(cophenet(z, y)[0]),
                "maxclust": [{"k": k, "labels": fcluster(z, k, criterion="maxclust").tolist()} for k in ks],
                "distance": [{"height": h, "labels": fcluster(z, h, criterion="distance").tolist()}
                             for h in heights],
            })
        print(f"  hierarchy {name}: {len(x)} rows, smallest gap between distances {gaps.min():.3g}")
        cases.append(case)
    write_json("hierarchy.json", {
        "provenance": provenance({"what": "Z = scipy.cluster.hierarchy.linkage(x, method) (euclidean); "
                                          "leaves = dendrogram(Z, no_plot=True)['leaves']; "
                                          "leaves_lastp[p] = dendrogram(Z, truncate_mode='lastp', p=p, no_plot=True)['leaves']; "
                                          "cophenet(Z, pdist(x))[0]; fcluster(Z, k, 'maxclust'); "
                                          "fcluster(Z, h, 'distance') at 0.3, 0.5, 0.7 x the largest height"}),
        "cases": cases,
    })


if __name__ == "__main__":
    if sys.argv[1:] == ["hierarchy"]:
        check_versions()
        hierarchy_fixture()
    else:
        main()
        hierarchy_fixture()
