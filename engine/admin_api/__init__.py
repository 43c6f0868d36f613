"""The admin HTTP/JSON API of a running cluster (``cqlkit serve``): see ``docs/admin_api.md``.

:mod:`engine.admin_api.server` is the loopback endpoint, its token guard and generic routing;
:mod:`engine.admin_api.lifecycle` serves every node of a cluster and adds the node lifecycle routes.
"""
