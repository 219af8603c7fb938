#!/usr/bin/env python3
"""telecluster.spark against Spark's own tools, on local[N], in one run.

(a) Access-log lines to per-route features: telecluster.spark.features_from_logs against the
    same aggregation written in Spark SQL (regexp_extract, ids folded by regexp_replace, then
    per route: count, error rate, percentile_approx of the request time at 0.5/0.95/0.99 and the
    mean). Both read the same file with Spark's text reader and collect the result.
(b) K-Means on N rows x 4 features: telecluster.spark.KMeans (passes="stage" and "jobs") against Spark
    MLlib's KMeans (org.apache.spark.mllib.clustering.KMeans, the API that takes initial
    centres, run through py4j on the rows converted once to cached JVM vectors), same k, same
    initial centres, tol 0, 1 + I iterations at most. Per-iteration time: for telecluster the
    median wall time of its passes after the first (the first also loads the rows); for MLlib
    (median time of 1 + I iterations - median time of 1 iteration) / I, so its per-run set-up
    is left out. The inertia reached is printed for both.

Usage (after `cargo build --release` and the wheel and pyspark in the venv):
    .venv/bin/python bench/spark.py --log bench-data/logs/access-10000000.log --rows 10000000
The log: `target/release/examples/access_log 10000000 1 > bench-data/logs/access-10000000.log`.
"""
import argparse
import os
import sys
import time

import numpy as np


def session(cores, memory):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("telecluster-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(2 * cores))
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    s.sparkContext.setLogLevel("ERROR")
    return s


def best_of(reps, f):
    times, out = [], None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def logs(spark, path, reps):
    from pyspark.sql import functions as F

    from telecluster.spark import features_from_logs

    n = sum(1 for _ in open(path, "rb"))
    print(f"(a) {n:,} log lines from {path}, {os.path.getsize(path) / 1e9:.2f} GB")

    def ours():
        return features_from_logs(spark.read.text(path), format="auto").toPandas()

    pat = r'^\S+ \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "[^"]*" (\S+)'

    def sql():
        lines = spark.read.text(path)
        parsed = lines.select(
            F.regexp_extract("value", pat, 1).alias("time"),
            F.regexp_extract("value", pat, 2).alias("method"),
            F.regexp_extract("value", pat, 3).alias("target"),
            F.regexp_extract("value", pat, 4).cast("int").alias("status"),
            F.regexp_extract("value", pat, 5).cast("double").alias("rt"),
        ).where(F.col("method") != "")
        path_only = F.split("target", r"\?").getItem(0)
        routes = parsed.select(
            F.concat_ws(" ", "method", F.regexp_replace(path_only, r"/[0-9]+(?=/|$)", "/{id}")).alias("endpoint"),
            "status",
            "rt",
            F.to_timestamp("time", "dd/MMM/yyyy:HH:mm:ss Z").alias("ts"),
        )
        return (
            routes.groupBy("endpoint")
            .agg(
                F.count("*").alias("requests"),
                (100 * F.avg((F.col("status") >= 500).cast("double"))).alias("error_rate_pct"),
                F.percentile_approx(1000 * F.col("rt"), [0.5, 0.95, 0.99], 10000).alias("latency_ms"),
                (1000 * F.avg("rt")).alias("latency_mean_ms"),
                F.min("ts").alias("first"),
                F.max("ts").alias("last"),
            )
            .orderBy("endpoint")
            .toPandas()
        )

    t_ours, a = best_of(reps, ours)
    t_sql, b = best_of(reps, sql)
    same_routes = sorted(a["endpoint"]) == sorted(b["endpoint"])
    m = a.merge(b, on="endpoint", suffixes=("", "_sql"))
    p95_sql = m["latency_ms"].map(lambda q: q[1])
    rel = float(((m["latency_p95_ms"] - p95_sql).abs() / p95_sql).max())
    print(f"    {'':28} {'seconds':>9} {'lines/s':>12}")
    print(f"    {'telecluster.spark':28} {t_ours:9.2f} {n / t_ours:12,.0f}")
    print(f"    {'Spark SQL percentile_approx':28} {t_sql:9.2f} {n / t_sql:12,.0f}")
    print(f"    throughput ratio {t_sql / t_ours:.2f}x; routes {len(a)} vs {len(b)} (same set: {same_routes}); "
          f"largest p95 difference {100 * rel:.2f}% (DDSketch 1% vs percentile_approx)")
    requests_equal = (m["requests"] == m["requests_sql"]).all()
    print(f"    requests per route equal: {requests_equal}")


def kmeans(spark, rows, ks, iters, partitions, reps):
    from pyspark.mllib.common import _py2java, _to_java_object_rdd
    from pyspark.mllib.linalg import _convert_to_vector
    from pyspark.sql import functions as F

    from telecluster.spark import KMeans

    print(f"(b) K-Means, {rows:,} rows x 4 features, {partitions} partitions, tol 0, the same initial centres")
    print(f"    {'':22} {'k':>4} {'s/iteration':>12} {'rows/s/iter':>14} {'inertia':>24} {'iterations':>11}")
    base = np.array([[10, 20, 50, 0.1], [80, 70, 200, 1], [40, 90, 800, 5], [20, 30, 60, 20], [60, 40, 120, 2]], float)
    # Five behaviours with spreads proportional to their level, as fleet telemetry has them.
    g = F.col("id") % 5
    cols = []
    for j in range(4):
        c = F.lit(0.0)
        for i in range(5):
            c = F.when(g == i, F.lit(float(base[i, j]))).otherwise(c)
        cols.append((c + F.randn(seed=j) * (1 + 0.1 * c)).alias(f"f{j}"))
    df = spark.range(rows, numPartitions=partitions).select(*cols).cache()
    df.count()
    rdd = df.rdd.map(lambda r: [r[0], r[1], r[2], r[3]]).cache()
    # MLlib's rows as JVM vectors, converted and cached once, and its KMeans driven through the
    # JVM directly: pyspark's `KMeans.train` converts the Python rows again on every call, whose
    # variable seconds-long cost made the per-iteration figure swing by 5x from run to run.
    jvm = spark.sparkContext._jvm
    vectors = _to_java_object_rdd(rdd.map(_convert_to_vector)).rdd().cache()
    vectors.count()
    for k in ks:
        init = np.array(df.limit(k).toPandas().to_numpy(), dtype=np.float64)
        # Ours, both ways of running the passes: their own wall times, the first left out.
        ours = {}
        for passes in ("stage", "jobs"):
            t = time.perf_counter()
            m = KMeans(k, init=init, max_iter=1 + iters, tol=0.0, passes=passes).fit(df)
            ours[passes] = (m, float(np.median(m._pass_seconds[1:])), time.perf_counter() - t)
        centres = spark.sparkContext._gateway.new_array(jvm.org.apache.spark.mllib.linalg.Vector, k)
        for i, c in enumerate(init):
            centres[i] = _py2java(spark.sparkContext, _convert_to_vector(c))

        def train(n):
            km = jvm.org.apache.spark.mllib.clustering.KMeans().setK(k).setMaxIterations(n).setEpsilon(0.0)
            return km.setInitialModel(jvm.org.apache.spark.mllib.clustering.KMeansModel(centres)).run(vectors)

        # MLlib's: 1 + I iterations against 1 (which leaves out its per-run set-up: the rows'
        # norms), the median of `reps` runs of each, alternated.
        t1, tn = [], []
        for _ in range(reps):
            t1.append(best_of(1, lambda: train(1))[0])
            t, model = best_of(1, lambda: train(1 + iters))
            tn.append(t)
        per_mllib = (float(np.median(tn)) - float(np.median(t1))) / iters
        cost = model.computeCost(vectors)
        for passes, (m, per_ours, total) in ours.items():
            name = f"telecluster ({passes})"
            print(f"    {name:22} {k:4d} {per_ours:12.3f} {rows / per_ours:14,.0f} {m.inertia_:24.6f} {m.n_iter_:11d}"
                  f"   whole fit {total:.1f} s")
        print(f"    {'MLlib KMeans':22} {k:4d} {per_mllib:12.3f} {rows / per_mllib:14,.0f} {cost:24.6f} {1 + iters:11d}"
              f"   whole run of {1 + iters} {float(np.median(tn)):.1f} s")
        for passes, (m, per_ours, _) in ours.items():
            print(f"    per-iteration ratio, {passes}: {per_mllib / per_ours:.2f}x; inertia relative difference "
                  f"{abs(m.inertia_ - cost) / cost:.1e}" + ("" if m.n_iter_ == 1 + iters else
                  f" (telecluster converged exactly after {m.n_iter_} iterations; MLlib ran {1 + iters})"))


def job_floor(spark, reps):
    """What one Spark job costs here before any work: a job over cached markers (as the K-Means
    iterations run one) with no Python, and with a Python task that only counts its input."""
    sc = spark.sparkContext
    markers = sc.parallelize(range(4), 4).map(lambda p: (p, 0, "", b"")).cache().coalesce(sc.defaultParallelism)
    markers.count()

    def times(f):
        out = []
        for _ in range(reps):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
        return f"{min(out):.3f}-{max(out):.3f} s (median {np.median(out):.3f}) over {reps} jobs"

    print("(c) the cost of a job, local: coalesced cached markers, one task per core")
    print("    no Python:            " + times(lambda: markers._jrdd.count()))
    print("    a Python task:        " + times(lambda: markers.mapPartitions(lambda it: [sum(1 for _ in it)]).collect()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", default="bench-data/logs/access-10000000.log")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--k", type=int, nargs="+", default=[5, 20])
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--memory", default="8g")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--skip", choices=["logs", "kmeans"], default=None)
    ap.add_argument("--floor", action="store_true", help="also time empty jobs (what an iteration cannot go below)")
    a = ap.parse_args()
    spark = session(a.cores, a.memory)
    import pyspark

    import telecluster

    print(f"pyspark {pyspark.__version__}, telecluster {telecluster.__version__}, local[{a.cores}]")
    if a.skip != "logs":
        logs(spark, a.log, a.reps)
    if a.skip != "kmeans":
        kmeans(spark, a.rows, a.k, a.iters, a.cores, a.reps)
    if a.floor:
        job_floor(spark, 20)
    spark.stop()


if __name__ == "__main__":
    main()
