"""telecluster.spark on a real Spark (pyspark from PyPI, Spark's own JVM on a Java runtime), run
here on local[2]: log features against the CLI's `ingest logs`, a K-Means fit against the
single-machine fit from the same centres, and a scoring pass against `telecluster score`.

Skipped when pyspark or Java is missing, unless TELECLUSTER_REAL_TESTS=1 (set by .ci/run, which
installs both): then their absence is a failure. The CLI's outputs come from the binary named by
TELECLUSTER_CLI (.ci/run builds it); without it they come from the same library through the
package, and the CLI comparisons are skipped."""

import csv
import gzip
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import telecluster

REAL = os.environ.get("TELECLUSTER_REAL_TESTS") == "1"


def need(what, ok):
    if not ok:
        if REAL:
            pytest.fail(f"TELECLUSTER_REAL_TESTS=1 but {what} is missing")
        pytest.skip(f"{what} is missing (.ci/run installs it)")


@pytest.fixture(scope="module")
def spark():
    try:
        import pyarrow  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError:
        need("pyspark", False)
    need("a Java runtime", shutil.which("java") is not None or os.environ.get("JAVA_HOME"))
    # The workers run this interpreter, which has telecluster and pyarrow.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("telecluster-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def cli():
    path = os.environ.get("TELECLUSTER_CLI")
    if not path:
        need("TELECLUSTER_CLI (the telecluster binary)", False)
    return path


def write_logs(folder, files=3, lines=4000, seed=0):
    """An nginx log over several files (one gzip-compressed, as rotated logs are), with bad
    lines, heavy-tailed times and a few error statuses."""
    rng = np.random.default_rng(seed)
    paths = []
    for f in range(files):
        body = []
        for i in range(lines):
            e = rng.integers(0, 9)
            ms = int(np.exp(rng.normal(np.log(20 * (e + 1)), 1.0)))
            t = 1_700_000_000 + f * lines + i
            stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
            status = 503 if rng.integers(0, 30) == 0 else 200
            body.append(
                f'10.0.{f}.{i % 200} - - [{stamp}] "GET /svc{e}/items/{rng.integers(0, 99999)}?q=1 HTTP/1.1" '
                f'{status} 512 "-" "test" {ms // 1000}.{ms % 1000:03d} -'
            )
            if i % 997 == 0:
                body.append("this is not a log line")
        text = "\n".join(body) + "\n"
        if f == files - 1:
            p = folder / f"access-{f}.log.gz"
            p.write_bytes(gzip.compress(text.encode()))
        else:
            p = folder / f"access-{f}.log"
            p.write_text(text)
        paths.append(p)
    return paths


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("window", [None, "5m"])
def test_log_features_equal_the_single_machine_ones(spark, tmp_path, window):
    from telecluster.spark import features_from_logs

    paths = write_logs(tmp_path)
    lines = spark.read.text([str(p) for p in paths]).repartition(5)
    with pytest.warns(UserWarning, match="could not be read; the first: partition"):
        got = features_from_logs(lines, window=window).toPandas()
    want = telecluster.read_logs(paths, window=window).reset_index()
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    for c in want.columns:
        assert got[c].tolist() == want[c].tolist(), c


def test_log_features_equal_the_cli_s(spark, tmp_path, cli):
    from telecluster.spark import features_from_logs

    paths = write_logs(tmp_path, seed=3)
    out = tmp_path / "cli.csv"
    subprocess.run([cli, "-q", "ingest", "logs", *map(str, paths), "--window", "1m", "-o", str(out)], check=True)
    want = read_csv(out)
    lines = spark.read.text([str(p) for p in paths])
    with pytest.warns(UserWarning):
        got = features_from_logs(lines, window="1m").toPandas()
    assert len(got) == len(want)
    for g, w in zip(got.to_dict("records"), want):
        for c, v in w.items():
            if c in ("endpoint", "window_start"):
                assert g[c] == v, c
            else:
                assert g[c] == float(v), (c, g[c], v)


def test_log_options_are_checked_before_the_job(spark):
    from telecluster.spark import features_from_logs

    lines = spark.createDataFrame([("x",)], "value string")
    with pytest.raises(ValueError, match="window"):
        features_from_logs(lines, window="5 minutes please")
    with pytest.raises(ValueError):
        features_from_logs(lines, format="apache")
    with pytest.raises(ValueError, match="no request could be read"):
        features_from_logs(lines, format="nginx")


def blobs(n=30_000, seed=1):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [6, 0, 1], [0, 7, -2], [5, 5, 5]], float)
    lab = rng.integers(0, 4, n)
    return centres[lab] + rng.normal(size=(n, 3)) * rng.uniform(0.5, 1.5, 4)[lab, None]


def frame(spark, x, partitions=6):
    import pyarrow as pa

    table = pa.table({f"f{j}": x[:, j] for j in range(x.shape[1])})
    return spark.createDataFrame(table).repartition(partitions)


def test_kmeans_equals_the_single_machine_fit_from_the_same_centres(spark):
    from telecluster.spark import KMeans

    x = blobs()
    init = x[[0, 1, 2, 3]].copy()
    dist = KMeans(4, init=init).fit(frame(spark, x))
    local = telecluster.KMeans(4, init=init, n_init=1).fit(x)
    assert dist.converged_
    assert dist.n_iter_ == local.n_iter_
    np.testing.assert_allclose(dist.cluster_centers_, local.cluster_centers_, rtol=1e-9, atol=1e-12)
    assert dist.inertia_ == pytest.approx(local.inertia_, rel=1e-9)
    assert dist.counts_.tolist() == np.bincount(local.labels_, minlength=4).tolist()
    labels = dist.predict(frame(spark, x, partitions=1)).toPandas()["cluster"].to_numpy()
    assert (labels == local.labels_).all()


def test_kmeans_from_a_sample_reaches_the_best_of_ten(spark):
    from telecluster.spark import KMeans

    x = blobs(seed=5)
    dist = KMeans(4, sample_rows=2000, random_state=3).fit(frame(spark, x))
    local = telecluster.KMeans(4, random_state=0).fit(x)
    assert dist.converged_
    # The same optimum, up to where tol stops Lloyd's iterations.
    assert dist.inertia_ == pytest.approx(local.inertia_, rel=1e-5)
    with pytest.raises(ValueError, match="not columns"):
        KMeans(2, features=["nope"]).fit(frame(spark, x))
    with pytest.raises(ValueError, match="n_clusters"):
        KMeans(0).fit(frame(spark, x))


def scratch_folders():
    from pyspark import SparkFiles

    root = SparkFiles.getRootDirectory()
    return sorted(f for f in os.listdir(root) if f.startswith("telecluster-kmeans-"))


def test_kmeans_rows_stay_beside_the_executor_and_are_read_again_when_gone(spark):
    from telecluster.spark import _Resident

    x = blobs(seed=2)
    df = frame(spark, x, partitions=5)
    rows = _Resident(df, ["f0", "f1", "f2"])
    try:
        n, variances = rows.open()
        assert n == x.shape[0]
        np.testing.assert_allclose(variances, x.var(axis=0), rtol=1e-12)
        # One task per core reads the five partitions' files.
        assert rows.tasks.getNumPartitions() == 2
        centres = x[[0, 1, 2, 3]].copy()
        counts, sums, sse = rows.stats(centres)
        assert rows.reread == 0
        assert counts.sum() == x.shape[0]
        # Every file gone, as on an executor that was lost: each partition is read again from the
        # DataFrame, to the same statistics, bit for bit.
        (folder,) = scratch_folders()
        from pyspark import SparkFiles

        shutil.rmtree(os.path.join(SparkFiles.getRootDirectory(), folder))
        again = rows.stats(centres)
        assert rows.reread == 5
        assert again[0].tolist() == counts.tolist()
        assert again[1].tobytes() == sums.tobytes() and again[2].tobytes() == sse.tobytes()
        # Reading a partition again writes its file where the task ran (here, the same machine),
        # so the next pass finds every file.
        rows.stats(centres)
        assert rows.reread == 5
    finally:
        rows.close()
    assert scratch_folders() == []


def test_kmeans_in_one_stage_and_in_a_job_per_pass_give_the_same_bits(spark):
    from telecluster.spark import KMeans

    x = blobs(n=150_000, seed=6)  # two blocks of rows in each partition
    df = frame(spark, x, partitions=2).cache()
    init = x[[0, 1, 2, 3]].copy()
    stage = KMeans(4, init=init, passes="stage").fit(df)
    jobs = KMeans(4, init=init, passes="jobs").fit(df)
    auto = KMeans(4, init=init).fit(df)
    assert (stage._passes_ran, jobs._passes_ran, auto._passes_ran) == ("stage", "jobs", "stage")
    for m in (jobs, auto):
        assert m.cluster_centers_.tobytes() == stage.cluster_centers_.tobytes()
        assert m.inertia_ == stage.inertia_ and m.n_iter_ == stage.n_iter_
        assert m.counts_.tolist() == stage.counts_.tolist()
    local = telecluster.KMeans(4, init=init, n_init=1).fit(x)
    np.testing.assert_allclose(stage.cluster_centers_, local.cluster_centers_, rtol=1e-9, atol=1e-12)
    assert stage.n_iter_ == local.n_iter_
    # More partitions than the two cores: "auto" keeps the rows where they are and runs a job
    # per pass; "stage" deals them out to one task per core first.
    wide = frame(spark, x, partitions=5)
    auto = KMeans(4, init=init).fit(wide)
    dealt = KMeans(4, init=init, passes="stage").fit(wide)
    assert (auto._passes_ran, dealt._passes_ran) == ("jobs", "stage")
    for m in (auto, dealt):
        np.testing.assert_allclose(m.cluster_centers_, local.cluster_centers_, rtol=1e-9, atol=1e-12)
        assert m.counts_.tolist() == stage.counts_.tolist()
    with pytest.raises(ValueError, match="passes must be"):
        KMeans(4, passes="fast").fit(df)
    assert scratch_folders() == []


def test_the_stage_ignores_a_connection_without_the_fit_s_secret(spark):
    import socket

    from telecluster import _spark_gang as gang

    x = blobs(n=2000, seed=8)
    g = gang.Gang(frame(spark, x, partitions=2), ["f0", "f1", "f2"], "127.0.0.1")
    try:
        with socket.create_connection(g.address) as rogue:
            rogue.sendall(b"\x30" + b"\0" * 7 + b"x" * 48)  # a hello with the wrong secret
            n, variances = g.open()
            assert rogue.recv(1) == b""  # closed by the driver
        assert n == 2000
        counts, _, _ = g.stats(x[:3].copy())
        assert counts.sum() == 2000
    finally:
        g.close()
    assert not g.thread.is_alive()


def test_a_stage_that_loses_its_tasks_is_restarted_and_ends_where_it_would_have(spark):
    # A session of its own (this one does not retry tasks), in its own process.
    script = os.path.join(os.path.dirname(__file__), "spark_restart.py")
    run = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "restarted" in run.stdout


def test_kmeans_leaves_no_scratch_files_and_names_a_bad_value(spark):
    from telecluster.spark import KMeans

    x = blobs(seed=4)
    KMeans(3, n_init=1).fit(frame(spark, x))
    assert scratch_folders() == []
    x[17, 1] = np.nan
    with pytest.raises(Exception, match="'f1' has a missing or non-finite value"):
        KMeans(3).fit(frame(spark, x))
    assert scratch_folders() == []
    with pytest.raises(ValueError, match="no rows"):
        KMeans(3).fit(frame(spark, x[:0]))
    assert scratch_folders() == []


def test_scoring_equals_telecluster_score(spark, tmp_path, cli):
    from telecluster.spark import score

    x = blobs(n=3000, seed=7)
    x[:5] += 30  # far from every group: trained without them, scored with them
    data, train = tmp_path / "hosts.csv", tmp_path / "train.csv"
    for path, rows in ((data, range(len(x))), (train, range(5, len(x)))):
        with open(path, "w") as f:
            f.write("host,cpu,mem,disk\n")
            for i in rows:
                f.write(f"h{i},{float(x[i, 0])!r},{float(x[i, 1])!r},{float(x[i, 2])!r}\n")
    model = tmp_path / "model.json"
    scored = tmp_path / "scored.csv"
    subprocess.run([cli, "-q", "kmeans", str(train), "--k", "4", "--save-model", str(model)], check=True)
    subprocess.run([cli, "-q", "score", str(data), "--model", str(model), "-o", str(scored)], check=True)
    want = read_csv(scored)
    df = spark.read.csv(str(data), header=True, inferSchema=True)
    got = score(df, str(model)).orderBy("host").toPandas().set_index("host")
    assert len(got) == len(want) == 3000
    for w in want:
        g = got.loc[w["host"]]
        assert str(int(g["cluster"])) == w["cluster"]
        assert g["score"] == pytest.approx(float(w["score"]), rel=1e-12)
        assert bool(g["anomalous"]) == (w["anomalous"] == "true")
    assert got["anomalous"].sum() >= 5


def test_scoring_with_a_loaded_dbscan_model_marks_noise(spark, tmp_path):
    import pandas as pd

    from telecluster.spark import score

    x = blobs(n=2000, seed=11)
    x[:3] += 40
    names = ["cpu", "mem", "disk"]
    path = tmp_path / "m.json"
    telecluster.analyse(pd.DataFrame(x, columns=names)).save_model(path, method="dbscan")
    model = telecluster.load_model(path)
    got = score(frame(spark, x).toDF(*names), model).toPandas()
    want = model.score(pd.DataFrame(got[names].to_numpy(), columns=names))
    assert got["cluster"].isna().sum() >= 3
    np.testing.assert_allclose(got["score"].to_numpy(), want["score"].to_numpy(), rtol=1e-12)
