"""telecluster: clustering for operations telemetry.

scikit-learn's :class:`KMeans` and :class:`DBSCAN` and scipy's :func:`linkage`, computed by
telecluster's Rust engines: the same answers, many times faster, plus K and eps chosen from the
data (``n_clusters="auto"``, ``eps="auto"``) and DBSCAN's placing and scoring of new rows; and
:func:`analyse`, the whole analysis of ``telecluster report`` on a DataFrame, with saved models
(:func:`load_model`).
"""

from ._analysis import Analysis, Model, analyse, load_model
from ._dbscan import DBSCAN
from ._hierarchy import AgglomerativeClustering, linkage
from ._kmeans import KMeans
from ._logs import read_logs, read_prometheus
from ._native import __version__

__all__ = ["DBSCAN", "AgglomerativeClustering", "Analysis", "KMeans", "Model", "analyse", "linkage", "load_model", "read_logs", "read_prometheus", "__version__"]
