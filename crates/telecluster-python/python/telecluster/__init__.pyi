import os
from typing import Any, Literal, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin

__version__: str
__all__: list[str]

ArrayLike = npt.ArrayLike
RandomState = Union[int, np.random.RandomState, None]

class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    n_clusters: Union[int, Literal["auto"]]
    init: Union[Literal["k-means++", "random"], ArrayLike]
    n_init: Union[int, Literal["auto"]]
    max_iter: int
    tol: float
    random_state: RandomState
    algorithm: Literal["auto", "lloyd", "elkan", "hamerly", "kdtree"]
    k_max: int
    cluster_centers_: npt.NDArray[np.float64]
    labels_: npt.NDArray[np.int32]
    inertia_: float
    n_iter_: int
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]
    sweep_: dict[str, Any]
    counts_: npt.NDArray[np.int64]
    n_steps_: int
    def __init__(
        self,
        n_clusters: Union[int, Literal["auto"]] = 8,
        *,
        init: Union[Literal["k-means++", "random"], ArrayLike] = "k-means++",
        n_init: Union[int, Literal["auto"]] = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: RandomState = None,
        algorithm: Literal["auto", "lloyd", "elkan", "hamerly", "kdtree"] = "auto",
        k_max: int = 10,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: Any = None) -> "KMeans": ...
    def partial_fit(self, X: ArrayLike, y: Any = None) -> "KMeans": ...
    def fit_predict(self, X: ArrayLike, y: Any = None) -> npt.NDArray[np.int32]: ...
    def predict(self, X: ArrayLike) -> npt.NDArray[np.int32]: ...
    def transform(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    def fit_transform(self, X: ArrayLike, y: Any = None) -> npt.NDArray[np.float64]: ...
    def score(self, X: ArrayLike, y: Any = None) -> float: ...
    def get_feature_names_out(self, input_features: Any = None) -> npt.NDArray[np.object_]: ...

class DBSCAN(ClusterMixin, BaseEstimator):
    eps: Union[float, Literal["auto"]]
    min_samples: int
    metric: Literal["euclidean"]
    algorithm: Literal["auto", "ball_tree", "kd_tree", "brute"]
    leaf_size: int
    p: Optional[float]
    n_jobs: Optional[int]
    random_state: Optional[int]
    labels_: npt.NDArray[np.int64]
    core_sample_indices_: npt.NDArray[np.int64]
    components_: npt.NDArray[np.float64]
    eps_: float
    eps_chosen_by_: str
    k_distances_: npt.NDArray[np.float64]
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]
    def __init__(
        self,
        eps: Union[float, Literal["auto"]] = 0.5,
        *,
        min_samples: int = 5,
        metric: Literal["euclidean"] = "euclidean",
        algorithm: Literal["auto", "ball_tree", "kd_tree", "brute"] = "auto",
        leaf_size: int = 30,
        p: Optional[float] = None,
        n_jobs: Optional[int] = None,
        random_state: Optional[int] = None,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: Any = None) -> "DBSCAN": ...
    def fit_predict(self, X: ArrayLike, y: Any = None) -> npt.NDArray[np.int64]: ...
    def predict(self, X: ArrayLike) -> npt.NDArray[np.int64]: ...
    def score_samples(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...

class AgglomerativeClustering(ClusterMixin, BaseEstimator):
    n_clusters: Optional[int]
    metric: Literal["euclidean"]
    memory: Any
    connectivity: Any
    compute_full_tree: Union[bool, Literal["auto"]]
    linkage: Literal["single", "complete", "average", "weighted", "centroid", "median", "ward"]
    distance_threshold: Optional[float]
    compute_distances: bool
    n_clusters_: int
    labels_: npt.NDArray[np.int64]
    n_leaves_: int
    n_connected_components_: int
    children_: npt.NDArray[np.intp]
    distances_: npt.NDArray[np.float64]
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]
    def __init__(
        self,
        n_clusters: Optional[int] = 2,
        *,
        metric: Literal["euclidean"] = "euclidean",
        memory: Any = None,
        connectivity: Any = None,
        compute_full_tree: Union[bool, Literal["auto"]] = "auto",
        linkage: Literal["single", "complete", "average", "weighted", "centroid", "median", "ward"] = "ward",
        distance_threshold: Optional[float] = None,
        compute_distances: bool = False,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: Any = None) -> "AgglomerativeClustering": ...
    def fit_predict(self, X: ArrayLike, y: Any = None) -> npt.NDArray[np.int64]: ...

def linkage(
    X: ArrayLike,
    method: Literal["single", "complete", "average", "weighted", "centroid", "median", "ward"] = "single",
    metric: Literal["euclidean"] = "euclidean",
    optimal_ordering: bool = False,
) -> npt.NDArray[np.float64]: ...

class Analysis:
    result: dict[str, Any]
    @property
    def k(self) -> int: ...
    @property
    def eps(self) -> float: ...
    @property
    def labels(self) -> Any: ...
    @property
    def groups(self) -> Any: ...
    @property
    def anomalies(self) -> Any: ...
    @property
    def k_choice(self) -> Optional[dict[str, Any]]: ...
    @property
    def eps_choice(self) -> dict[str, Any]: ...
    @property
    class AgglomerativeClustering(ClusterMixin, BaseEstimator):
    n_clusters: Optional[int]
    metric: Literal["euclidean"]
    memory: Any
    connectivity: Any
    compute_full_tree: Union[bool, Literal["auto"]]
    linkage: Literal["single", "complete", "average", "weighted", "centroid", "median", "ward"]
    distance_threshold: Optional[float]
    compute_distances: bool
    n_clusters_: int
    labels_: npt.NDArray[np.int64]
    n_leaves_: int
    n_connected_components_: int
    children_: npt.NDArray[np.intp]
    distances_: npt.NDArray[np.float64]
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]
    def __init__(
        self,
        n_clusters: Optional[int] = 2,
        *,
        metric: Literal["euclidean"] = "euclidean",
        memory: Any = None,
        connectivity: Any = None,
        compute_full_tree: Union[bool, Literal["auto"]] = "auto",
        linkage: Literal["single", "complete", "average", "weighted", "centroid", "median", "ward"] = "ward",
        distance_threshold: Optional[float] = None,
        compute_distances: bool = False,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: Any = None) -> "AgglomerativeClustering": ...
    def fit_predict(self, X: ArrayLike, y: Any = None) -> npt.NDArray[np.int64]: ...

def linkage(self) -> npt.NDArray[np.float64]: ...
    def to_json(self) -> str: ...
    def save(self, path: Union[str, "os.PathLike[str]"]) -> None: ...
    def save_model(self, path: Union[str, "os.PathLike[str]"], method: Literal["dbscan", "kmeans"] = "dbscan") -> None: ...
    def _repr_html_(self) -> str: ...

def analyse(
    data: Any,
    *,
    id_column: Optional[str] = None,
    n_clusters: Union[int, Literal["auto"]] = "auto",
    k_max: int = 10,
    eps: Union[float, Literal["auto"]] = "auto",
    min_samples: Optional[int] = None,
    method: Literal["single", "complete", "average", "weighted", "centroid", "median", "ward"] = "ward",
    scaling: Literal["standard", "robust", "minmax", "none"] = "standard",
    log1p: Sequence[str] = (),
    random_state: int = 0,
) -> Analysis: ...

class Model:
    features: list[str]
    method: str
    def __init__(self, text: str, source: str) -> None: ...
    def score(self, data: Any) -> Any: ...

def load_model(path: Union[str, "os.PathLike[str]"]) -> Model: ...

def read_logs(
    paths: Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]],
    *,
    format: Literal["auto", "nginx", "envoy", "json"] = "auto",
    log_format: Optional[str] = None,
    json_fields: Optional[str] = None,
    window: Optional[str] = None,
    errors: str = "5xx",
    route_map: Optional[Union[str, "os.PathLike[str]"]] = None,
    strict: bool = False,
) -> Any: ...

def read_prometheus(
    url: Optional[str] = None,
    queries: Optional[dict[str, str]] = None,
    *,
    files: Optional[dict[str, Union[str, "os.PathLike[str]"]]] = None,
    by: Optional[Sequence[str]] = None,
    time: Optional[str] = None,
    range: Optional[str] = None,
    step: Optional[str] = None,
    reduce: Literal["mean", "p95", "max"] = "mean",
    timeout: str = "30s",
    bearer_token: Optional[str] = None,
    basic_auth: Optional[tuple[str, str]] = None,
) -> Any: ...
