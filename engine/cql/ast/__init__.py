"""The CQL syntax tree: frozen dataclasses, one per statement kind, clause and term.

``engine.cql.parse`` builds these; ``render`` (each node's ``cql()``) turns them back into canonical CQL.
The tree says what was written, not whether it makes sense against a schema: that is statement
preparation's job (``engine.cql3``).
"""

from engine.cql.ast.clauses import *  # noqa: F403
from engine.cql.ast.dcl import *  # noqa: F403
from engine.cql.ast.ddl import *  # noqa: F403
from engine.cql.ast.dml import *  # noqa: F403
from engine.cql.ast.terms import *  # noqa: F403
