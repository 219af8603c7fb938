"""scikit-learn's own estimator checks, run on telecluster's estimators.

Every check runs; none is skipped or expected to fail. (The estimators take no
``sample_weight``, so scikit-learn does not run its sample-weight checks on them.)
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from telecluster import DBSCAN, KMeans


@parametrize_with_checks([KMeans(n_clusters=3), KMeans(n_clusters="auto", k_max=4), DBSCAN(), DBSCAN(eps="auto")])
def test_sklearn_compatible(estimator, check):
    check(estimator)
