"""telecluster.analyse, the report from Python, and saved models."""

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

import telecluster

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def fleet():
    """Endpoints in three behaviours (healthy, slow, failing) and twelve odd ones."""
    rng = np.random.default_rng(11)
    parts = []
    for name, lat, err, n in [("healthy", 50, 0.2, 120), ("slow", 450, 0.5, 100), ("failing", 80, 6.0, 90)]:
        parts.append(pd.DataFrame({
            "latency_ms": rng.normal(lat, lat * 0.08, n),
            "error_pct": np.abs(rng.normal(err, err * 0.1, n)),
            "group": name,
        }))
    odd = pd.DataFrame({
        "latency_ms": rng.uniform(150, 1500, 12),
        "error_pct": rng.uniform(1.5, 20, 12),
        "group": "anomaly",
    })
    df = pd.concat(parts + [odd], ignore_index=True)
    df.insert(0, "endpoint", [f"GET /api/e{i}" for i in range(len(df))])
    return df


@pytest.fixture(scope="module")
def analysis(fleet):
    return telecluster.analyse(fleet, id_column="endpoint")


def test_the_parts_are_the_estimators_answers(fleet, analysis):
    z = StandardScaler().fit_transform(fleet[["latency_ms", "error_pct"]])
    km = telecluster.KMeans(analysis.k, random_state=0).fit(z)
    # The report numbers groups in order of first appearance; the partition is the same.
    assert adjusted_rand_score(analysis.labels["kmeans"], km.labels_) == 1.0
    db = telecluster.DBSCAN(eps=analysis.eps, min_samples=analysis.result["dbscan"]["min_samples"]).fit(z)
    assert (analysis.labels["dbscan"].to_numpy() == db.labels_).all()
    ward = telecluster.linkage(z, method="ward")
    np.testing.assert_allclose(analysis.linkage, ward, rtol=1e-9)


def test_groups_and_anomalies_read_in_the_telemetrys_terms(fleet, analysis):
    assert analysis.groups["size"].sum() == len(fleet)
    assert {"healthy", "slow", "failing"} <= set(analysis.groups["name"])
    odd = set(fleet.loc[fleet["group"] == "anomaly", "endpoint"])
    top = analysis.anomalies.head(len(odd))
    assert len(set(top["id"]) & odd) >= len(odd) - 2
    assert top["reasons"].str.contains("latency_ms|error_pct").all()
    assert analysis.labels.index.name == "id" and analysis.labels.index[0] == "GET /api/e0"
    assert [v["criterion"] for v in analysis.k_choice["votes"]][0] == "knee"
    assert analysis.eps_choice["chosen_by"] == "k_distance_knee"


def test_report_json_and_repr(tmp_path, analysis):
    html = analysis._repr_html_()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    path = tmp_path / "report.html"
    analysis.save(path)
    assert path.read_text(encoding="utf-8") == html
    assert json.loads(analysis.to_json())["kmeans"]["k"] == analysis.k
    assert f"K-Means k={analysis.k}" in repr(analysis)


def test_a_failed_save_leaves_no_file_behind(tmp_path, analysis):
    with pytest.raises(OSError):
        analysis.save(tmp_path / "missing" / "report.html")
    assert list(tmp_path.iterdir()) == []


def test_saved_model_scores_rows_like_the_fit(tmp_path, fleet, analysis):
    path = tmp_path / "model.json"
    analysis.save_model(path)
    model = telecluster.load_model(path)
    assert model.method == "dbscan" and model.features == ["latency_ms", "error_pct"]
    scored = model.score(fleet.set_index("endpoint"))
    assert (scored["cluster"].to_numpy() == analysis.labels["dbscan"].to_numpy()).all()
    assert scored.loc[scored["anomalous"], "why"].str.contains("views").all()
    with pytest.raises(ValueError, match="missing feature columns"):
        model.score(fleet.drop(columns=["error_pct"]))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="bad.json"):
        telecluster.load_model(bad)


def test_bad_arguments(fleet):
    with pytest.raises(ValueError, match="id_column"):
        telecluster.analyse(fleet, id_column="host")
    with pytest.raises(ValueError, match="log1p"):
        telecluster.analyse(fleet, id_column="endpoint", log1p=["cpu"])
    with pytest.raises(ValueError):
        telecluster.analyse(fleet, id_column="endpoint", scaling="zscore")
