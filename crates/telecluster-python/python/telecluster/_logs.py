"""Access logs into per-endpoint features, as ``telecluster ingest logs`` reads them."""

import os

import numpy as np

from . import _native


def read_logs(
    paths,
    *,
    format="auto",
    log_format=None,
    json_fields=None,
    window=None,
    errors="5xx",
    route_map=None,
    strict=False,
):
    """Read access logs (nginx, Envoy, JSON lines; plain, gzip or zstd) into one row per
    endpoint, or per endpoint and window, as a DataFrame.

    Parameters
    ----------
    paths : str, path or list of them
    format : {"auto", "nginx", "envoy", "json"}, default="auto"
        "auto" recognises each file from its first lines.
    log_format : str, optional
        The format string that wrote the log: nginx's ``log_format`` or Envoy's.
    json_fields : str, optional
        JSON field names where they are not the usual ones:
        ``method=F,path=F,status=F,duration=F:s|ms|us,time=F``.
    window : str, optional
        One row per endpoint and window of this length ("30s", "5m", "1h", "1d").
    errors : str, default="5xx"
        Status classes counted as errors ("5xx", "4xx,5xx").
    route_map : str or path, optional
        A file of route templates (``[METHOD] /orders/{id}/items``), tried before the default
        folding of ids.
    strict : bool, default=False
        Raise on the first line that does not parse (by default bad lines are counted).

    Returns
    -------
    DataFrame
        Indexed by endpoint; the feature columns (requests, error rate, latency quantiles and
        more) and any text columns (a window's start). ``df.attrs["telecluster"]`` holds what
        reading found: lines, requests, bad lines (the first few with file, line and column),
        the format of each file.
    """
    import pandas as pd

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("paths: give at least one log file")
    features, x, ids, carried, summary = _native.read_logs(
        paths, format, log_format, json_fields, window, errors,
        None if route_map is None else os.fspath(route_map), bool(strict),
    )
    df = pd.DataFrame(np.asarray(x), columns=features)
    for name, values in reversed(carried):
        df.insert(0, name, values)
    if ids is not None:
        df.index = pd.Index(ids[1], name=ids[0])
    df.attrs["telecluster"] = summary
    return df


def read_prometheus(
    url=None,
    queries=None,
    *,
    files=None,
    by=None,
    time=None,
    range=None,
    step=None,
    reduce="mean",
    timeout="30s",
    bearer_token=None,
    basic_auth=None,
):
    """One row per series label set, one column per PromQL query, from a Prometheus server's
    HTTP API (or from saved API responses), as ``telecluster ingest prometheus`` reads them.

    Parameters
    ----------
    url : str, optional
        The server (``http://prometheus:9090``); needed for ``queries``.
    queries : dict of str to str
        Feature name to PromQL, in column order.
    files : dict of str to path, optional
        Feature name to a saved ``/api/v1/query`` or ``query_range`` response.
    by : list of str, optional
        The labels that name a row (default: every label but ``__name__``).
    time : str, optional
        The evaluation time (RFC 3339 or Unix seconds); default the server's now.
    range, step : str, optional
        A range query over ``range`` at ``step`` ("1h", "1m"), its samples reduced by ``reduce``.
    reduce : {"mean", "p95", "max"}, default="mean"
    timeout : str, default="30s"
        Per request.
    bearer_token : str, optional
    basic_auth : (str, str), optional
        Credentials; never shown in messages.

    Returns
    -------
    DataFrame
        Indexed by the row names; ``df.attrs["telecluster"]`` holds the server's warnings and
        the rows left out for a missing or non-finite value.
    """
    import pandas as pd

    queries = dict(queries or {})
    files = {k: os.fspath(v) for k, v in dict(files or {}).items()}
    if not queries and not files:
        raise ValueError("queries: give at least one feature (a PromQL query or a saved response)")
    if queries and url is None:
        raise ValueError("url: the queries need the server's URL")
    features, x, ids, warnings, incomplete = _native.read_prometheus(
        url, list(queries.items()), list(files.items()), None if by is None else list(by), time,
        range, step, reduce, timeout, bearer_token, None if basic_auth is None else tuple(basic_auth),
    )
    df = pd.DataFrame(np.asarray(x), columns=features)
    if ids is not None:
        df.index = pd.Index(ids[1], name=ids[0])
    df.attrs["telecluster"] = {"warnings": warnings, "left_out": incomplete}
    return df
