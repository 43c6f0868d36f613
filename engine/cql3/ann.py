"""Vector search: ``SELECT ... ORDER BY <vector column> ANN OF <vector> LIMIT n``.

Cassandra 5.0 answers an ANN ordering from a storage-attached index (``CREATE CUSTOM INDEX ... USING
'StorageAttachedIndex'``) on a ``vector<float, n>`` column: the index's graph gives the ``n`` rows whose
vectors are most similar to the query vector under the index's ``similarity_function`` (COSINE by
default, or EUCLIDEAN or DOT_PRODUCT: ``engine.cql3.vector_functions``), best first.

cqlkit ranks exactly instead of approximately: it reads every row the WHERE clause selects (the whole
table, one partition, or the rows other indexed restrictions leave), scores each row's vector and keeps
the ``n`` best (ties in token, then clustering order). The results are the true top-k, which an
approximate graph search may miss; everything else (which queries are allowed, their errors, LIMIT and
paging) is Cassandra's:

* preparation (``StatementRestrictions.addOrderingRestrictions`` and its ANN checks): one ANN ordering,
  no other ordering, ascending only; the column must be a float vector with an index; the other
  restrictions must be answerable by indexes (no partition key filtering, no non-indexed columns);
  a vector index answers nothing but ANN (``WHERE v = [...]`` is refused);
* execution (``SelectStatement.execute``'s Top-K checks, then ``StorageAttachedIndex.validate``): no
  aggregation, a LIMIT of at most 1000 (``MAX_TOP_K``) and no PER PARTITION LIMIT, consistency ONE or
  LOCAL_ONE (stronger levels are downgraded with a warning, serial ones refused), and no paging: a page
  size below the LIMIT is raised to it with a warning, and the result never has more pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.cql import ast
from engine.cql3 import terms
from engine.cql3.terms import BindContext, PrepareContext, Term
from engine.cql3.vector_functions import SimilarityFunction, is_float_vector
from engine.db.consistency_level import ConsistencyLevel
from engine.errors import InvalidRequest
from engine.schema.metadata import ColumnMetadata, IndexMetadata, TableMetadata
from engine.schema.types.vector import VectorType
from engine.service.results import ColumnSpec

SAI_CLASS = "org.apache.cassandra.index.sai.StorageAttachedIndex"
#: IndexWriterConfig.MAX_TOP_K (the sai_vector_search_max_top_k default)
MAX_TOP_K = 1000

ANN_REQUIRES_INDEX_MESSAGE = "ANN ordering by vector requires the column to be indexed"
VECTOR_INDEXES_ANN_ONLY_MESSAGE = "Vector indexes only support ANN queries"
ANN_ONLY_SUPPORTED_ON_VECTOR_MESSAGE = "ANN ordering is only supported on float vector indexes"
ANN_REQUIRES_INDEXED_FILTERING_MESSAGE = (
    "ANN ordering by vector requires all restricted column(s) to be indexed"
)

TOPK_CONSISTENCY_LEVEL_ERROR = (
    "Top-K queries can only be run with consistency level ONE/LOCAL_ONE. Consistency level {} was used."
)
TOPK_LIMIT_ERROR = (
    "Top-K queries must have a limit specified and the limit must be less than the query page size"
)
TOPK_PARTITION_LIMIT_ERROR = "Top-K queries do not support per-partition limits"
TOPK_AGGREGATION_ERROR = "Top-K queries can not be run with aggregation"
TOPK_CONSISTENCY_LEVEL_WARNING = (
    "Top-K queries can only be run with consistency level ONE / LOCAL_ONE / NODE_LOCAL. Consistency level {} "
    "was requested. Downgrading the consistency level to {}."
)
TOPK_PAGE_SIZE_WARNING = (
    "Top-K queries do not support paging and the page size is set to {0}, which is less than LIMIT {1}. "
    "The page size has been set to {1} to match the LIMIT."
)
ANN_LIMIT_ERROR = (
    "Use of ANN OF in an ORDER BY clause requires a LIMIT that is not greater than {}. LIMIT was {}"
)

_ONE_LEVELS = (ConsistencyLevel.ONE, ConsistencyLevel.LOCAL_ONE, ConsistencyLevel.NODE_LOCAL)
_DATACENTER_LOCAL = (
    ConsistencyLevel.LOCAL_ONE,
    ConsistencyLevel.LOCAL_QUORUM,
    ConsistencyLevel.LOCAL_SERIAL,
    ConsistencyLevel.NODE_LOCAL,
)


@dataclass(frozen=True)
class AnnOrdering:
    """A prepared ``ORDER BY column ANN OF vector``: the column, its query vector, and the vector index
    on the column (None: not indexed, refused once the restrictions are known)."""

    column: ColumnMetadata
    vector: Term
    index: IndexMetadata | None

    @property
    def answers(self) -> bool:
        """Whether the index answers the ordering: a storage-attached index on a float vector
        (``IndexTermType.supports(ANN)``)."""
        return self.index is not None and is_sai(self.index) and is_float_vector(self.column.type)

    @property
    def similarity(self) -> SimilarityFunction:
        options = self.index.options if self.index is not None else {}
        return SimilarityFunction(options.get("similarity_function", "COSINE").upper())


def is_sai(index: IndexMetadata) -> bool:
    return index.options.get("class_name") == SAI_CLASS


def index_on(table: TableMetadata, column: ColumnMetadata) -> IndexMetadata | None:
    """An index that depends on ``column`` (``Index.dependsOn``), if any."""
    from engine.cql3.statements.schema_objects import index_column

    for index in table.indexes.values():
        if index_column(index.target) == column.name:
            return index
    return None


def prepare(
    order_by: Sequence[ast.Ordering], table: TableMetadata, ctx: PrepareContext
) -> AnnOrdering | None:
    """The ANN ordering of a SELECT, None without one: ``Ordering.Raw.Ann.bind`` (the vector prepared for
    the column), then ``addOrderingRestrictions``' checks."""
    anns = [o for o in order_by if o.ann is not None]
    if not anns:
        return None
    prepared = []
    for ordering in anns:
        column = table.column(ordering.column)
        assert column is not None  # checked before
        spec = ColumnSpec(table.keyspace, table.name, column.name, column.type)
        prepared.append((ordering, column, terms.prepare(ordering.ann, spec, ctx)))  # type: ignore[arg-type]
    if len(anns) > 1:
        raise InvalidRequest("Cannot specify more than one ANN ordering")
    if len(order_by) > 1:
        raise InvalidRequest("ANN ordering does not support any other ordering")
    ordering, column, vector = prepared[0]
    if ordering.direction is not ast.Direction.ASC:
        raise InvalidRequest("Descending ANN ordering is not supported")
    sai = [i for i in table.indexes.values() if is_sai(i) and _target_column(i) == column.name]
    return AnnOrdering(column, vector, sai[0] if sai else index_on(table, column))


def _target_column(index: IndexMetadata) -> str:
    from engine.cql3.statements.schema_objects import index_column

    return index_column(index.target)


def check_restrictions(
    ann: AnnOrdering,
    table: TableMetadata,
    *,
    pk_needs_filtering: bool,
    pk_unrestricted: bool,
    clustering_needs_filtering: bool,
    clustering_columns: Iterable[ColumnMetadata],
    other_columns: Iterable[ColumnMetadata],
) -> None:
    """StatementRestrictions' checks of a query with an ANN restriction (run where it handles the
    non-primary-key restrictions, before the ALLOW FILTERING check)."""
    if not is_float_vector(ann.column.type):
        raise InvalidRequest(ANN_ONLY_SUPPORTED_ON_VECTOR_MESSAGE)
    if ann.index is None:
        raise InvalidRequest(ANN_REQUIRES_INDEX_MESSAGE)
    if pk_needs_filtering:
        raise InvalidRequest(ANN_REQUIRES_INDEXED_FILTERING_MESSAGE)
    others = list(other_columns)
    clustering = list(clustering_columns)
    not_indexed = [c for c in (*others, *clustering) if index_on(table, c) is None]
    if not_indexed and (
        not all(c in clustering for c in not_indexed) or pk_unrestricted or clustering_needs_filtering
    ):
        raise InvalidRequest(ANN_REQUIRES_INDEXED_FILTERING_MESSAGE)


def check_vector_restrictions(table: TableMetadata, other_columns: Iterable[ColumnMetadata]) -> None:
    """Without an ANN ordering, an indexed vector column may not be restricted at all."""
    for column in other_columns:
        if column.type.is_vector and index_on(table, column) is not None:
            raise InvalidRequest(VECTOR_INDEXES_ANN_ONLY_MESSAGE)


@dataclass(frozen=True)
class TopK:
    """What an ANN query reads with, once its execution checks passed."""

    limit: int
    consistency: ConsistencyLevel
    warnings: tuple[str, ...]


def check_execution(
    *,
    aggregate: bool,
    consistency: ConsistencyLevel,
    limit: int | None,
    per_partition_limit: int | None,
    page_size: int | None,
) -> TopK:
    """SelectStatement.execute's Top-K checks, then the vector index's LIMIT check."""
    warnings = []
    if aggregate:
        raise InvalidRequest(TOPK_AGGREGATION_ERROR)
    if consistency.is_serial:
        raise InvalidRequest(TOPK_CONSISTENCY_LEVEL_ERROR.format(consistency.name))
    if consistency not in _ONE_LEVELS:
        downgrade = ConsistencyLevel.LOCAL_ONE if consistency in _DATACENTER_LOCAL else ConsistencyLevel.ONE
        warnings.append(TOPK_CONSISTENCY_LEVEL_WARNING.format(consistency.name, downgrade.name))
        consistency = downgrade
    if limit is None:
        raise InvalidRequest(TOPK_LIMIT_ERROR)
    if per_partition_limit is not None:
        raise InvalidRequest(TOPK_PARTITION_LIMIT_ERROR)
    if page_size is not None and page_size < limit:
        warnings.append(TOPK_PAGE_SIZE_WARNING.format(page_size, limit))
    if limit > MAX_TOP_K:
        raise InvalidRequest(ANN_LIMIT_ERROR.format(MAX_TOP_K, limit))
    return TopK(limit, consistency, tuple(warnings))


def top_k(ann: AnnOrdering, rows: Iterable, bind: BindContext, limit: int) -> list:
    """The ``limit`` rows (``CqlRow``) whose vectors score best against the query vector, best first; rows
    without a vector are not in the index, so not in the result."""
    target = ann.vector.bind(bind)
    if target is None or target is terms.UNSET:
        raise InvalidRequest(f"Unsupported null value for column {ann.column.name}")
    column_type = ann.column.type
    assert isinstance(column_type, VectorType)
    similarity = ann.similarity
    scored = []
    for position, row in enumerate(rows):
        raw = row.values.get(ann.column.name)
        if raw is None:
            continue
        score = similarity.compare(column_type.deserialize(raw), target)  # type: ignore[arg-type]
        scored.append((-score, position, row))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in scored[:limit]]
