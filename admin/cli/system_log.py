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


class NodeFilter(logging.Filter):
    """Lets through the records of one node (its ``node`` attribute, else the thread's name)."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node
        self._prefix = f"{node}-"

    def filter(self, record: logging.LogRecord) -> bool:
        owner = getattr(record, "node", None)
        if owner is not None:
            return owner == self.node
        return (record.threadName or "").startswith(self._prefix)


def install(cluster_directory: Path, node_names: list[str]) -> list[logging.Handler]:
    """Route every node's records to its ``logs/system.log`` (appending, as Cassandra does on restart)."""
    handlers: list[logging.Handler] = []
    formatter = CassandraFormatter()
    for name in node_names:
        logs = cluster_directory / name / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(logs / "system.log", encoding="utf-8")
        handler.setLevel(logging.INFO)
        handler.setFormatter(formatter)
        handler.addFilter(NodeFilter(name))
        handlers.append(handler)
    engine_logger = logging.getLogger("engine")
    engine_logger.setLevel(logging.INFO)
    for handler in handlers:
        engine_logger.addHandler(handler)
    return handlers


def uninstall(handlers: list[logging.Handler]) -> None:
    engine_logger = logging.getLogger("engine")
    for handler in handlers:
        engine_logger.removeHandler(handler)
        handler.close()
    if not engine_logger.handlers:
        engine_logger.setLevel(logging.NOTSET)  # as before install: the engine logs at its parent's level
