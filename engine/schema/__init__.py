"""The schema layer: CQL types and values (this package's ``types`` and ``values``), and — built on
them by the query engine — table metadata and the schema catalog.

``engine.schema.types`` describes every CQL type of Cassandra 5.0: its native-protocol bytes, its
validation, Cassandra's ordering, literal coercion with Cassandra's messages, CQL/JSON rendering and
type parsing. ``engine.schema.values`` holds the Python values of the types the standard library has no
match for (``Date``, ``Time``, ``Duration``, ``SortedSet``, ``OrderedMap``, ``UserTypeValue``, ``EMPTY``).
"""
