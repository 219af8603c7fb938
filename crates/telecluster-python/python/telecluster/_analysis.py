"""The whole analysis from Python, and saved models: what ``telecluster report`` and
``telecluster score`` do, on a DataFrame."""

import json
import os
import tempfile

import numpy as np

from . import _native


def _pandas():
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - pandas is a test dependency, not a hard one
        raise ImportError("this part of telecluster returns DataFrames: pip install pandas") from e
    return pd


def _features(data, id_column):
    """(values as float64 rows, feature names, (id name, ids) or None) of a DataFrame or array."""
    pd = _pandas()
    if isinstance(data, pd.DataFrame):
        df = data
        ids = None
        if id_column is not None:
            if id_column not in df.columns:
                raise ValueError(f"id_column: no column named {id_column!r}")
            ids = (str(id_column), df[id_column].astype(str).tolist())
            df = df.drop(columns=[id_column])
        elif not isinstance(df.index, pd.RangeIndex):
            ids = (str(df.index.name or "id"), df.index.astype(str).tolist())
        # Text columns besides the ids are no features, as in the CSV reader.
        numeric = df.select_dtypes(include=[np.number, "bool"])
        if numeric.shape[1] == 0:
            raise ValueError("no numeric feature column")
        names = [str(c) for c in numeric.columns]
        x = np.ascontiguousarray(numeric.to_numpy(dtype=np.float64))
        return x, names, ids
    x = np.ascontiguousarray(np.asarray(data, dtype=np.float64))
    if x.ndim != 2:
        raise ValueError(f"expected a DataFrame or a 2-D array, got {x.ndim} dimension(s)")
    return x, [f"x{i}" for i in range(x.shape[1])], None


def _write_atomically(path, text):
    """Writes ``text`` to ``path`` through a temporary file beside it, so a failed write never
    leaves a half-written or clobbered file."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".telecluster-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Analysis:
    """What :func:`analyse` found: every part of ``telecluster report``, as Python objects.

    Attributes
    ----------
    result : dict
        The analysis as ``telecluster report --json`` writes it.
    k : int
        The number of K-Means groups (chosen or given).
    eps : float
        DBSCAN's radius in prepared units (chosen or given).
    labels : DataFrame
        Per row: its id, K-Means group, DBSCAN cluster (-1: noise), outlier score, and the
        consensus confidence (how many views flag it).
    """

    def __init__(self, result_json, html, dbscan_model, kmeans_model):
        self.result = json.loads(result_json)
        self._html = html
        self._models = {"dbscan": dbscan_model, "kmeans": kmeans_model}

    @property
    def k(self):
        return self.result["kmeans"]["k"]

    @property
    def eps(self):
        return self.result["dbscan"]["eps"]

    @property
    def labels(self):
        pd = _pandas()
        r = self.result
        return pd.DataFrame(
            {
                "kmeans": r["kmeans"]["labels"],
                "dbscan": r["dbscan"]["labels"],
                "score": r["dbscan"]["scores"],
                "confidence": r["consensus"]["confidence"],
            },
            index=pd.Index(r["ids"], name="id"),
        )

    @property
    def groups(self):
        """The K-Means groups, named in the telemetry's terms, with their size and centre
        (original units) and each feature's median against the fleet's."""
        pd = _pandas()
        rows = []
        centres = {c["id"]: c["centroid"] for c in self.result["kmeans"]["clusters"]}
        for p in self.result["kmeans"]["profiles"]:
            row = {"group": p["cluster"], "name": p["name"], "size": p["size"]}
            row.update({f"{f}_centre": v for f, v in centres[p["cluster"]].items()})
            row.update({f"{t['feature']}_level": t["level"] for t in p["traits"]})
            row["notes"] = "; ".join(p["notes"])
            rows.append(row)
        return pd.DataFrame(rows).set_index("group")

    @property
    def anomalies(self):
        """The rows several views flag, most agreed first: id, confidence (views agreeing of
        views that looked), the views, the outlier score and the reasons in the telemetry's
        units."""
        pd = _pandas()
        rows = []
        for a in self.result["consensus"]["anomalies"]:
            rows.append({
                "id": a["id"],
                "row": a["row"],
                "confidence": a["confidence"],
                "of": a["of"],
                "views": ", ".join(a["views"]),
                "score": a["score"],
                "reasons": "; ".join(
                    f"{r['feature']} {r['value']:g} (cluster median {r['cluster_median']:g})" for r in a["reasons"]
                ),
            })
        columns = ["id", "row", "confidence", "of", "views", "score", "reasons"]
        return pd.DataFrame(rows, columns=columns)

    @property
    def k_choice(self):
        """The elbow sweep: per k the inertia and the criteria, each criterion's vote, the k
        chosen and why (None when k was given)."""
        return self.result["kmeans"].get("elbow")

    @property
    def eps_choice(self):
        """The k-distance curve eps was read from, and how it was chosen."""
        d = self.result["dbscan"]
        return {"eps": d["eps"], "chosen_by": d["eps_chosen_by"], "curve": d.get("kdist")}

    @property
    def linkage(self):
        """The hierarchy part's linkage matrix (scipy's layout), over the rows it clustered
        (a seeded sample of 2,000 above that many rows: see ``result["hierarchy"]["sample"]``)."""
        merges = self.result["hierarchy"]["merges"]
        return np.array([[m["a"], m["b"], m["height"], m["size"]] for m in merges], dtype=np.float64).reshape(-1, 4)

    def to_json(self):
        """The analysis as JSON text (``telecluster report --json``)."""
        return json.dumps(self.result)

    def save(self, path):
        """Writes the self-contained HTML report (inline SVG, no script, no network)."""
        _write_atomically(path, self._html)

    def save_model(self, path, method="dbscan"):
        """Writes the ``method`` part (``"dbscan"`` or ``"kmeans"``) as a model file, for
        :func:`load_model` and ``telecluster score``/``diff``."""
        if method not in self._models:
            raise ValueError(f"method must be 'dbscan' or 'kmeans', got {method!r}")
        if self._models[method] is None:
            raise ValueError(f"the {method} part cannot be saved as a model (it found no group)")
        _write_atomically(path, self._models[method])

    def _repr_html_(self):
        return self._html

    def __repr__(self):
        r = self.result
        return (
            f"<telecluster.Analysis: {r['rows']} rows x {len(r['features'])} features; "
            f"K-Means k={self.k}; DBSCAN eps={self.eps:.3g}, {r['dbscan']['n_clusters']} clusters, "
            f"{r['dbscan']['n_noise']} noise; {len(r['consensus']['anomalies'])} consensus anomalies>"
        )


def analyse(
    data,
    *,
    id_column=None,
    n_clusters="auto",
    k_max=10,
    eps="auto",
    min_samples=None,
    method="ward",
    scaling="standard",
    log1p=(),
    random_state=0,
):
    """The whole analysis of ``telecluster report`` on a DataFrame (or 2-D array).

    The features are scaled (``scaling``: "standard", "robust", "minmax" or "none", after
    ``ln(1 + x)`` of the ``log1p`` columns), then K-Means (K chosen by the elbow sweep's vote
    unless ``n_clusters`` is given), DBSCAN (eps from the k-distance knee unless given), the
    hierarchy (``method``) and the consensus of the views run on them.

    Parameters
    ----------
    data : DataFrame or array of shape (n_rows, n_features)
        One row per entity. A DataFrame's numeric columns are the features (text columns are
        left out); its index (unless a plain range) or ``id_column`` names the rows.
    id_column : str, optional
    n_clusters : int or "auto", default="auto"
    k_max : int, default=10
    eps : float or "auto", default="auto"
        In prepared (scaled) units.
    min_samples : int, optional
        DBSCAN's; default 2 x features.
    method : str, default="ward"
        The linkage of the hierarchy.
    scaling : str, default="standard"
    log1p : sequence of str
    random_state : int, default=0

    Returns
    -------
    Analysis
        Shown inline in Jupyter as the report; ``.groups``, ``.anomalies``, ``.labels``,
        ``.k_choice``, ``.eps_choice``, ``.linkage``, ``.to_json()``, ``.save(path)``.
    """
    x, names, ids = _features(data, id_column)
    k = None if isinstance(n_clusters, str) and n_clusters == "auto" else n_clusters
    e = None if isinstance(eps, str) and eps == "auto" else eps
    if k is not None and not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValueError(f"n_clusters must be an int >= 1 or 'auto', got {n_clusters!r}")
    if e is not None and not (isinstance(e, (int, float)) and e > 0):
        raise ValueError(f"eps must be a float > 0 or 'auto', got {eps!r}")
    source = "<DataFrame>"
    out = _native.analyse(
        x, names, ids, source, None if k is None else int(k), int(k_max),
        None if e is None else float(e), None if min_samples is None else int(min_samples),
        str(method), str(scaling), [str(c) for c in log1p], int(random_state),
    )
    return Analysis(*out)


class Model:
    """A saved model (``telecluster report --save-model``, :meth:`Analysis.save_model`):
    scores new rows as ``telecluster score`` does."""

    def __init__(self, text, source):
        self.features, self.method = _native.model_info(text, source)
        self._text, self._source = text, source

    def score(self, data):
        """Scores the rows of ``data`` (a DataFrame with the model's feature columns, matched
        by name): their cluster (-1: none), outlier score, whether anomalous, the consensus
        confidence and views, and the one-line why."""
        pd = _pandas()
        if not isinstance(data, pd.DataFrame):
            raise TypeError("score takes a DataFrame with the model's feature columns")
        missing = [f for f in self.features if f not in data.columns]
        if missing:
            raise ValueError(f"missing feature columns {missing} (the model has {self.features})")
        x = np.ascontiguousarray(data[self.features].to_numpy(dtype=np.float64))
        scored_json, whys = _native.model_score(self._text, self._source, x, list(self.features))
        scored = json.loads(scored_json)
        return pd.DataFrame(
            {
                "cluster": [-1 if s["cluster"] is None else s["cluster"] for s in scored],
                "score": [s["score"] for s in scored],
                "anomalous": [s["anomalous"] for s in scored],
                "confidence": [s["confidence"] for s in scored],
                "views_looked": [s["of"] for s in scored],
                "views": [", ".join(s["views"]) for s in scored],
                "why": whys,
            },
            index=data.index,
        )

    def __repr__(self):
        return f"<telecluster.Model {self.method} on {self.features} from {self._source}>"


def load_model(path):
    """Reads a model file (format 1.0 or 1.1); errors name the file."""
    path = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return Model(text, path)
