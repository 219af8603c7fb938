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
