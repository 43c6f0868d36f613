"""What permissions apply to: Cassandra's ``IResource`` hierarchy, as names and as display text.

Three trees, each with a root (Cassandra's ``DataResource``, ``RoleResource``, ``FunctionResource``)::

    data                      <all keyspaces>
    data/ks                   <keyspace ks>
    data/ks/t                 <table ks.t>
    roles                     <all roles>
    roles/r                   <role r>
    functions                 <all functions>
    functions/ks              <all functions in ks>
    functions/ks/f[int, text] <function ks.f(int, text)>

The slash-separated *name* is what ``system_auth.role_permissions.resource`` stores; ``str()`` is what
errors and ``LIST PERMISSIONS`` show. A permission granted on a resource applies to everything below it
(:meth:`AuthResource.chain` walks from the resource up to its root, as ``Resources.chain`` does).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.cql.ast.dcl import Permission

P = Permission
_DATA_ROOT = frozenset(
    {P.CREATE, P.ALTER, P.DROP, P.SELECT, P.MODIFY, P.AUTHORIZE, P.UNMASK, P.SELECT_MASKED}
)
_DATA_TABLE = _DATA_ROOT - {P.CREATE}
_ROLES_ROOT = frozenset({P.CREATE, P.ALTER, P.DROP, P.AUTHORIZE, P.DESCRIBE})
_ROLE = frozenset({P.ALTER, P.DROP, P.AUTHORIZE})
_FUNCTIONS_ROOT = frozenset({P.CREATE, P.ALTER, P.DROP, P.AUTHORIZE, P.EXECUTE})
_FUNCTION = frozenset({P.ALTER, P.DROP, P.AUTHORIZE, P.EXECUTE})


class ResourceTree(enum.Enum):
    DATA = "data"
    ROLES = "roles"
    FUNCTIONS = "functions"

    @property
    def class_name(self) -> str:
        """Cassandra's resource class, as some error messages name it."""
        return {"data": "DataResource", "roles": "RoleResource", "functions": "FunctionResource"}[self.value]


@dataclass(frozen=True, slots=True, order=True)
class AuthResource:
    """One resource: its tree and the path below the root (``()`` for the root itself).

    For a function the last part is ``name[type, type]`` (its signature), as Cassandra names it.
    """

    tree: ResourceTree
    parts: tuple[str, ...] = ()

    # ------------------------------------------------------------------------------ constructors

    @classmethod
    def all_keyspaces(cls) -> AuthResource:
        return cls(ResourceTree.DATA)

    @classmethod
    def keyspace(cls, keyspace: str) -> AuthResource:
        return cls(ResourceTree.DATA, (keyspace,))

    @classmethod
    def table(cls, keyspace: str, table: str) -> AuthResource:
        return cls(ResourceTree.DATA, (keyspace, table))

    @classmethod
    def all_roles(cls) -> AuthResource:
        return cls(ResourceTree.ROLES)

    @classmethod
    def role(cls, name: str) -> AuthResource:
        return cls(ResourceTree.ROLES, (name,))

    @classmethod
    def all_functions(cls) -> AuthResource:
        return cls(ResourceTree.FUNCTIONS)

    @classmethod
    def keyspace_functions(cls, keyspace: str) -> AuthResource:
        return cls(ResourceTree.FUNCTIONS, (keyspace,))

    @classmethod
    def function(cls, keyspace: str, name: str, argument_types: tuple[str, ...]) -> AuthResource:
        return cls(ResourceTree.FUNCTIONS, (keyspace, f"{name}[{', '.join(argument_types)}]"))

    @classmethod
    def from_name(cls, name: str) -> AuthResource:
        """The resource a stored name (``data/ks/t``) stands for."""
        head, *rest = name.split("/", 2)
        return cls(ResourceTree(head), tuple(rest))

    # ---------------------------------------------------------------------------------- queries

    @property
    def name(self) -> str:
        return "/".join((self.tree.value, *self.parts))

    @property
    def is_root(self) -> bool:
        return not self.parts

    def parent(self) -> AuthResource | None:
        return None if self.is_root else AuthResource(self.tree, self.parts[:-1])

    def chain(self) -> list[AuthResource]:
        """This resource, then its parents up to the root (Cassandra's ``Resources.chain``)."""
        out: list[AuthResource] = []
        current: AuthResource | None = self
        while current is not None:
            out.append(current)
            current = current.parent()
        return out

    def applicable_permissions(self) -> frozenset[Permission]:
        depth = len(self.parts)
        match self.tree:
            case ResourceTree.DATA:
                return _DATA_TABLE if depth == 2 else _DATA_ROOT
            case ResourceTree.ROLES:
                return _ROLE if depth else _ROLES_ROOT
            case ResourceTree.FUNCTIONS:
                return _FUNCTION if depth == 2 else _FUNCTIONS_ROOT

    def __str__(self) -> str:
        depth = len(self.parts)
        match self.tree:
            case ResourceTree.DATA:
                if depth == 0:
                    return "<all keyspaces>"
                return f"<keyspace {self.parts[0]}>" if depth == 1 else f"<table {'.'.join(self.parts)}>"
            case ResourceTree.ROLES:
                return f"<role {self.parts[0]}>" if depth else "<all roles>"
            case ResourceTree.FUNCTIONS:
                if depth == 0:
                    return "<all functions>"
                if depth == 1:
                    return f"<all functions in {self.parts[0]}>"
                function, _, signature = self.parts[1].partition("[")
                return f"<function {self.parts[0]}.{function}({signature.rstrip(']')})>"
