"""DBSCAN with scikit-learn's interface, plus what scikit-learn lacks: eps chosen from the
data, new rows placed and scored."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

from . import _native
from ._validation import check_X, seed_of

_ALGORITHMS = ("auto", "ball_tree", "kd_tree", "brute")


class DBSCAN(ClusterMixin, BaseEstimator):
    """Density-based clustering, a drop-in for :class:`sklearn.cluster.DBSCAN`.

    The same labels as scikit-learn's DBSCAN on every row, core and border points alike
    (noise is -1), from a grid index in 2 to 3 features and a kd-tree above, many times faster
    and in a fraction of the memory. Beyond scikit-learn:

    - ``eps="auto"`` chooses the radius at the knee of the k-distance curve
      (k = ``min_samples`` - 1), as ``telecluster dbscan --eps auto`` does;
    - :meth:`predict` places new rows: the cluster of the nearest core point within ``eps``
      (a cluster formed earlier wins a tie, as in the fit), else -1;
    - :meth:`score_samples` scores any row by how much sparser its neighbourhood is than its
      cluster's typical one.

    Parameters
    ----------
    eps : float or "auto", default=0.5
        The neighbourhood radius.
    min_samples : int, default=5
        Rows within ``eps`` (the row itself included) that make a row a core point.
    metric : "euclidean", default="euclidean"
        Only the Euclidean distance is supported (scale the features first).
    algorithm : {"auto", "ball_tree", "kd_tree", "brute"}, default="auto"
        Accepted for scikit-learn code; telecluster picks its index itself and every choice
        gives the same labels.
    leaf_size : int, default=30
        Accepted for scikit-learn code; not used.
    p : None or 2, default=None
        The Minkowski power: only 2 (Euclidean).
    n_jobs : int or None, default=None
        Accepted for scikit-learn code; telecluster uses every core.
    random_state : int or None, default=None
        Seeds the sample of the k-distance curve above 100,000 rows with ``eps="auto"``
        (None: seed 0, so the choice is reproducible).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,), int64
        Cluster of each row, -1 for noise.
    core_sample_indices_ : ndarray of shape (n_core,), int64
    components_ : ndarray of shape (n_core, n_features)
        The core points.
    eps_ : float
        The radius used (the chosen one with ``eps="auto"``).
    eps_chosen_by_ : str
        ``"given"``, ``"k_distance_knee"``, ``"k_distance_median"`` or ``"duplicates_only"``.
    k_distances_ : ndarray
        With ``eps="auto"``: the sorted k-distance curve the radius was read from.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from telecluster import DBSCAN
    >>> X = np.array([[1, 2], [2, 2], [2, 3], [8, 7], [8, 8], [25, 80]], dtype=float)
    >>> db = DBSCAN(eps=3, min_samples=2).fit(X)
    >>> db.labels_.tolist()
    [0, 0, 0, 1, 1, -1]
    >>> db.predict([[1.5, 2.5], [50.0, 50.0]]).tolist()
    [0, -1]
    """

    def __init__(
        self,
        eps=0.5,
        *,
        min_samples=5,
        metric="euclidean",
        algorithm="auto",
        leaf_size=30,
        p=None,
        n_jobs=None,
        random_state=None,
    ):
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_params(self):
        auto = isinstance(self.eps, str) and self.eps == "auto"
        if not auto and not (isinstance(self.eps, numbers.Real) and not isinstance(self.eps, bool) and self.eps > 0):
            raise ValueError(f"eps must be a float > 0 or 'auto', got {self.eps!r}")
        if not (isinstance(self.min_samples, numbers.Integral) and self.min_samples >= 1):
            raise ValueError(f"min_samples must be an int >= 1, got {self.min_samples!r}")
        if self.metric != "euclidean" or self.p not in (None, 2):
            raise ValueError(
                f"only the Euclidean metric is supported (metric='euclidean', p=None or 2), "
                f"got metric={self.metric!r}, p={self.p!r}"
            )
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"algorithm must be one of {_ALGORITHMS}, got {self.algorithm!r}")
        return auto

    def fit(self, X, y=None):
        """Cluster the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : DBSCAN
        """
        X = check_X(self, X, reset=True)
        auto = self._check_params()
        if auto:
            if X.shape[0] < 2:
                raise ValueError(f"eps='auto' needs n_samples >= 2, got n_samples={X.shape[0]}")
            seed = 0 if self.random_state is None else seed_of(self.random_state)
            eps, how, curve = _native.dbscan_auto_eps(X, int(self.min_samples), seed)
            self.k_distances_ = curve
        else:
            eps, how = float(self.eps), "given"
        labels, core, components = _native.dbscan_fit(X, eps, int(self.min_samples))
        self.labels_ = labels
        self.core_sample_indices_ = core
        self.components_ = components
        self.eps_ = float(eps)
        self.eps_chosen_by_ = how
        # What predict and score_samples need besides components_, computed on their first
        # call (a k-nearest-neighbour pass over the core points, as costly as the fit itself)
        # and kept in this dict, which pickles with the estimator.
        self._placer = {}
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the cluster of each row (``labels_``)."""
        return self.fit(X).labels_

    def _place(self, X):
        check_is_fitted(self)
        X = check_X(self, X, reset=False)
        if len(self.components_) == 0:
            return np.full(X.shape[0], -1, dtype=np.int64), np.full(X.shape[0], np.inf)
        core_clusters = self.labels_[self.core_sample_indices_]
        if "typical" not in self._placer:
            typical, overall = _native.dbscan_typical(self.components_, core_clusters, self.eps_, int(self.min_samples))
            self._placer.update(typical=typical, overall=overall)
        return _native.dbscan_predict(
            self.components_, core_clusters, self._placer["typical"], self._placer["overall"],
            self.eps_, int(self.min_samples), X,
        )

    def predict(self, X):
        """The cluster of each row of ``X``: that of the nearest core point within ``eps_``,
        else -1 (noise). On the training rows this gives ``labels_`` for core points and
        noise; a border point within reach of two clusters may take the other one."""
        return self._place(X)[0]

    def score_samples(self, X):
        """How typical each row's neighbourhood is, scikit-learn's way round: the opposite of
        telecluster's outlier score, so the lower, the more anomalous (-1 is as dense as the
        row's cluster, -3 three times sparser)."""
        scores = self._place(X)[1]
        return -scores
