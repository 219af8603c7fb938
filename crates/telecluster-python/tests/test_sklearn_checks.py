"""scikit-learn's own estimator checks, run on telecluster's estimators.

Every check runs; none is skipped or expected to fail here. scikit-learn itself skips its
array-API checks unless SCIPY_ARRAY_API=1 is set. The estimators take no ``sample_weight``, so
scikit-learn does not run its sample-weight checks on them. AgglomerativeClustering with
``distance_threshold`` is not among the instances: the checks set ``n_clusters`` themselves,
which that configuration refuses (as scikit-learn's own does); test_parity.py compares it with
scikit-learn instead.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from telecluster import DBSCAN, AgglomerativeClustering, KMeans


@parametrize_with_checks(
    [
        KMeans(n_clusters=3),
        KMeans(n_clusters="auto", k_max=4),
        DBSCAN(),
        DBSCAN(eps="auto"),
        AgglomerativeClustering(),
        AgglomerativeClustering(linkage="average"),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
