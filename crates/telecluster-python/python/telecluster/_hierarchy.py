"""scipy's hierarchical linkage, computed by telecluster's engines."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from . import _native
from ._validation import check_X

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


class AgglomerativeClustering(ClusterMixin, BaseEstimator):
    """Hierarchical clustering cut into flat clusters, a drop-in for
    :class:`sklearn.cluster.AgglomerativeClustering` (Euclidean, without connectivity).

    The tree is :func:`linkage`'s, which is scipy's and so scikit-learn's (scikit-learn builds
    it with scipy when there is no connectivity); the flat labels are numbered as scikit-learn
    numbers them. One exception: scikit-learn builds single linkage with its own spanning tree
    and lists each merged pair in the order that tree met them, so for ``linkage="single"``
    ``children_`` lists the lower id first (as scipy) and the labels, the same clusters, may be
    numbered in another order. Besides scikit-learn's four linkages, "centroid", "median" and
    "weighted" are accepted.

    Parameters
    ----------
    n_clusters : int or None, default=2
        The clusters to find; None with ``distance_threshold``.
    metric : "euclidean", default="euclidean"
    memory : None
        Accepted for scikit-learn code; not used.
    connectivity : None
        Only None (no connectivity constraint).
    compute_full_tree : "auto" or bool, default="auto"
        The whole tree is always computed (it is what the linkage gives).
    linkage : {"ward", "complete", "average", "single", "centroid", "median", "weighted"}, default="ward"
    distance_threshold : float or None, default=None
        Cut where merges reach this height: the clusters are the merges at or above it, plus one.
    compute_distances : bool, default=False
        Keep ``distances_`` (always kept with ``distance_threshold``).

    Attributes
    ----------
    n_clusters_ : int
    labels_ : ndarray of shape (n_samples,), int64
    n_leaves_ : int
    n_connected_components_ : int
    children_ : ndarray of shape (n_samples - 1, 2)
    distances_ : ndarray of shape (n_samples - 1,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from telecluster import AgglomerativeClustering
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [4, 4], [4, 0]], dtype=float)
    >>> AgglomerativeClustering().fit(X).labels_.tolist()
    [1, 1, 1, 0, 0, 0]
    """

    def __init__(
        self,
        n_clusters=2,
        *,
        metric="euclidean",
        memory=None,
        connectivity=None,
        compute_full_tree="auto",
        linkage="ward",
        distance_threshold=None,
        compute_distances=False,
    ):
        self.n_clusters = n_clusters
        self.metric = metric
        self.memory = memory
        self.connectivity = connectivity
        self.compute_full_tree = compute_full_tree
        self.linkage = linkage
        self.distance_threshold = distance_threshold
        self.compute_distances = compute_distances

    def fit(self, X, y=None):
        """Build the tree of the rows of ``X`` and cut it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : AgglomerativeClustering
        """
        X = check_X(self, X, reset=True, ensure_min_samples=2)
        if (self.n_clusters is None) == (self.distance_threshold is None):
            raise ValueError("Exactly one of n_clusters and distance_threshold has to be set, and the other needs to be None.")
        if self.n_clusters is not None and not (
            isinstance(self.n_clusters, numbers.Integral) and not isinstance(self.n_clusters, bool) and self.n_clusters >= 1
        ):
            raise ValueError(f"n_clusters must be an int >= 1 or None, got {self.n_clusters!r}")
        if self.n_clusters is not None and self.n_clusters > X.shape[0]:
            raise ValueError(
                f"Cannot extract more clusters than samples: {self.n_clusters} clusters were given "
                f"for a tree with {X.shape[0]} leaves."
            )
        if self.distance_threshold is not None and not (
            isinstance(self.distance_threshold, numbers.Real) and self.distance_threshold >= 0
        ):
            raise ValueError(f"distance_threshold must be a float >= 0 or None, got {self.distance_threshold!r}")
        if self.metric != "euclidean":
            raise ValueError(f"only metric='euclidean' is supported, got {self.metric!r}")
        if self.connectivity is not None:
            raise ValueError("connectivity is not supported: pass connectivity=None")
        if self.linkage not in _METHODS:
            raise ValueError(f"linkage must be one of {_METHODS}, got {self.linkage!r}")
        if self.compute_full_tree is False and self.distance_threshold is not None:
            raise ValueError("compute_full_tree must be True if distance_threshold is set.")
        Z, labels, k = _native.agglomerative(
            X,
            self.linkage,
            None if self.n_clusters is None else int(self.n_clusters),
            None if self.distance_threshold is None else float(self.distance_threshold),
        )
        self.n_clusters_ = int(k)
        self.labels_ = labels
        self.n_leaves_ = X.shape[0]
        self.n_connected_components_ = 1
        self.children_ = Z[:, :2].astype(np.intp)
        if self.compute_distances or self.distance_threshold is not None:
            self.distances_ = Z[:, 2].copy()
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the cluster of each row (``labels_``)."""
        return self.fit(X).labels_
