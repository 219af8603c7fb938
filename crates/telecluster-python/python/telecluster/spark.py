"""telecluster inside Apache Spark: access logs aggregated where they are stored, K-Means fitted
over a table spread across executors, and saved models applied to every row.

Each step runs telecluster's Rust code inside Spark's Python workers through ``mapInArrow``
(Arrow batches in, Arrow batches out, no row-by-row Python), and what crosses the network is
telecluster's mergeable state: per-endpoint log statistics (counts, sums and a quantile sketch,
merged exactly by key), and per-centre K-Means sums (merged on the driver). So the results equal
the single-machine ones: ``features_from_logs`` gives ``telecluster ingest logs``' table,
:class:`KMeans` converges where :class:`telecluster.KMeans` does from the same centres, and
:func:`score` gives ``telecluster score``'s clusters and scores.

Every executor needs the ``telecluster`` wheel installed (see the README, "On Apache Spark").
pyspark (4.0 or later, for ``applyInArrow``) and pyarrow are needed only for this module.
"""

import os
import time
import warnings

import numpy as np

from . import _native
from . import _spark_gang as _gang

__all__ = ["KMeans", "features_from_logs", "score"]

_PARTIAL_SCHEMA = (
    "endpoint string, window long, state binary, lines long, requests long, bad long, "
    "first long, last long, first_bad string, format string"
)


def _lines_of(column):
    """A pyarrow string column as (bytes, int64 offsets), without copying the text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.null_count:
        column = pc.fill_null(column, "")
    if pa.types.is_large_string(column.type) or pa.types.is_large_binary(column.type):
        width = np.int64
    elif pa.types.is_string(column.type) or pa.types.is_binary(column.type):
        width = np.int32
    else:
        raise TypeError(f"the log lines must be a string column, got {column.type}")
    _, offsets, data = column.buffers()
    n = len(column)
    offsets = np.frombuffer(offsets, dtype=width, count=n + 1, offset=column.offset * np.dtype(width).itemsize)
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return data, offsets.astype(np.int64)


def features_from_logs(
    lines,
    *,
    column="value",
    format="auto",
    log_format=None,
    json_fields=None,
    window=None,
    errors="5xx",
    route_map=None,
    strict=False,
):
    """Per-endpoint (or per endpoint and window) features from a Spark DataFrame of log lines,
    equal row for row to ``telecluster ingest logs`` (and :func:`telecluster.read_logs`) on the
    same lines.

    Each partition's lines are parsed and counted by telecluster's parser into per-endpoint
    state; the states are merged by (endpoint, window) across the cluster with
    ``groupBy().applyInArrow``, exactly (counts, sums and sketches of integers); the merged
    states, one per feature row, come to the driver, which computes the features.

    Parameters
    ----------
    lines : pyspark.sql.DataFrame
        One log line per row, e.g. ``spark.read.text("s3://bucket/logs/*.gz")``.
    column : str, default="value"
        The column holding the lines.
    format, log_format, json_fields, window, errors, strict
        As :func:`telecluster.read_logs`. ``format="auto"`` recognises the format in each
        partition from its first lines.
    route_map : str or path, optional
        A file of route templates, read on the driver and shipped to the executors.

    Returns
    -------
    pyspark.sql.DataFrame
        ``endpoint``, ``window_start`` (with ``window``) and the feature columns, sorted by
        endpoint and window. Bad lines are counted and reported in a warning (with the first
        one), or raise with ``strict=True``.
    """
    import pyarrow as pa

    routes = None
    if route_map is not None:
        with open(os.fspath(route_map), encoding="utf-8") as f:
            routes = f.read()
    # Options are checked here, before any executor parses a line.
    seconds = _native.log_window_seconds(format, log_format, json_fields, window, errors, routes, bool(strict))
    options = (format, log_format, json_fields, window, errors, routes, bool(strict))
    spark = lines.sparkSession

    def count(batches):
        from pyspark import TaskContext

        ctx = TaskContext.get()
        source = f"partition {ctx.partitionId()}" if ctx is not None else "partition"
        agg = _native.LogAggregator(*options, source)
        for batch in batches:
            data, offsets = _lines_of(batch.column(0))
            agg.add(data, offsets)
        endpoints, windows, states, (n_lines, n_requests, n_bad), span, first_bad, fmt = agg.finish()
        first, last = span if span is not None else (None, None)
        n = len(endpoints)
        none = [None] * n
        yield pa.RecordBatch.from_pydict(
            {
                "endpoint": endpoints + [None],
                "window": list(windows) + [None],
                "state": states + [None],
                "lines": none + [n_lines],
                "requests": none + [n_requests],
                "bad": none + [n_bad],
                "first": none + [first],
                "last": none + [last],
                "first_bad": none + [first_bad],
                "format": none + [fmt],
            },
            schema=_arrow_schema(),
        )

    def merge(table):
        state = _native.logs_merge(table.column("state").to_pylist())
        return pa.table(
            {
                "endpoint": table.column("endpoint").slice(0, 1),
                "window": table.column("window").slice(0, 1),
                "state": pa.array([state], type=pa.binary()),
            }
        )

    partial = lines.select(column).mapInArrow(count, _PARTIAL_SCHEMA).persist()
    try:
        merged = (
            partial.where("endpoint IS NOT NULL")
            .groupBy("endpoint", "window")
            .applyInArrow(merge, "endpoint string, window long, state binary")
            .toArrow()
        )
        meta = partial.where("endpoint IS NULL").toArrow().to_pydict()
    finally:
        partial.unpersist()
    n_lines, n_requests, n_bad = (sum(v or 0 for v in meta[c]) for c in ("lines", "requests", "bad"))
    firsts = [v for v in meta["first"] if v is not None]
    lasts = [v for v in meta["last"] if v is not None]
    span = (min(firsts), max(lasts)) if firsts else None
    bad_shown = [v for v in meta["first_bad"] if v]
    if merged.num_rows == 0:
        raise ValueError(
            f"no request could be read from {n_lines} lines ({n_bad} bad"
            + (f"; the first: {bad_shown[0]}" if bad_shown else "")
            + ")"
        )
    if n_bad:
        warnings.warn(
            f"{n_bad} of {n_lines} log lines could not be read; the first: {bad_shown[0]}",
            stacklevel=2,
        )
    features, x, ids, carried, _ = _native.logs_features(
        merged.column("endpoint").to_pylist(),
        merged.column("window").to_pylist(),
        merged.column("state").to_pylist(),
        span,
        seconds,
        "spark",
    )
    columns = {}
    if ids is not None:
        columns[ids[0]] = pa.array(ids[1], type=pa.string())
    for name, values in carried:
        columns[name] = pa.array(values, type=pa.string())
    x = np.asarray(x)
    for j, name in enumerate(features):
        columns[name] = pa.array(x[:, j])
    return spark.createDataFrame(pa.table(columns))


def _arrow_schema():
    import pyarrow as pa

    return pa.schema(
        [
            ("endpoint", pa.string()),
            ("window", pa.int64()),
            ("state", pa.binary()),
            ("lines", pa.int64()),
            ("requests", pa.int64()),
            ("bad", pa.int64()),
            ("first", pa.int64()),
            ("last", pa.int64()),
            ("first_bad", pa.string()),
            ("format", pa.string()),
        ]
    )


def _matrix(batch, names):
    """The named columns of an Arrow batch as a C-contiguous float64 matrix."""
    cols = []
    for name in names:
        c = batch.column(name).to_numpy(zero_copy_only=False)
        cols.append(np.asarray(c, dtype=np.float64))
    if not cols:
        return np.zeros((batch.num_rows, 0))
    return np.ascontiguousarray(np.column_stack(cols))


def _numeric_columns(df):
    from pyspark.sql.types import NumericType

    return [f.name for f in df.schema.fields if isinstance(f.dataType, NumericType)]


class KMeans:
    """K-Means over a Spark DataFrame: Lloyd's iterations with the rows where they are.

    The feature columns are read once. Where Spark can run it, one barrier stage holds the rows
    for the whole fit (``passes="stage"``): each task keeps its partition's rows mapped from a
    scratch file, and each iteration is the driver sending the centres to the tasks over a
    socket and getting back telecluster's per-centre statistics (count, sum, squared distances:
    a few hundred bytes per block of 65,536 rows), not a Spark job. Otherwise
    (``passes="jobs"``) each partition's rows stay in a file beside its executor, and each
    iteration is one Spark job of one task per core that maps them; a partition whose file is
    not where its task ran is read again from the DataFrame. Either way the driver merges the
    statistics in block order, so the result does not depend on where tasks ran, and the
    stopping rule is scikit-learn's (squared centre shift at most ``tol`` times the mean
    feature variance, or no shift at all): on data that fits one machine the result equals
    :class:`telecluster.KMeans` from the same starting centres.

    Features are used as they are (no scaling), as in scikit-learn; scale them beforehand when
    their units differ.

    Parameters
    ----------
    n_clusters : int, default=8
    init : "k-means++" or array of shape (n_clusters, n_features), default="k-means++"
        "k-means++": the centres of a :class:`telecluster.KMeans` fit (k-means++ starts,
        ``n_init`` of them, Lloyd and Hartigan refinement) on a seeded sample of at most
        ``sample_rows`` rows collected to the driver; an array is used as given.
    n_init : int, default=10
        Starts of the sample's fit.
    max_iter : int, default=300
        Iterations (passes over the rows).
    tol : float, default=1e-4
    random_state : int, default=0
    sample_rows : int, default=100_000
    features : list of str, optional
        The feature columns (default: every numeric column).
    passes : {"auto", "stage", "jobs"}, default="auto"
        How the iterations run. "stage": one barrier stage for the whole fit, whose tasks (one
        per partition, all running at once) hold the rows and answer each iteration's centres
        over a socket to the driver: an iteration costs its arithmetic, where a Spark job costs
        0.1-0.2 s before any work. A DataFrame with more partitions than the cluster has task
        slots is repartitioned for it first (a shuffle of every row, once). "jobs": the rows
        kept in files beside the executors, one Spark job per iteration; for clusters that
        cannot run a barrier stage (dynamic allocation). "auto": "stage" when the DataFrame
        has at most as many partitions as there are task slots and Spark can run it, else
        "jobs" (``df.repartition(cores)``, cached, makes room for "stage"). On the same
        partitions both give the same statistics, bit for bit.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    counts_ : ndarray of shape (n_clusters,)
        Rows per cluster.
    inertia_ : float
        Sum of squared distances of every row to its centre.
    n_iter_ : int
    converged_ : bool
    features_ : list of str
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init=10, max_iter=300, tol=1e-4,
                 random_state=0, sample_rows=100_000, features=None, passes="auto"):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.sample_rows = sample_rows
        self.features = features
        self.passes = passes

    def fit(self, df):
        """Fit on every row of ``df`` (a Spark DataFrame).

        Returns
        -------
        self : KMeans
        """
        from ._kmeans import KMeans as LocalKMeans

        k = int(self.n_clusters)
        if k < 1:
            raise ValueError(f"n_clusters must be >= 1, got {self.n_clusters!r}")
        if int(self.max_iter) < 1:
            raise ValueError(f"max_iter must be >= 1, got {self.max_iter!r}")
        if not float(self.tol) >= 0:
            raise ValueError(f"tol must be >= 0, got {self.tol!r}")
        if self.passes not in ("auto", "stage", "jobs"):
            raise ValueError(f"passes must be 'auto', 'stage' or 'jobs', got {self.passes!r}")
        if isinstance(self.init, str) and self.init != "k-means++":
            raise ValueError(f"init must be 'k-means++' or an array, got {self.init!r}")

        names = list(self.features) if self.features is not None else _numeric_columns(df)
        if not names:
            raise ValueError("no numeric feature column in the DataFrame; name them with features=")
        missing = [n for n in names if n not in df.columns]
        if missing:
            raise ValueError(f"features {missing} are not columns of the DataFrame (its columns: {df.columns})")
        self.features_ = names
        data = df.select(*names)
        if isinstance(self.init, str):
            n = data.count()
            if n == 0:
                raise ValueError("the DataFrame has no rows")
            sample = self._sample(data, n)
            if sample.shape[0] < k:
                raise ValueError(f"n_samples={sample.shape[0]} should be >= n_clusters={k}.")
            local = LocalKMeans(k, n_init=int(self.n_init), random_state=int(self.random_state))
            centres = local.fit(sample).cluster_centers_
        else:
            centres = np.ascontiguousarray(self.init, dtype=np.float64)
            if centres.shape != (k, len(names)):
                raise ValueError(f"init should have shape ({k}, {len(names)}), got {centres.shape}")
        rows, n, variances = _open_rows(data, names, self.passes)
        try:
            if n == 0:
                raise ValueError("the DataFrame has no rows")
            abs_tol = float(self.tol) * float(np.mean(variances))
            centres, stats, n_iter, converged, seconds = _lloyd(rows.stats, centres, abs_tol, int(self.max_iter))
            self._pass_seconds = seconds
            self._passes_ran = "stage" if isinstance(rows, _gang.Gang) else "jobs"  # for tests
        finally:
            rows.close()
        self.cluster_centers_ = centres
        self.counts_ = stats[0]
        self.inertia_ = float(stats[1].sum())
        self.n_iter_ = n_iter
        self.converged_ = converged
        return self

    def _sample(self, data, n):
        fraction = min(1.0, 1.1 * int(self.sample_rows) / n)
        rows = data.sample(fraction=fraction, seed=int(self.random_state)).limit(int(self.sample_rows))
        # Checked as every row is when the fit reads them, for the same message.
        return _gang.checked(rows.toArrow(), self.features_)

    def predict(self, df, *, output_col="cluster"):
        """``df`` with the nearest centre of each row in ``output_col`` (int)."""
        import pyarrow as pa

        names = list(self.features_)
        centres = self.cluster_centers_

        def assign(batches):
            for batch in batches:
                labels, _ = _native.kmeans_assign(centres, _matrix(batch, names))
                yield _append(batch, {output_col: pa.array(labels.astype(np.int32))})

        return df.mapInArrow(assign, _schema_with(df, [(output_col, "int")]))


def _open_rows(data, names, passes):
    """The fit's rows, read once and held for its passes: in one gang-scheduled stage where Spark
    can run one (``passes="stage"``), else as files beside the executors, one job per pass
    (``"jobs"``). Returns (rows, number of rows, column variances)."""
    sc = data.sparkSession.sparkContext
    if passes in ("auto", "stage"):
        n_slots = _gang.slots(sc)
        if n_slots is None:
            if passes == "stage":
                raise RuntimeError(
                    "Spark cannot run a barrier stage here (dynamic allocation is on, or no executor has registered yet)"
                )
        else:
            # A barrier stage needs a task per partition running at once, and no narrowing
            # (coalesce) inside it. Rows are not moved to make it fit unless asked: Spark SQL's
            # repartition (sorted first, so the same rows land in the same places) costs more
            # than the passes it saves on a short fit (10M x 4 rows on local[2]: 10-19 s).
            parts = data.rdd.getNumPartitions()
            tries = [data] if parts <= n_slots else []
            if passes == "stage":
                tries.append(data.repartition(min(parts, n_slots)))
            unavailable = f"{parts} partitions, {n_slots} task slots"
            for attempt in tries:
                gang = None
                try:
                    gang = _gang.Gang(attempt, names, sc.getConf().get("spark.driver.host", "127.0.0.1"))
                    n, variances = gang.open()
                    return gang, n, variances
                except _gang.Unavailable as e:
                    gang.close()
                    unavailable = e
                except BaseException:
                    if gang is not None:
                        gang.close()
                    raise
            if passes == "stage":
                raise RuntimeError(f"Spark cannot run the fit's barrier stage here: {unavailable}") from None
    rows = _Resident(data, names)
    try:
        n, variances = rows.open()
    except BaseException:
        rows.close()
        raise
    return rows, n, variances


_RESIDENT_SCHEMA = "part long, rows long, folder string, moments binary"


class _Resident:
    """A fit's rows, kept between iterations where they were read.

    Spark hands a Python worker its input through a socket, so reading cached rows costs a
    copy of every byte on every pass: measured on 10M rows x 4 features (local[2]), 0.4 s per
    pass from blocks of bytes cached by Spark, 1.3-1.6 s from a cached DataFrame through
    ``mapInArrow``. Here the first pass writes each partition's rows to a file beside the
    executor and Spark caches only a marker naming it; the marker's cached block ties the
    partition's later tasks to that executor, and the worker reads the file from the page
    cache. Correctness never rests on the file: a task that does not find it reports the
    partition, which is then read again from the DataFrame (Spark's own recovery of a lost
    cached block, by lineage).
    """

    def __init__(self, data, names):
        import uuid

        self.data = data
        self.names = list(names)
        # A new folder per fit: fits never read each other's files.
        self.fit_id = uuid.uuid4().hex
        self.markers = None
        self.tasks = None
        self.reread = 0

    def _written(self):
        """The partitions written to files; one marker row each."""
        return self.data.mapInArrow(_writer(self.names, self.fit_id), _RESIDENT_SCHEMA).rdd.map(tuple)

    def open(self):
        """The first pass: write every partition; returns (rows, column variances)."""
        from pyspark import StorageLevel

        self.markers = self._written().persist(StorageLevel.MEMORY_AND_DISK)
        got = sorted(self.markers.collect())
        n, variances = _gang.variances([item for _, _, _, m in got for item in _gang.decode_items(m)])
        if n == 0:
            return 0, None
        tasks = max(1, min(len(got), self.markers.context.defaultParallelism))
        # One task per core, not per partition: a Python task costs tens of milliseconds
        # however little it reads. coalesce groups partitions by where their markers are.
        self.tasks = self.markers.coalesce(tasks)
        return n, variances

    def stats(self, centres):
        """The merged K-Means statistics of every row against ``centres``, as arrays."""
        d = len(self.names)
        got = dict(self.tasks.mapPartitions(_part_stats(centres, d)).collect())
        missing = sorted(p for p, s in got.items() if s is None)
        if missing:
            self.reread += len(missing)
            sc = self.markers.context
            again = sc.runJob(self._written().mapPartitions(_part_stats(centres, d)), lambda it: it, missing)
            got.update(again)
            if any(got[p] is None for p in missing):
                raise RuntimeError(f"partitions {missing} could not be read again from the DataFrame")
        return _gang.merge([item for p in got for item in got[p]])

    def close(self):
        """Deletes the files and the cached markers. Best effort: the files are in the
        application's scratch directory, which Spark removes with the application."""
        import shutil

        from pyspark import SparkFiles

        if self.markers is None:
            return
        try:
            if self.tasks is not None:
                self.tasks.mapPartitions(_remove_parts).collect()
        except Exception as e:  # noqa: BLE001 - the fit's result does not depend on it
            warnings.warn(f"telecluster.spark.KMeans: could not remove its scratch files: {e}", stacklevel=3)
        finally:
            self.markers.unpersist()
            self.markers = None
            # In local mode the executors' folder is the driver's: this also clears what a
            # failed first pass left.
            shutil.rmtree(os.path.join(SparkFiles.getRootDirectory(), f"telecluster-kmeans-{self.fit_id}"),
                          ignore_errors=True)


def _part_path(folder, part):
    return os.path.join(folder, f"part-{part:05d}.f64")


def _writer(names, fit_id):
    """The first pass over a partition (``mapInArrow``): its feature rows, written as float64
    to a file, and one marker row naming the file with the column moments of its blocks."""
    d = len(names)

    def write(batches):
        import pyarrow as pa
        from pyspark import SparkFiles, TaskContext

        part = TaskContext.get().partitionId()
        folder = os.path.join(SparkFiles.getRootDirectory(), f"telecluster-kmeans-{fit_id}")
        os.makedirs(folder, exist_ok=True)
        path = _part_path(folder, part)
        # A task run twice (a retry, a recomputed marker) writes the same bytes; the rename
        # makes sure no reader ever sees half of them.
        tmp = f"{path}.{os.getpid()}.tmp"
        rows = 0
        try:
            with open(tmp, "wb") as f:
                for batch in batches:
                    x = _gang.checked(batch, names)
                    if x.shape[0] == 0:
                        continue
                    f.write(memoryview(x).cast("B"))
                    rows += x.shape[0]
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        moments = _gang.encode_items(_gang.block_moments(_open_part(folder, part, rows, d), part) if rows else [])
        schema = pa.schema([("part", pa.int64()), ("rows", pa.int64()), ("folder", pa.string()),
                            ("moments", pa.binary())])
        yield pa.RecordBatch.from_pydict(
            {"part": [part], "rows": [rows], "folder": [folder], "moments": [moments]}, schema=schema)

    return write


def _open_part(folder, part, rows, d):
    """A written partition's rows (mapped, not copied), or None when its file is not here."""
    path = _part_path(folder, part)
    try:
        if os.path.getsize(path) != rows * d * 8:
            return None
    except OSError:
        return None
    return np.memmap(path, dtype=np.float64, mode="r", shape=(rows, d))


def _part_stats(centres, d):
    """Per marker: (partition, its blocks' K-Means statistics against ``centres``, or None when
    its file is not on this executor)."""

    def stats(markers):
        for part, rows, folder, _ in markers:
            if rows == 0:
                continue
            x = _open_part(folder, part, rows, d)
            yield part, None if x is None else list(_gang.block_stats(centres, x, part))

    return stats


def _remove_parts(markers):
    import shutil

    folders = set()
    for part, _, folder, _ in markers:
        folders.add(folder)
        try:
            os.remove(_part_path(folder, part))
        except OSError:
            pass
    for folder in folders:
        # Other tasks' files may still be in it; the last one out removes it.
        if os.path.isdir(folder) and not os.listdir(folder):
            shutil.rmtree(folder, ignore_errors=True)
    return iter(())


def _schema_with(df, columns):
    """``df``'s schema with the columns added (a new schema: ``df.schema`` is not changed)."""
    from pyspark.sql.types import BooleanType, DoubleType, IntegerType, StructField, StructType

    types = {"int": IntegerType(), "double": DoubleType(), "boolean": BooleanType()}
    taken = [c for c, _ in columns if c in df.columns]
    if taken:
        raise ValueError(f"the DataFrame already has columns {taken}")
    return StructType(list(df.schema.fields) + [StructField(c, types[t], True) for c, t in columns])


def _lloyd(one_pass, centres, abs_tol, max_iter):
    """Lloyd's iterations from ``centres`` with scikit-learn's stopping rule (a squared shift
    of the centres of at most ``abs_tol``, or none at all), given a pass (``one_pass(centres)``
    returns the merged (counts, sums, squared distances) of every row); returns (centres,
    (counts, squared distances) of the rows against them, iterations, converged, each pass's
    seconds)."""
    seconds = []

    def timed(c):
        start = time.perf_counter()
        out = one_pass(c)
        seconds.append(time.perf_counter() - start)
        return out

    converged = False
    n_iter = 0
    stats = None
    while n_iter < max_iter:
        counts, sums, sse = timed(centres)
        n_iter += 1
        moved = counts > 0
        new = centres.copy()
        new[moved] = sums[moved] / counts[moved, None]
        shift = float(((new - centres) ** 2).sum())
        if shift == 0.0:
            # The rows' assignment to the new centres is the one just made.
            stats = (counts, sse)
            converged = True
            break
        centres = new
        if shift <= abs_tol:
            converged = True
            break
    if stats is None:
        counts, _, sse = timed(centres)
        stats = (counts, sse)
    return centres, stats, n_iter, converged, seconds


def _append(batch, columns):
    import pyarrow as pa

    arrays = list(batch.columns) + list(columns.values())
    names = list(batch.schema.names) + list(columns)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def score(df, model, *, features=None):
    """``df`` with every row scored against a saved model (``--save-model``,
    :meth:`telecluster.Analysis.save_model` or ``Model``), as ``telecluster score`` scores it:
    ``cluster`` (int, null for DBSCAN noise), ``score`` (double) and ``anomalous`` (boolean).

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        Holds the model's feature columns, by name.
    model : str, path or telecluster.Model
        A model file, or a loaded model.
    features : dict of str to str, optional
        Model feature name to DataFrame column, where they differ.
    """
    import pyarrow as pa

    text, source = _model_text(model)
    names, _ = _native.model_info(text, source)
    columns = [dict(features or {}).get(n, n) for n in names]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{source}: the model's features {missing} are not columns of the DataFrame")

    def apply(batches):
        for batch in batches:
            cluster, s, anomalous = _native.model_score_arrays(text, source, _matrix(batch, columns), names)
            yield _append(
                batch,
                {
                    "cluster": pa.array(cluster, mask=cluster < 0).cast(pa.int32()),
                    "score": pa.array(s),
                    "anomalous": pa.array(anomalous),
                },
            )

    schema = _schema_with(df, [("cluster", "int"), ("score", "double"), ("anomalous", "boolean")])
    return df.mapInArrow(apply, schema)


def _model_text(model):
    from ._analysis import Model

    if isinstance(model, Model):
        return model._text, model._source
    path = os.fspath(model)
    with open(path, encoding="utf-8") as f:
        return f.read(), path
