"""CREATE TRIGGER and DROP TRIGGER, as a Cassandra 5.0 node answers them when it cannot load the class.

A Cassandra trigger is a Java class (``ITrigger``) loaded from the node's ``triggers`` directory and run
on every mutation of its table. cqlkit runs no Java, so every trigger class is one it cannot load:
``CREATE TRIGGER`` goes through ``CreateTriggerStatement.apply``'s checks in their order (keyspace,
table, materialized view, an existing trigger of that name) and then fails as Cassandra fails when
``TriggerExecutor.loadTriggerClass`` throws: ``Trigger class '<class>' couldn't be loaded``. No table
ever has a trigger, so ``system_schema.triggers`` stays empty and ``DROP TRIGGER`` finds none
(``DropTriggerStatement``: ``Trigger '<name>' on '<ks>.<table>' doesn't exist``, a no-op with
``IF EXISTS``). Both need a superuser when authorization is on (``auth_access``).
"""

from __future__ import annotations

from engine.cql.ast import ddl
from engine.cql3.statements.base import ExecutionContext
from engine.cql3.statements.schema_statements import Noop, SchemaStatement
from engine.errors import InvalidRequest
from engine.schema.metadata import Schema
from engine.service.results import SchemaChange


class CreateTrigger(SchemaStatement):
    # ClientState.ensureIsSuperuser (auth_access); no data permission
    permission = ("ALTER", None)

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.CreateTriggerStatement)
        keyspace = schema.keyspace(self.keyspace_name)
        if keyspace is None:
            raise InvalidRequest(f"Keyspace '{self.keyspace_name}' doesn't exist")
        table = keyspace.table_or_view(st.table.name)
        if table is None:
            raise InvalidRequest(f"Table '{st.table.name}' doesn't exist")
        if table.is_view:
            raise InvalidRequest("Cannot CREATE TRIGGER for a materialized view")
        # No table has a trigger (none can be created), so IF NOT EXISTS never makes this a no-op; the
        # class is then loaded, which fails for every class on a node without a JVM.
        raise InvalidRequest(f"Trigger class '{st.trigger_class}' couldn't be loaded")


class DropTrigger(SchemaStatement):
    permission = ("ALTER", None)

    def transform(self, schema: Schema, ctx: ExecutionContext) -> tuple[Schema, SchemaChange]:
        st = self.statement
        assert isinstance(st, ddl.DropTriggerStatement)
        if st.if_exists:
            raise Noop
        raise InvalidRequest(f"Trigger '{st.name}' on '{self.keyspace_name}.{st.table.name}' doesn't exist")
