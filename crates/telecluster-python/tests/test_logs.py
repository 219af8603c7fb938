"""telecluster.read_logs: access logs to per-endpoint features, from Python."""

import gzip

import numpy as np
import pytest

import telecluster

pd = pytest.importorskip("pandas")

LINE = '10.0.0.{ip} - - [10/Oct/2026:13:{m:02d}:{s:02d} +0000] "{method} {path} HTTP/1.1" {status} 512 "-" "curl/8" {rt:.3f} {rt:.3f}\n'


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """Two endpoints: /api/orders/{id} (ids folded) fast and healthy, /api/login slow with 5xx."""
    rng = np.random.default_rng(5)
    lines, want = [], {"GET /api/orders/{id}": [], "POST /api/login": []}
    for i in range(2000):
        if i % 4:
            t, path, method = rng.uniform(0.005, 0.050), f"/api/orders/{rng.integers(1, 10**6)}", "GET"
            status, key = 200, "GET /api/orders/{id}"
        else:
            t, path, method = rng.uniform(0.2, 0.9), "/api/login", "POST"
            status, key = (503 if i % 20 == 0 else 200), "POST /api/login"
        t = round(t, 3)  # the log writes milliseconds
        want[key].append((t, status))
        lines.append(LINE.format(ip=i % 250, m=(i // 60) % 60, s=i % 60, method=method, path=path, status=status, rt=t))
    lines.insert(7, "not an access log line\n")
    folder = tmp_path_factory.mktemp("logs")
    plain = folder / "access.log"
    plain.write_text("".join(lines[:1000]))
    packed = folder / "access.log.1.gz"
    packed.write_bytes(gzip.compress("".join(lines[1000:]).encode()))
    return [plain, packed], want


def test_features_per_endpoint_from_plain_and_gzip_files(log):
    paths, want = log
    df = telecluster.read_logs(paths)
    assert df.index.name == "endpoint"
    assert sorted(df.index) == sorted(want)
    for endpoint, seen in want.items():
        row = df.loc[endpoint]
        times = np.array([t for t, _ in seen]) * 1000
        errors = sum(s >= 500 for _, s in seen)
        assert row["requests"] == len(seen)
        assert row["error_rate_pct"] == pytest.approx(100 * errors / len(seen), abs=1e-3)
        # The latency quantiles come from a sketch with 1 % relative accuracy.
        assert row["latency_p50_ms"] == pytest.approx(np.quantile(times, 0.5, method="lower"), rel=0.011)
        # Features keep six significant digits, as `ingest logs` writes them.
        assert row["latency_mean_ms"] == pytest.approx(times.mean(), rel=1e-5)
    summary = df.attrs["telecluster"]
    assert summary["requests"] == 2000 and summary["bad_lines"] == 1
    where, why = summary["bad_shown"][0]
    assert where == f"{paths[0]}:8:1" and why


def test_windows_strict_and_errors(log):
    paths, _ = log
    windows = telecluster.read_logs(paths, window="10m")
    assert "window_start" in windows.columns and len(windows) > 2
    with pytest.raises(ValueError, match=r"access\.log:8:1"):
        telecluster.read_logs(paths[0], strict=True)
    with pytest.raises(FileNotFoundError, match="nope.log"):
        telecluster.read_logs(paths[0].parent / "nope.log")
    with pytest.raises(ValueError, match="window"):
        telecluster.read_logs(paths, window="-5m")
    with pytest.raises(ValueError, match="json_fields"):
        telecluster.read_logs(paths, format="nginx", json_fields="status=code")


def test_logs_into_the_analysis(log):
    paths, _ = log
    df = telecluster.read_logs(paths)
    labels = telecluster.KMeans(2, random_state=0).fit_predict(df)
    assert len(set(labels)) == 2
