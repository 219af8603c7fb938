"""Type stubs of the compiled module: stateless functions over C-contiguous float64 arrays."""

from typing import Any, Optional

import numpy as np
import numpy.typing as npt

__version__: str

F64 = npt.NDArray[np.float64]

def last_call_seconds() -> float: ...
def kmeans_fit(
    x: F64,
    n_clusters: int,
    init: str,
    centres: Optional[F64],
    n_init: int,
    max_iter: int,
    tol: float,
    seed: int,
    algorithm: str,
) -> tuple[F64, npt.NDArray[np.int32], float, int]: ...
def kmeans_auto(
    x: F64, k_max: int, n_init: int, max_iter: int, tol: float, seed: int, algorithm: str
) -> tuple[F64, npt.NDArray[np.int32], float, int, dict[str, Any]]: ...
def kmeans_assign(centres: F64, x: F64) -> tuple[npt.NDArray[np.int32], F64]: ...
def kmeans_transform(centres: F64, x: F64) -> F64: ...
def dbscan_auto_eps(x: F64, min_samples: int, seed: int) -> tuple[float, str, F64]: ...
def dbscan_fit(x: F64, eps: float, min_samples: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], F64]: ...
def dbscan_typical(
    components: F64, core_clusters: npt.NDArray[np.int64], eps: float, min_samples: int
) -> tuple[F64, float]: ...
def dbscan_predict(
    components: F64,
    core_clusters: npt.NDArray[np.int64],
    typical_kdist: F64,
    overall_kdist: float,
    eps: float,
    min_samples: int,
    x: F64,
) -> tuple[npt.NDArray[np.int64], F64]: ...
def linkage(x: F64, method: str) -> F64: ...

# Mergeable state (telecluster.spark, KMeans.partial_fit).
class LogAggregator:
    def __init__(
        self,
        format: str,
        log_format: Optional[str],
        json_fields: Optional[str],
        window: Optional[str],
        errors: str,
        routes: Optional[str],
        strict: bool,
        source: str,
    ) -> None: ...
    def add(self, data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> None: ...
    def finish(
        self,
    ) -> tuple[
        list[str],
        npt.NDArray[np.int64],
        list[bytes],
        tuple[int, int, int],
        Optional[tuple[int, int]],
        Optional[str],
        Optional[str],
    ]: ...

def log_window_seconds(
    format: str,
    log_format: Optional[str],
    json_fields: Optional[str],
    window: Optional[str],
    errors: str,
    routes: Optional[str],
    strict: bool,
) -> Optional[int]: ...
def logs_merge(states: list[bytes]) -> bytes: ...
def logs_features(
    endpoints: list[str],
    windows: list[int],
    states: list[bytes],
    span: Optional[tuple[int, int]],
    window: Optional[int],
    source: str,
) -> tuple[list[str], F64, Optional[tuple[str, list[str]]], list[tuple[str, list[str]]], int]: ...
def kmeans_stats(centres: F64, x: F64) -> bytes: ...
def kmeans_stats_merge(states: list[bytes]) -> bytes: ...
def kmeans_stats_arrays(state: bytes) -> tuple[npt.NDArray[np.int64], F64, F64]: ...
def moments(x: F64) -> bytes: ...
def moments_merge(states: list[bytes]) -> tuple[int, F64, F64]: ...
def kmeans_seed(x: F64, k: int, seed: int) -> F64: ...
def model_score_arrays(
    model: str, source: str, x: F64, features: list[str]
) -> tuple[npt.NDArray[np.int64], F64, npt.NDArray[np.bool_]]: ...
