#!/usr/bin/env python3
"""telecluster against its peers, side by side in one run on this machine.

Usage (from the repository root):
    python3 -m venv .venv && .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/compare.py [--data bench-data] [--reps 5] [--out results.jsonl]
                                      [--baseline OTHER/bench_fit] [CASE ...]

CASE: km_1m_2d_fixed20 km_1m_2d_default km_200k_16d_fixed20 km_200k_16d_default
      db_100k_2d db_1m_2d
      hc_10k_2d_METHOD (METHOD: ward single average complete weighted centroid median)
      hc_30k_2d_METHOD (ward single average complete) hc_100k_2d_ward hc_100k_2d_single
      (default: all but the hc_30k and hc_100k cases, which take minutes each).
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

DBSCAN: the anchors' parameters (db_100k_2d eps 0.04 / min_samples 20, db_1m_2d eps 0.02 /
min_samples 50), scikit-learn with algorithm='kd_tree' and n_jobs=-1. Every process writes
its labels; the script checks that they are identical, row for row, to telecluster's. A
scikit-learn fit on db_1m_2d takes about a minute and 10 GiB, so that case runs it once per
round.

Hierarchical: scipy's linkage, fastcluster's linkage (condensed matrix) and, for the methods
it serves, fastcluster's linkage_vector, on the standardised data as in the anchors. Every
process writes its linkage matrix Z and its 6-cluster cut; the script checks that the merges
(pairs and sizes) are identical to telecluster's, the heights equal to 1e-9 relative, and the
cut labels identical row for row. The 30k and 100k cases run each peer once per round.
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
    "db_100k_2d": ("db_100k_2d", ["--eps", "0.04", "--min-samples", "20"], ["sklearn"]),
    "db_1m_2d": ("db_1m_2d", ["--eps", "0.02", "--min-samples", "50"], ["sklearn"]),
}
VECTOR_METHODS = ("ward", "single", "centroid", "median")
for _m in ("ward", "single", "average", "complete", "weighted", "centroid", "median"):
    CASES[f"hc_10k_2d_{_m}"] = ("hc_10k_2d", ["--method", _m],
                                ["scipy", "fastcluster"] + (["fastcluster_vector"] if _m in VECTOR_METHODS else []))
for _m in ("ward", "single"):
    CASES[f"hc_30k_2d_{_m}"] = ("hc_30k_2d", ["--method", _m], ["fastcluster_vector"])
    CASES[f"hc_100k_2d_{_m}"] = ("hc_100k_2d", ["--method", _m], ["fastcluster_vector"])
for _m in ("average", "complete"):
    CASES[f"hc_30k_2d_{_m}"] = ("hc_30k_2d", ["--method", _m], ["fastcluster"])
SLOW = [c for c in CASES if c.startswith(("hc_30k", "hc_100k"))]
# Repetitions per peer process, where one fit is long.
PEER_REPS = {"db_1m_2d": 1, **{c: 1 for c in SLOW}}


def run(cmd):
    """Runs cmd; returns its SUMMARY dict with the process's peak RSS (MiB) from wait4."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    line = [l for l in out.splitlines() if l.startswith("SUMMARY ")][-1]
    return json.loads(line[len("SUMMARY "):])


def read_z(path):
    import array
    z = array.array("d")
    with open(path, "rb") as f:
        z.frombytes(f.read())
    return [z[i:i + 4] for i in range(0, len(z), 4)]


def same_z(a, b):
    if len(a) != len(b):
        return False
    for p, q in zip(a, b):
        if (p[0], p[1], p[3]) != (q[0], q[1], q[3]) or abs(p[2] - q[2]) > 1e-9 * max(1.0, abs(q[2])):
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    ap.add_argument("--baseline", default=None,
                    help="another build of bench_fit (an earlier commit's) run as 'telecluster-baseline' "
                         "in the same rounds, to show a change's effect side by side")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = a.cases or [c for c in CASES if c not in SLOW]
    names = sorted({CASES[c][0] for c in cases})
    subprocess.run([sys.executable, os.path.join(HERE, "datasets.py"), a.data, *names], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "bench_fit"], cwd=ROOT, check=True)

    rows = []
    for case in cases:
        dataset, args, peers = CASES[case]
        workload = dataset[:2]
        commands = {"telecluster": [HARNESS, a.data, dataset, workload, *args, "--reps", str(a.reps)]}
        if dataset == "km_1m_2d":
            commands["telecluster-kdtree"] = commands["telecluster"] + ["--algorithm", "kdtree"]
        if a.baseline:
            commands["telecluster-baseline"] = [a.baseline, *commands["telecluster"][1:]]
        peer_reps = min(a.reps, PEER_REPS.get(case, a.reps))
        for impl in peers:
            commands[impl] = [sys.executable, os.path.join(HERE, "peers.py"), a.data, dataset, workload, impl, *args,
                              "--reps", str(peer_reps)]
        if workload in ("db", "hc"):
            for name in commands:
                commands[name] += ["--labels-out", os.path.join(a.data, f"labels-{case}-{name}.i64")]
        if workload == "hc":
            for name in commands:
                commands[name] += ["--z-out", os.path.join(a.data, f"z-{case}-{name}.f64")]
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
        if workload in ("db", "hc"):
            files = [os.path.join(a.data, f"labels-{case}-{name}.i64") for name in commands]
            same = all(open(f, "rb").read() == open(files[0], "rb").read() for f in files)
            print(f"{case}: labels identical to telecluster's, row for row: {same}")
            for r in results:
                r["labels_identical"] = same
        if workload == "hc":
            zs = {name: read_z(os.path.join(a.data, f"z-{case}-{name}.f64")) for name in commands}
            for r in results:
                r["z_equal"] = same_z(zs["telecluster"], zs[r["impl"]])
                print(f"{case}: {r['impl']} Z equal to telecluster's (pairs, sizes; heights 1e-9): {r['z_equal']}")
        for r in results:
            r["case"] = case
            r["ratio"] = r["median_s"] / ours["median_s"]
            rows.append(r)
    print(f"{'case':<22} {'implementation':<18} {'median s':>9} {'min s':>8} {'iters':>5} "
          f"{'inertia|cl/noise|top':>14} {'peak MiB':>9} {'x slower than telecluster':>26}")
    for r in rows:
        if "inertia" in r:
            result = f"{r['inertia']:>14.4f}"
        elif "top_heights" in r:
            result = f"{r['top_heights'][-1]:>14.4f}"
        else:
            result = f"{str(r['n_clusters']) + ' / ' + str(r['n_noise']):>14}"
        print(f"{r['case']:<22} {r['impl']:<18} {r['median_s']:>9.3f} {r['min_s']:>8.3f} {r.get('n_iter', 0):>5} "
              f"{result} {r['peak_rss_mib']:>9.1f} {r['ratio']:>26.2f}")
    if a.out:
        with open(a.out, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
