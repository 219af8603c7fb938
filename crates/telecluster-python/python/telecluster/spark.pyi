from os import PathLike
from typing import Literal, Any, Optional, Union

import numpy as np
import numpy.typing as npt

from . import Model

def features_from_logs(
    lines: Any,
    *,
    column: str = "value",
    format: str = "auto",
    log_format: Optional[str] = None,
    json_fields: Optional[str] = None,
    window: Optional[str] = None,
    errors: str = "5xx",
    route_map: Union[str, PathLike[str], None] = None,
    strict: bool = False,
) -> Any: ...

class KMeans:
    cluster_centers_: npt.NDArray[np.float64]
    counts_: npt.NDArray[np.int64]
    inertia_: float
    n_iter_: int
    converged_: bool
    features_: list[str]
    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: Union[str, npt.ArrayLike] = "k-means++",
        n_init: int = 10,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: int = 0,
        sample_rows: int = 100_000,
        features: Optional[list[str]] = None,
        passes: Literal["auto", "stage", "jobs"] = "auto",
    ) -> None: ...
    def fit(self, df: Any) -> "KMeans": ...
    def predict(self, df: Any, *, output_col: str = "cluster") -> Any: ...

def score(df: Any, model: Union[str, PathLike[str], Model], *, features: Optional[dict[str, str]] = None) -> Any: ...
