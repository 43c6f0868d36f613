"""Vector similarity: Cassandra 5.0's ``similarity_cosine``, ``similarity_euclidean`` and
``similarity_dot_product`` functions (``VectorFcts``), and the scores an ANN ordering ranks rows by.

Both use the same three functions as Cassandra's vector index (jvector/Lucene
``VectorSimilarityFunction.compare``), scores where a higher value is more similar:

* COSINE: ``(1 + cos(a, b)) / 2``, in [0, 1];
* EUCLIDEAN: ``1 / (1 + |a - b|²)``, in (0, 1];
* DOT_PRODUCT: ``(1 + a·b) / 2``.

The functions take two ``vector<float, n>`` of the same dimension and return a ``float`` (computed in
double precision, then rounded to a 32-bit float as Cassandra returns it).
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence

from engine.errors import InvalidRequest
from engine.schema.types import CqlType
from engine.schema.types.vector import VectorType


class SimilarityFunction(enum.Enum):
    """A vector index's ``similarity_function`` option (``IndexWriterConfig``), COSINE by default."""

    EUCLIDEAN = "EUCLIDEAN"
    DOT_PRODUCT = "DOT_PRODUCT"
    COSINE = "COSINE"

    def compare(self, a: Sequence[float], b: Sequence[float]) -> float:
        """The similarity score of two vectors of the same dimension (higher: more similar)."""
        if self is SimilarityFunction.EUCLIDEAN:
            distance = sum((x - y) * (x - y) for x, y in zip(a, b, strict=True))
            return _float32(1.0 / (1.0 + distance))
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        if self is SimilarityFunction.DOT_PRODUCT:
            return _float32((1.0 + dot) / 2.0)
        norms = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
        cosine = dot / norms if norms else math.nan
        return _float32((1.0 + cosine) / 2.0)


def _float32(value: float) -> float:
    return struct.unpack(">f", struct.pack(">f", value))[0]


#: the function names, with the similarity each computes
FUNCTIONS: dict[str, SimilarityFunction] = {
    "similarity_cosine": SimilarityFunction.COSINE,
    "similarity_euclidean": SimilarityFunction.EUCLIDEAN,
    "similarity_dot_product": SimilarityFunction.DOT_PRODUCT,
}


def is_float_vector(found: CqlType) -> bool:
    base = found.unwrap()
    return isinstance(base, VectorType) and base.element.cql() == "float"


def check_arguments(name: str, argument_types: Sequence[CqlType]) -> VectorType:
    """VectorFcts.similarity_function's checks of the argument types; returns the vector type."""
    if len(argument_types) != 2:
        raise InvalidRequest(f"{name}() requires two arguments, but {len(argument_types)} given")
    if not all(is_float_vector(t) for t in argument_types):
        raise InvalidRequest(f"Only float vectors are supported by {name}")
    first = argument_types[0].unwrap()
    assert isinstance(first, VectorType)
    if any(t.unwrap().dimension != first.dimension for t in argument_types):  # type: ignore[attr-defined]
        raise InvalidRequest("All arguments must have the same vector dimensions")
    return first
