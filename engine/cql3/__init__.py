"""Statement preparation and execution: CQL syntax trees checked against the schema and run on a node.

``query_processor`` parses a query string, prepares the statement (``statements``: restrictions, types,
Cassandra's validation messages) and executes it against the node's storage proxy, returning a result
message (``results``). Prepared statements are cached by their MD5 id, as Cassandra caches them.
"""
