"""Node logs: Cassandra's line format and routing each record to its node's ``system.log``."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from admin.cli import system_log

LINE = re.compile(
    r"^(?P<level>\S+) +\[(?P<thread>[^\]]+)\] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    r"(?P<file>test_system_log\.py):(?P<line>\d+) - (?P<message>.*)$"
)


def _lines(path: Path) -> list[dict[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        match = LINE.match(line)
        assert match is not None, line
        out.append(match.groupdict())
    return out


def test_records_go_to_their_node_in_cassandras_format(tmp_path: Path) -> None:
    handlers = system_log.install(tmp_path, ["node1", "node2"])
    log = logging.getLogger("engine.test_system_log")
    try:
        log.info("Startup complete", extra={"node": "node1"})
        log.warning("Not marking nodes down", extra={"node": "node2"})
        log.error("Exception in thread", extra={"node": "node2"})
        log.debug("not at INFO", extra={"node": "node1"})

        def on_node_thread() -> None:
            log.info("Completed flushing")

        worker = threading.Thread(target=on_node_thread, name="node2-MemtableFlushWriter")
        worker.start()
        worker.join()
        log.info("no node: neither file")
        logging.getLogger("cassandra.cluster").info("not the engine's", extra={"node": "node1"})
    finally:
        system_log.uninstall(handlers)
    node1 = _lines(tmp_path / "node1" / "logs" / "system.log")
    node2 = _lines(tmp_path / "node2" / "logs" / "system.log")
    assert [(r["level"], r["thread"], r["message"]) for r in node1] == [("INFO", "main", "Startup complete")]
    assert [(r["level"], r["thread"], r["message"]) for r in node2] == [
        ("WARN", "main", "Not marking nodes down"),
        ("ERROR", "main", "Exception in thread"),
        ("INFO", "node2-MemtableFlushWriter", "Completed flushing"),
    ]
    # %-5level: INFO and WARN are padded to five characters, as logback pads them
    first = (tmp_path / "node1" / "logs" / "system.log").read_text().splitlines()[0]
    assert first.startswith("INFO  [main] ")
    assert (tmp_path / "node2" / "logs" / "system.log").read_text().startswith("WARN  [main] ")
    assert not logging.getLogger("engine").handlers  # uninstalled
    assert logging.getLogger("engine").level == logging.NOTSET
