"""Vector search: the similarity scores, and ANN queries' execution rules (engine.cql3.ann)."""

from __future__ import annotations

import math

import pytest

from engine.cql3 import ann
from engine.cql3.vector_functions import SimilarityFunction
from engine.db.consistency_level import ConsistencyLevel
from engine.errors import InvalidRequest


def test_scores_match_the_index_similarity_functions() -> None:
    a, b = [1.0, 0.0], [1.0, 1.0]
    assert SimilarityFunction.COSINE.compare(a, b) == pytest.approx((1 + 1 / math.sqrt(2)) / 2, rel=1e-6)
    assert SimilarityFunction.EUCLIDEAN.compare(a, b) == 0.5
    assert SimilarityFunction.DOT_PRODUCT.compare(a, b) == 1.0
    assert SimilarityFunction.COSINE.compare(b, [2.0, 2.0]) == 1.0


def test_serial_consistency_is_refused_and_stronger_levels_downgraded() -> None:
    with pytest.raises(InvalidRequest, match="Consistency level SERIAL was used"):
        ann.check_execution(
            aggregate=False,
            consistency=ConsistencyLevel.SERIAL,
            limit=1,
            per_partition_limit=None,
            page_size=None,
        )
    top = ann.check_execution(
        aggregate=False,
        consistency=ConsistencyLevel.LOCAL_QUORUM,
        limit=1,
        per_partition_limit=None,
        page_size=None,
    )
    assert top.consistency is ConsistencyLevel.LOCAL_ONE
    assert top.warnings == (
        "Top-K queries can only be run with consistency level ONE / LOCAL_ONE / NODE_LOCAL. Consistency level "
        "LOCAL_QUORUM was requested. Downgrading the consistency level to LOCAL_ONE.",
    )
    top = ann.check_execution(
        aggregate=False,
        consistency=ConsistencyLevel.ALL,
        limit=1000,
        per_partition_limit=None,
        page_size=5000,
    )
    assert top.consistency is ConsistencyLevel.ONE


def test_limit_rules() -> None:
    with pytest.raises(InvalidRequest, match="Top-K queries must have a limit specified"):
        ann.check_execution(
            aggregate=False,
            consistency=ConsistencyLevel.ONE,
            limit=None,
            per_partition_limit=None,
            page_size=None,
        )
    with pytest.raises(InvalidRequest, match="LIMIT was 1001"):
        ann.check_execution(
            aggregate=False,
            consistency=ConsistencyLevel.ONE,
            limit=1001,
            per_partition_limit=None,
            page_size=None,
        )
    assert (
        ann.check_execution(
            aggregate=False,
            consistency=ConsistencyLevel.ONE,
            limit=10,
            per_partition_limit=None,
            page_size=10,
        ).warnings
        == ()
    )
