#!/usr/bin/env python3
"""telecluster.spark against Spark's own tools, on local[N], in one run.

(a) Access-log lines to per-route features: telecluster.spark.features_from_logs against the
    same aggregation written in Spark SQL (regexp_extract, ids folded by regexp_replace, then
    per route: count, error rate, percentile_approx of the request time at 0.5/0.95/0.99 and the
    mean). Both read the same file with Spark's text reader and collect the result.
(b) K-Means on N rows x 4 features: telecluster.spark.KMeans against Spark
    MLlib's KMeans (pyspark.mllib, the API that takes initial centres), same k, same initial
    centres, tol 0, 1 + I iterations at most. Per-iteration time: for telecluster the median
    wall time of its passes after the first (the first also loads the rows); for MLlib
    (time of 1 + I iterations - time of 1 iteration) / I, so its one-time conversion of the rows
    to JVM vectors is left out. The inertia reached is printed for both.

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
    from pyspark.mllib.clustering import KMeans as MLlibKMeans
    from pyspark.mllib.clustering import KMeansModel as MLlibModel
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
    rdd.count()
    for k in ks:
        init = np.array(df.limit(k).toPandas().to_numpy(), dtype=np.float64)
        # Ours: the passes' own wall times, the first (which also loads the rows) left out.
        m = KMeans(k, init=init, max_iter=1 + iters, tol=0.0).fit(df)
        per_ours = float(np.median(m._pass_seconds[1:]))
        # MLlib's: 1 + I iterations against 1, so the rows' conversion to JVM vectors is left
        # out; the best of `reps` of each, as its times vary from run to run.
        def train(n):
            return MLlibKMeans.train(rdd, k, maxIterations=n, initialModel=MLlibModel(init.tolist()), epsilon=0.0)

        t1, _ = best_of(reps, lambda: train(1))
        tn, model = best_of(reps, lambda: train(1 + iters))
        per_mllib = (tn - t1) / iters
        cost = model.computeCost(rdd)
        print(f"    {'telecluster.spark':22} {k:4d} {per_ours:12.3f} {rows / per_ours:14,.0f} {m.inertia_:24.6f} {m.n_iter_:11d}")
        print(f"    {'MLlib KMeans':22} {k:4d} {per_mllib:12.3f} {rows / per_mllib:14,.0f} {cost:24.6f} {1 + iters:11d}")
        print(f"    per-iteration ratio {per_mllib / per_ours:.2f}x; inertia relative difference "
              f"{abs(m.inertia_ - cost) / cost:.1e}" + ("" if m.n_iter_ == 1 + iters else
              f" (telecluster converged exactly after {m.n_iter_} iterations; MLlib ran {1 + iters})"))


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
    a = ap.parse_args()
    spark = session(a.cores, a.memory)
    import pyspark

    import telecluster

    print(f"pyspark {pyspark.__version__}, telecluster {telecluster.__version__}, local[{a.cores}]")
    if a.skip != "logs":
        logs(spark, a.log, a.reps)
    if a.skip != "kmeans":
        kmeans(spark, a.rows, a.k, a.iters, 2 * a.cores, a.reps)
    spark.stop()


if __name__ == "__main__":
    main()
