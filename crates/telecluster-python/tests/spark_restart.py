"""A K-Means fit whose barrier stage loses its tasks part way: Spark restarts the stage and the fit
ends where an undisturbed one does, bit for bit. Its own process, because it needs a session
that retries tasks (local[2,2]); run by test_spark.py."""
import os
import signal
import sys

import numpy as np

os.environ["PYSPARK_PYTHON"] = sys.executable
import pyarrow as pa
from pyspark.sql import SparkSession

from telecluster import _spark_gang as gang
from telecluster.spark import KMeans


def descendants(pid):
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


s = (SparkSession.builder.master("local[2,2]").config("spark.ui.enabled", "false")
     .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1").getOrCreate())
s.sparkContext.setLogLevel("OFF")
rng = np.random.default_rng(3)
x = rng.normal(size=(40000, 3)) + rng.integers(0, 4, 40000)[:, None] * 3.0
df = s.createDataFrame(pa.table({f"f{j}": x[:, j] for j in range(3)})).repartition(2).cache()
df.count()
init = x[:4].copy()
whole = KMeans(4, init=init, passes="stage").fit(df)

passes = {"n": 0, "killed": 0}
stats = gang.Gang.stats


def losing(self, centres):
    # Before the second pass, as a lost executor would: the tasks die mid-fit.
    passes["n"] += 1
    if passes["n"] == 2:
        # Every Python worker forked by Spark's daemon, the stage's two tasks among them.
        daemons = [p for p in descendants(os.getpid()) if "pyspark.daemon" in cmdline(p)]
        for d in daemons:
            for w in descendants(d):
                os.kill(w, signal.SIGKILL)
                passes["killed"] += 1
    return stats(self, centres)


gang.Gang.stats = losing
again = KMeans(4, init=init, passes="stage").fit(df)
assert passes["killed"] >= 2, passes
assert again._passes_ran == "stage"
assert again.cluster_centers_.tobytes() == whole.cluster_centers_.tobytes(), (again.cluster_centers_, whole.cluster_centers_)
assert again.n_iter_ == whole.n_iter_ and again.inertia_ == whole.inertia_
print("restarted", passes, whole.n_iter_)
s.stop()
