"""Each node's ``nodeN/logs/system.log`` in Cassandra's line format, for a served cluster.

Cassandra's logback pattern is ``%-5level [%thread] %date{ISO8601} %F:%L - %msg%n``::

    INFO  [main] 2026-12-06 16:00:00,123 lifecycle.py:121 - Startup complete

The file and line are cqlkit's module (Python's ``filename``/``lineno``); levels use logback's names
(``WARN``, not ``WARNING``), Python's main thread is ``main``. A record belongs to a node when it carries
``node`` (the lifecycle and gossip messages of :mod:`engine.admin_api.lifecycle`) or, otherwise, when it
was logged on one of the node's threads (``node2-MemtableFlushWriter``, ``node2-native``…): the engine
names every per-node thread after its node.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

FORMAT = "%(levelname)-5s [%(threadName)s] %(asctime)s,%(msecs)03d %(filename)s:%(lineno)d - %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_LEVELS = {"WARNING": "WARN", "CRITICAL": "ERROR"}


class CassandraFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(FORMAT, DATE_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers see the record unchanged
        record.levelname = _LEVELS.get(record.levelname, record.levelname)
        if record.threadName == "MainThread":
            record.threadName = "main"
        return super().format(record)


class NodeLogRouter(logging.Handler):
    """One handler for a whole cluster: each record goes to its node's ``logs/system.log``, opened the
    first time that node logs — so a node added while the cluster is served (``cqlkit cluster add``) logs
    its bootstrap from the first line."""

    def __init__(self, cluster_directory: Path, node_names: list[str]) -> None:
        super().__init__(logging.INFO)
        self.cluster_directory = cluster_directory
        self._files: dict[str, logging.FileHandler] = {}
        self._formatter = CassandraFormatter()
        for name in node_names:
            self._file(name)

    def _file(self, node: str) -> logging.FileHandler:
        handler = self._files.get(node)
        if handler is None:
            logs = self.cluster_directory / node / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(logs / "system.log", encoding="utf-8")
            handler.setFormatter(self._formatter)
            self._files[node] = handler
        return handler

    def emit(self, record: logging.LogRecord) -> None:
        node = getattr(record, "node", None)
        if node is None:  # else the node whose thread logged it (``node2-MemtableFlushWriter``)
            match = _NODE_THREAD.match(record.threadName or "")
            node = match.group(1) if match else None
        if node is not None and _NODE_NAME.fullmatch(str(node)):
            self._file(str(node)).emit(record)

    def close(self) -> None:
        for handler in self._files.values():
            handler.close()
        super().close()


_NODE_NAME = re.compile(r"node\d+")
_NODE_THREAD = re.compile(r"(node\d+)-")


def install(cluster_directory: Path, node_names: list[str]) -> list[logging.Handler]:
    """Route every node's records to its ``logs/system.log`` (appending, as Cassandra does on restart)."""
    router = NodeLogRouter(cluster_directory, node_names)
    engine_logger = logging.getLogger("engine")
    engine_logger.setLevel(logging.INFO)
    engine_logger.addHandler(router)
    return [router]


def uninstall(handlers: list[logging.Handler]) -> None:
    engine_logger = logging.getLogger("engine")
    for handler in handlers:
        engine_logger.removeHandler(handler)
        handler.close()
    if not engine_logger.handlers:
        engine_logger.setLevel(logging.NOTSET)  # as before install: the engine logs at its parent's level
