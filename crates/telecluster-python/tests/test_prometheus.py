"""telecluster.read_prometheus against a real Prometheus (Debian's), started here on loopback
and scraping itself. Skipped when Prometheus is not installed, unless TELECLUSTER_REAL_TESTS=1
(set by .ci/run, which installs it): then its absence is a failure."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

import telecluster

pd = pytest.importorskip("pandas")

QUERY = "sum by (handler) (prometheus_http_requests_total)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    binary = shutil.which("prometheus") or next(
        (p for p in ("/usr/bin/prometheus", "/usr/local/bin/prometheus") if os.path.exists(p)), None
    )
    if binary is None:
        if os.environ.get("TELECLUSTER_REAL_TESTS") == "1":
            pytest.fail("TELECLUSTER_REAL_TESTS=1 but prometheus is not installed")
        pytest.skip("prometheus is not installed (.ci/run installs Debian's)")
    folder = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
        f"  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
    )
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{url}/api/v1/query?query=up")["data"]["result"]:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "prometheus never scraped itself"
            time.sleep(0.5)
        # Requests to a few handlers, then a scrape to count them.
        for path in ("/api/v1/labels", "/api/v1/status/buildinfo", "/api/v1/query?query=up"):
            for _ in range(3):
                get(url + path)
        time.sleep(2.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_features_equal_prometheus_own_answer(prometheus):
    at = str(time.time())
    df = telecluster.read_prometheus(prometheus, {"requests": QUERY}, time=at)
    answer = get(f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": QUERY, "time": at}))
    want = {r["metric"]["handler"]: float(r["value"][1]) for r in answer["data"]["result"]}
    assert df.index.name == "handler"
    assert dict(zip(df.index, df["requests"])) == want
    assert "/api/v1/labels" in want and want["/api/v1/labels"] >= 3


def test_errors_name_the_query(prometheus):
    with pytest.raises(ValueError, match="bad"):
        telecluster.read_prometheus(prometheus, {"bad": "sum(("})
    with pytest.raises(ValueError, match="url"):
        telecluster.read_prometheus(None, {"requests": QUERY})
    with pytest.raises(ValueError, match="reduce"):
        telecluster.read_prometheus(prometheus, {"requests": QUERY}, range="1m", step="5s", reduce="median")
