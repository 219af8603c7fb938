"""telecluster: clustering for operations telemetry.

scikit-learn's :class:`KMeans` and :class:`DBSCAN` and scipy's :func:`linkage`, computed by
telecluster's Rust engines: the same answers, many times faster, plus K and eps chosen from the
data (``n_clusters="auto"``, ``eps="auto"``) and DBSCAN's placing and scoring of new rows.
"""

from ._dbscan import DBSCAN
from ._hierarchy import linkage
from ._kmeans import KMeans
from ._native import __version__

__all__ = ["DBSCAN", "KMeans", "linkage", "__version__"]
