"""Input and output shapes: samples on `axis`, every other axis a batch of independent rows."""
import operator

import numpy as np


def integer(value, name, minimum=None, maximum=None):
    """An integer argument (bool refused), range-checked."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, not bool")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {v}")
    return v


def real(value, name):
    """A real-number argument, as Python's float (non-finite values are the library's to refuse)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__}")
    return float(value)


def threads(value):
    """threads=None is every online processor (0 for the library)."""
    return 0 if value is None else integer(value, "threads", 1, 1024)


def samples(value):
    """k=None is all columns (0 for the library)."""
    return 0 if value is None else integer(value, "k", 1)


class Rows:
    """logw as an (N, K) C-contiguous float64 matrix: the samples axis moved last and the other
    axes flattened in C order (row n of the matrix is batch index np.unravel_index(n, batch)).
    A C-contiguous float64 array with axis=-1 is used in place; anything else is converted once."""

    def __init__(self, logw, axis=-1, name="logw"):
        array = np.asarray(logw)
        if array.dtype.kind not in "fiu":
            raise TypeError(f"{name} must hold real numbers (float or integer dtype), got dtype {array.dtype}")
        if array.ndim == 0:
            raise ValueError(f"{name} must have at least one axis (the samples), got a scalar")
        self.axis = integer(axis, "axis")
        if not -array.ndim <= self.axis < array.ndim:
            raise ValueError(f"axis {self.axis} is out of range for {name} with {array.ndim} dimension(s)")
        moved = np.moveaxis(array, self.axis, -1)
        self.k = moved.shape[-1]
        if self.k == 0:
            raise ValueError(f"{name} has no samples along axis {self.axis}")
        self.batch = moved.shape[:-1]
        self.moved_shape = moved.shape
        self.matrix = np.ascontiguousarray(moved.reshape(-1, self.k), dtype=np.float64)
        self.ndim = array.ndim

    @property
    def n(self):
        return self.matrix.shape[0]

    def values(self, flat):
        """(N,) → the batch shape; a 1-D input gives a numpy scalar."""
        out = flat.reshape(self.batch)
        return out[()] if out.ndim == 0 else out

    def like_input(self, flat):
        """(N, K) → the input's shape, samples back on `axis`."""
        return np.moveaxis(flat.reshape(self.moved_shape), -1, self.axis)

    def location(self, row):
        """Where row `row` of the matrix is in the input: "row 3" or "index (1, 2)"."""
        if len(self.batch) <= 1:
            return f"row {row}"
        return f"index {tuple(int(i) for i in np.unravel_index(row, self.batch))}"
