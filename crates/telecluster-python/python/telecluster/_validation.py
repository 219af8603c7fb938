"""Input checks shared by the estimators: scikit-learn's own, so errors read as users know them."""

import inspect

import numpy as np
from sklearn.utils import check_array

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(estimator, X="no_validation", **kwargs):
        return estimator._validate_data(X, **kwargs)


# scikit-learn 1.6 renamed force_all_finite to ensure_all_finite.
_ALL_FINITE = (
    "ensure_all_finite" if "ensure_all_finite" in inspect.signature(check_array).parameters else "force_all_finite"
)


def check_X(estimator, X, *, reset, ensure_min_samples=1):
    """`X` as a C-contiguous float64 array, checked finite and 2-D.

    A C-contiguous float64 array (or DataFrame backed by one) is passed on as it is, without a
    copy; anything else (float32, integers, Fortran order, lists) is converted once. With
    ``reset=True`` the estimator records ``n_features_in_`` and ``feature_names_in_``; with
    ``reset=False`` it checks ``X`` against them.
    """
    # Finiteness is checked by the engine as it reads the rows (the error names the row and
    # column), so it is not paid for twice on large inputs.
    return _validate_data(
        estimator,
        X,
        reset=reset,
        dtype=np.float64,
        order="C",
        accept_sparse=False,
        ensure_min_samples=ensure_min_samples,
        **{_ALL_FINITE: False},
    )


def seed_of(random_state):
    """A 64-bit seed from scikit-learn's ``random_state`` (None, an int or a RandomState).

    ``None`` draws a fresh seed from NumPy's global generator, as scikit-learn's estimators do,
    so unseeded fits differ from one call to the next; an int is used as it is.
    """
    from sklearn.utils import check_random_state

    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))
