"""Mergeable state from Python: K-Means statistics of any split merge to the whole's, and
KMeans.partial_fit keeps scikit-learn's MiniBatchKMeans running means."""

import numpy as np
import pytest

import telecluster
from telecluster import _native


def blobs(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [8, 0], [0, 8]], float)
    return centres[rng.integers(0, 3, n)] + rng.normal(size=(n, 2))


@pytest.mark.parametrize("seed", range(5))
def test_statistics_of_any_split_in_any_order_merge_to_the_whole_s(seed):
    rng = np.random.default_rng(seed)
    x = blobs(seed=seed)
    c = x[:3].copy()
    whole = _native.kmeans_stats_arrays(_native.kmeans_stats(c, x))
    part = rng.integers(0, rng.integers(1, 7), len(x))
    states = [_native.kmeans_stats(c, np.ascontiguousarray(x[part == p])) for p in np.unique(part)]
    rng.shuffle(states)
    merged = _native.kmeans_stats_arrays(_native.kmeans_stats_merge(states))
    assert merged[0].tolist() == whole[0].tolist()
    np.testing.assert_allclose(merged[1], whole[1], rtol=1e-12)
    np.testing.assert_allclose(merged[2], whole[2], rtol=1e-12)
    with pytest.raises(ValueError, match="K-Means statistics"):
        _native.kmeans_stats_merge([states[0], b"TCks\x01garbage"])


def test_partial_fit_keeps_running_means():
    x = blobs(seed=1)
    batches = np.array_split(x, 8)
    km = telecluster.KMeans(3, random_state=0)
    centres, counts = None, np.zeros(3, dtype=np.int64)
    for i, b in enumerate(batches):
        km.partial_fit(b)
        if centres is None:
            centres = _native.kmeans_seed(np.ascontiguousarray(b), 3, 0)
        labels = _native.kmeans_assign(centres, np.ascontiguousarray(b))[0]
        for j in range(3):
            m = labels == j
            if m.any():
                centres[j] = (centres[j] * counts[j] + b[m].sum(axis=0)) / (counts[j] + m.sum())
                counts[j] += m.sum()
        np.testing.assert_allclose(km.cluster_centers_, centres, rtol=1e-12)
        assert km.counts_.tolist() == counts.tolist()
        assert km.n_steps_ == i + 1
        assert km.labels_.shape == (len(b),)
    assert km.counts_.sum() == len(x)
    full = telecluster.KMeans(3, random_state=0).fit(x)
    # Mini-batch centres land near the full fit's.
    got = sorted(map(tuple, np.round(km.cluster_centers_, 0)))
    assert got == sorted(map(tuple, np.round(full.cluster_centers_, 0)))


def test_partial_fit_checks_its_input_and_continues_a_fit():
    x = blobs(seed=2)
    km = telecluster.KMeans(3, random_state=0).fit(x)
    before = km.cluster_centers_.copy()
    km.partial_fit(x[:100])
    assert km.counts_.sum() == len(x) + 100
    assert np.abs(km.cluster_centers_ - before).max() < 0.1
    with pytest.raises(ValueError, match="features"):
        km.partial_fit(np.zeros((5, 3)))
    assert not hasattr(telecluster.KMeans("auto"), "partial_fit")
    given = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    km = telecluster.KMeans(3, init=given).partial_fit(x[:10])
    assert km.counts_.sum() == 10
