"""What notebook users rely on beyond scikit-learn's checks: inputs as they hold them, errors,
Ctrl-C, pipelines and grid search, determinism."""

import os
import pickle
import signal
import threading
import time

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import telecluster


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(n_samples=3000, centers=5, n_features=4, random_state=7)
    return x, y


def test_dataframe_columns_become_feature_names(blobs):
    pd = pytest.importorskip("pandas")
    x, _ = blobs
    df = pd.DataFrame(x, columns=["p50_ms", "p99_ms", "error_pct", "rps"])
    km = telecluster.KMeans(5, random_state=0).fit(df)
    assert km.feature_names_in_.tolist() == list(df.columns)
    assert (km.predict(df) == km.labels_).all()
    with pytest.raises(ValueError, match="feature names"):
        km.predict(df.rename(columns={"rps": "qps"}))


def test_lists_float32_and_fortran_order_give_the_same_answer(blobs):
    x, _ = blobs
    want = telecluster.KMeans(5, random_state=0).fit(x).labels_
    for variant in (x.tolist(), np.asfortranarray(x), x[::1].copy()):
        assert (telecluster.KMeans(5, random_state=0).fit(variant).labels_ == want).all()
    got32 = telecluster.KMeans(5, random_state=0).fit(x.astype(np.float32))
    assert got32.cluster_centers_.dtype == np.float64


def test_c_contiguous_float64_is_passed_on_without_a_copy(blobs):
    from telecluster._validation import check_X

    x, _ = blobs
    assert check_X(telecluster.KMeans(), x, reset=True) is x
    converted = check_X(telecluster.KMeans(), np.asfortranarray(x), reset=True)
    assert converted.flags["C_CONTIGUOUS"] and not np.shares_memory(converted, x)


def test_same_seed_same_answer_and_pickles(blobs):
    x, _ = blobs
    a = telecluster.KMeans(5, random_state=3).fit(x)
    b = pickle.loads(pickle.dumps(a))
    assert (a.predict(x) == b.predict(x)).all()
    assert a.inertia_ == telecluster.KMeans(5, random_state=3).fit(x).inertia_


def test_errors_are_value_errors_with_the_librarys_words(blobs):
    x, _ = blobs
    bad = x.copy()
    bad[10, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        telecluster.KMeans(3).fit(bad)
    with pytest.raises(ValueError, match="n_clusters"):
        telecluster.KMeans(0).fit(x)
    with pytest.raises(ValueError, match="eps"):
        telecluster.DBSCAN(eps=-1.0).fit(x)
    with pytest.raises(ValueError, match="Invalid method"):
        telecluster.linkage(x[:10], method="nearest")
    with pytest.raises(ValueError, match="condensed"):
        telecluster.linkage(np.ones(10))
    with pytest.raises(ValueError, match="4 features"):
        telecluster.KMeans(3).fit(x).predict(x[:, :3])


def test_pipeline_and_grid_search(blobs):
    x, y = blobs
    pipe = make_pipeline(StandardScaler(), telecluster.KMeans(random_state=0))
    search = GridSearchCV(pipe, {"kmeans__n_clusters": [2, 5, 8]}, cv=3).fit(x)
    assert search.best_params_["kmeans__n_clusters"] in (2, 5, 8)
    labels = make_pipeline(StandardScaler(), telecluster.DBSCAN(eps=0.3)).fit(x)[-1].labels_
    z = StandardScaler().fit_transform(x)
    assert (labels == SkDBSCAN(eps=0.3).fit(z).labels_).all()


def test_kmeans_matches_scikit_learn_from_the_same_centres(blobs):
    x, _ = blobs
    init = x[:5]
    ours = telecluster.KMeans(5, init=init, n_init=1, algorithm="lloyd").fit(x)
    theirs = SkKMeans(5, init=init, n_init=1, algorithm="lloyd").fit(x)
    assert (ours.labels_ == theirs.labels_).all()
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-10)
    assert ours.score(x) == pytest.approx(theirs.score(x), rel=1e-10)
    np.testing.assert_allclose(ours.transform(x[:50]), theirs.transform(x[:50]), rtol=1e-10)


def test_auto_k_and_auto_eps_find_the_blobs(blobs):
    x, y = blobs
    km = telecluster.KMeans("auto", random_state=0).fit(x)
    assert km.cluster_centers_.shape[0] == 5 == km.sweep_["chosen"]
    db = telecluster.DBSCAN(eps="auto", min_samples=8).fit(x)
    assert db.eps_chosen_by_ == "k_distance_knee" and db.eps_ > 0
    assert len(set(db.labels_) - {-1}) == 5


def test_dbscan_places_and_scores_new_rows(blobs):
    x, _ = blobs
    db = telecluster.DBSCAN(eps=1.0, min_samples=10).fit(x)
    far = x.max(axis=0) + 50
    labels = db.predict(np.vstack([x[db.core_sample_indices_[:20]], far]))
    assert labels[:20].tolist() == db.labels_[db.core_sample_indices_[:20]].tolist()
    assert labels[-1] == -1
    scores = db.score_samples(np.vstack([x[db.core_sample_indices_[:20]], far]))
    assert scores[-1] < scores[:20].min()  # lower is more anomalous, as in scikit-learn


def test_ctrl_c_interrupts_a_long_fit_and_the_next_fit_runs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400_000, 16))
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        telecluster.KMeans(64, n_init=50, max_iter=1000, tol=0.0, random_state=0).fit(x)
    after = time.monotonic() - start - 0.5
    timer.join()
    # Uninterrupted, this fit takes minutes (50 starts of 64 centres on 400,000 x 16 rows).
    assert after < 2.0, f"the fit went on for {after:.1f} s after Ctrl-C"
    assert telecluster.KMeans(3, random_state=0).fit(x[:1000]).cluster_centers_.shape == (3, 16)


def test_ctrl_c_interrupts_a_long_linkage():
    x = np.random.default_rng(2).normal(size=(120_000, 2))
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        telecluster.linkage(x, method="ward")  # about 10 s uninterrupted on 2 cores
    after = time.monotonic() - start - 0.5
    timer.join()
    assert after < 2.0, f"the linkage went on for {after:.1f} s after Ctrl-C"
    assert telecluster.linkage(x[:100], method="ward").shape == (99, 4)


def test_fits_release_the_gil():
    # While a fit runs on another thread, this thread keeps running Python: the longest pause
    # between its steps stays far below the fit's length (holding the GIL, it would be all of it).
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200_000, 16))
    done = threading.Event()
    took = []

    def fit():
        t0 = time.monotonic()
        telecluster.KMeans(32, n_init=2, max_iter=30, tol=0.0, random_state=0).fit(x)
        took.append(time.monotonic() - t0)
        done.set()

    worker = threading.Thread(target=fit)
    last, longest = time.monotonic(), 0.0
    worker.start()
    while not done.is_set():
        now = time.monotonic()
        longest, last = max(longest, now - last), now
        sum(range(1000))
    worker.join()
    assert took[0] > 0.3, "the fit is too short to tell"
    assert longest < took[0] / 3, f"this thread stood still for {longest:.2f} s of a {took[0]:.2f} s fit"
