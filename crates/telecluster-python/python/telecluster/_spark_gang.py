"""K-Means passes on Spark in one gang-scheduled stage: the rows are read once, and each Lloyd
iteration is a message to the tasks and their statistics back, not a Spark job.

A Spark job costs 0.1-0.2 s on local[2] before any work (``bench/spark.py --floor``), as much as
a whole pass over 10M rows; at small k that cost, paid every iteration, is most of a fit. Here
one barrier stage (every task started together, or none) holds the rows for the whole fit: each
task reads its partition once (``mapInArrow``) into a scratch file it maps, connects to a
coordinator on the driver over TCP, and answers each message of centres with the statistics of
each block of :data:`BLOCK_ROWS` rows. The driver merges
them in block order, so the result does not depend on which task held which block, and a stage
that Spark restarts (a lost task restarts every task of a barrier stage) only repeats the pass in
progress. Where Spark cannot run a barrier stage (dynamic allocation, fewer slots than tasks),
:func:`run` says so and the caller runs one job per pass instead.

The wire format is telecluster's own (lengths, integers, float64 and the statistics' bytes),
never pickle: what arrives on the driver's port is parsed, not executed, and a connection must
first present the fit's 32-byte secret.
"""

import hmac
import os
import secrets
import socket
import struct

import numpy as np

from . import _native

#: Rows per block: the unit of the statistics and of their merge order.
BLOCK_ROWS = 65536

# Formats, not struct.Struct objects: the task's closure is pickled, and those cannot be.
_HELLO = "<32sqq"  # secret, stage attempt, task
_ITEM = "<qqq"  # partition, block, bytes that follow


class Unavailable(Exception):
    """Spark would not run the barrier stage here."""


def checked(batch, names):
    """The named columns of an Arrow batch or table as a float64 matrix; an error names the
    first column with a missing or non-finite value."""
    from .spark import _matrix

    x = _matrix(batch, names)
    if not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"column {names[bad[1]]!r} has a missing or non-finite value")
    return x


def block_stats(centres, x, part):
    """(key, statistics) of each :data:`BLOCK_ROWS`-row slice of a partition's rows ``x``."""
    for i, start in enumerate(range(0, x.shape[0], BLOCK_ROWS)):
        yield (part, i), _native.kmeans_stats(centres, x[start:start + BLOCK_ROWS])


def block_moments(x, part):
    """(key, column moments) of each :data:`BLOCK_ROWS`-row slice of a partition's rows ``x``:
    the same slices as :func:`block_stats`, so that every way of running the passes merges the
    same moments in the same order and reaches the same tolerance, bit for bit."""
    return [((part, i), _native.moments(x[s:s + BLOCK_ROWS])) for i, s in enumerate(range(0, x.shape[0], BLOCK_ROWS))]


def variances(keyed):
    """(rows, column variances) from ``keyed`` ((key, moments) pairs) merged in key order;
    (0, None) when there are none."""
    states = [m for _, m in sorted(keyed, key=lambda kv: kv[0])]
    if not states:
        return 0, None
    n, _, var = _native.moments_merge(states)
    return n, var


def merge(keyed):
    """The statistics of ``keyed`` ((key, bytes) pairs) merged in key order, as arrays."""
    states = [s for _, s in sorted(keyed, key=lambda kv: kv[0])]
    if not states:
        raise ValueError("the DataFrame has no rows")
    return _native.kmeans_stats_arrays(_native.kmeans_stats_merge(states))


# --- the wire -----------------------------------------------------------------------------------


def _send(sock, payload):
    sock.sendall(struct.pack("<q", len(payload)) + payload)


def _recv_exact(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        r = sock.recv_into(view[got:])
        if r == 0:
            raise ConnectionError("the other side closed the connection")
        got += r
    return bytes(buf)


def _recv(sock, limit=1 << 31):
    (n,) = struct.unpack("<q", _recv_exact(sock, 8))
    if not 0 <= n <= limit:
        raise ConnectionError(f"a message of {n} bytes")
    return _recv_exact(sock, n)


def encode_items(items):
    """((partition, block), bytes) pairs as one message (also a marker's moments in "jobs")."""
    out = [struct.pack("<q", len(items))]
    for (part, idx), data in items:
        out.append(struct.pack(_ITEM, part, idx, len(data)))
        out.append(bytes(data))
    return b"".join(out)


def decode_items(msg):
    """The pairs of :func:`encode_items`; ConnectionError on a malformed message."""
    (count,) = struct.unpack_from("<q", msg, 0)
    at, items = 8, []
    for _ in range(count):
        part, idx, n = struct.unpack_from(_ITEM, msg, at)
        at += struct.calcsize(_ITEM)
        if n < 0 or at + n > len(msg):
            raise ConnectionError("a truncated message")
        items.append(((part, idx), msg[at:at + n]))
        at += n
    if at != len(msg):
        raise ConnectionError("trailing bytes in a message")
    return items


# --- the executor side --------------------------------------------------------------------------


def task(address, secret, names):
    """The barrier task (``mapInArrow``): hold this partition's rows, then answer centres with
    the statistics of each block until told to stop."""
    d = len(names)

    def run(batches):
        import tempfile

        import pyarrow as pa
        from pyspark import BarrierTaskContext, SparkFiles

        ctx = BarrierTaskContext.get()
        part = ctx.partitionId()
        fd, path = tempfile.mkstemp(prefix="telecluster-kmeans-", suffix=".f64", dir=SparkFiles.getRootDirectory())
        rows = 0
        try:
            with os.fdopen(fd, "wb") as f:
                for batch in batches:
                    x = checked(batch, names)
                    f.write(memoryview(x).cast("B"))
                    rows += x.shape[0]
            # Mapped, not read: the page cache holds the rows, and can give them back to disk.
            x = np.memmap(path, dtype=np.float64, mode="r", shape=(rows, d)) if rows else np.zeros((0, d))
        finally:
            os.remove(path)  # the mapping keeps the bytes until the task ends
        moments = block_moments(x, part)
        # Which run of the stage this is (Python's task context does not say): the lowest task
        # attempt id of the gang, the same for every task of a run and higher for each restart.
        attempt = min(int(t) for t in ctx.allGather(str(ctx.taskAttemptId())))
        with socket.create_connection(address) as sock:
            _send(sock, struct.pack(_HELLO, secret, attempt, part))
            _send(sock, encode_items(moments))
            while True:
                msg = _recv(sock)
                if msg == b"stop":
                    break
                centres = np.frombuffer(msg, dtype=np.float64).reshape(-1, d)
                _send(sock, encode_items(list(block_stats(centres, x, part))))
        yield pa.RecordBatch.from_pydict({"rows": [rows]}, schema=pa.schema([("rows", pa.int64())]))

    return run


# --- the driver side ----------------------------------------------------------------------------


class Gang:
    """The driver's end: starts the barrier stage over the DataFrame ``data`` (one task per
    partition) and runs passes through it."""

    def __init__(self, data, names, host):
        self.secret = secrets.token_bytes(32)
        self.server = socket.create_server((host, 0))
        self.server.settimeout(0.2)
        self.address = (host, self.server.getsockname()[1])
        self.n_tasks = data.rdd.getNumPartitions()
        self.conns = []
        self.attempt = -1
        self.error = None
        self.sc = data.sparkSession.sparkContext
        self.group = f"telecluster-kmeans-{secrets.token_hex(8)}"
        # Followed by a shuffle (of one row per task), the barrier stage is a map stage, which
        # Spark restarts when a task is lost; a barrier result stage it would give up on.
        held = data.mapInArrow(task(self.address, self.secret, list(names)), "rows long", barrier=True)
        barrier = held.repartition(1)

        def job():
            try:
                self.sc.setJobGroup(self.group, "telecluster.spark.KMeans", interruptOnCancel=True)
                barrier.collect()
            except BaseException as e:  # noqa: BLE001 - handed to the driver's thread
                self.error = e

        from pyspark import InheritableThread

        self.thread = InheritableThread(target=job, name="telecluster-kmeans-stage", daemon=True)
        self.thread.start()

    def _failed(self):
        if self.thread.is_alive():
            return None
        text = str(self.error or "")
        if "Barrier execution mode" in text:
            return Unavailable(next(line for line in text.splitlines() if "Barrier execution mode" in line))
        return self.error or RuntimeError("the K-Means stage ended before the fit")

    def _gather(self):
        """Waits for every task of one stage attempt to connect; returns their moments."""
        self._drop()
        pending = {}
        while len(pending) < self.n_tasks:
            err = self._failed()
            if err is not None:
                raise err
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            try:
                conn.settimeout(60)
                secret, attempt, task_id = struct.unpack(_HELLO, _recv(conn, struct.calcsize(_HELLO)))
                if not hmac.compare_digest(secret, self.secret):
                    conn.close()
                    continue
                moments = decode_items(_recv(conn))
                conn.settimeout(None)
            except (OSError, ConnectionError, struct.error):
                conn.close()
                continue
            if attempt > self.attempt:
                # A restarted stage: what an older attempt's tasks said no longer counts.
                for c, _ in pending.values():
                    c.close()
                pending, self.attempt = {}, attempt
            if attempt == self.attempt:
                pending[task_id] = (conn, moments)
            else:
                conn.close()
        self.conns = [pending[t][0] for t in sorted(pending)]
        return [m for t in sorted(pending) for m in pending[t][1]]

    def _drop(self):
        for c in self.conns:
            c.close()
        self.conns = []

    def open(self):
        """Waits for the stage; returns (rows, column variances)."""
        return variances(self._gather())

    def stats(self, centres):
        """One pass: the merged statistics of every row against ``centres``."""
        msg = np.ascontiguousarray(centres, dtype=np.float64).tobytes()
        while True:
            try:
                for c in self.conns:
                    _send(c, msg)
                got = []
                for c in self.conns:
                    got.extend(decode_items(_recv(c)))
                return merge(got)
            except (OSError, ConnectionError, struct.error):
                # A task was lost: Spark restarts the whole stage, whose tasks connect again.
                self._gather()

    def close(self):
        for c in self.conns:
            try:
                _send(c, b"stop")
            except OSError:
                pass
        self._drop()
        self.thread.join(timeout=30)
        if self.thread.is_alive():
            # Tasks that never heard from the fit (it failed before they connected).
            self.sc.cancelJobGroup(self.group)
            self.thread.join(timeout=30)
        self.server.close()


def slots(sc):
    """How many tasks the cluster can run at once, or None when a barrier stage cannot run."""
    conf = sc.getConf()
    if conf.get("spark.dynamicAllocation.enabled", "false").lower() == "true":
        return None
    try:
        jsc = sc._jsc.sc()
        n = int(jsc.maxNumConcurrentTasks(jsc.resourceProfileManager().defaultResourceProfile()))
    except Exception:  # noqa: BLE001 - an internal API: without it, the default parallelism
        n = int(sc.defaultParallelism)
    # No executor registered yet (a cluster still starting): one job per pass, which waits.
    return n if n >= 1 else None
