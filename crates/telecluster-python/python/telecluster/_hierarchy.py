"""scipy's hierarchical linkage, computed by telecluster's engines."""

import numpy as np

from . import _native

_METHODS = ("single", "complete", "average", "weighted", "centroid", "median", "ward")


def linkage(X, method="single", metric="euclidean", optimal_ordering=False):
    """Hierarchical clustering of the rows of ``X``: :func:`scipy.cluster.hierarchy.linkage`.

    Returns the same (n - 1) x 4 linkage matrix as scipy (the clusters merged, their distance,
    the size of the new cluster), which scipy's ``dendrogram``, ``fcluster`` and
    ``is_valid_linkage`` accept.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Observations (a condensed distance matrix is not accepted: pass the observations).
    method : {"single", "complete", "average", "weighted", "centroid", "median", "ward"}, default="single"
        scipy's seven linkages (scipy's default is "single").
    metric : "euclidean", default="euclidean"
        Only the Euclidean distance.
    optimal_ordering : False
        Not supported.

    Returns
    -------
    Z : ndarray of shape (n_samples - 1, 4), float64

    Examples
    --------
    >>> import numpy as np
    >>> from telecluster import linkage
    >>> linkage(np.array([[0.0], [1.0], [10.0]]), method="complete").tolist()
    [[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 10.0, 3.0]]
    """
    if method not in _METHODS:
        raise ValueError(f"Invalid method: {method!r}; expected one of {_METHODS}")
    if metric != "euclidean":
        raise ValueError(f"only metric='euclidean' is supported, got {metric!r}")
    if optimal_ordering:
        raise ValueError("optimal_ordering=True is not supported")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array of observations, got {X.ndim} dimension(s)"
            + (" (a condensed distance matrix is not accepted)" if X.ndim == 1 else "")
        )
    if X.shape[0] < 1:
        raise ValueError("The number of observations cannot be determined on an empty distance matrix.")
    X = np.ascontiguousarray(X, dtype=np.float64)
    return _native.linkage(X, method)
