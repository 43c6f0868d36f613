"""ScyllaDB's REST paths on the admin API, where the operation exists in cqlkit, so tools written against
ScyllaDB's API (port 10000 there) drive a cqlkit cluster too.

Each path, its query parameters and the JSON it answers follow ScyllaDB's API definitions
(``api/api-doc/storage_service.json``, ``failure_detector.json``, ``gossiper.json``)::

    GET    /storage_service/keyspaces[?type=user|non_local_strategy|all]      ["ks", ...]
    POST   /storage_service/keyspace_flush/{keyspace}[?cf=t1,t2]               {}
    POST   /storage_service/keyspace_compaction/{keyspace}[?cf=..&split_output=true]   {}
    POST   /storage_service/keyspace_cleanup/{keyspace}[?cf=..]                0
    GET    /storage_service/snapshots          [{"key": tag, "value": [{"ks", "cf", "total", "live"}]}]
    POST   /storage_service/snapshots?tag=..[&kn=ks1,ks2 | &kn=ks&cf=t1,t2 | &kn=ks.t,..][&sf=true]   {}
    DELETE /storage_service/snapshots[?tag=..][&kn=ks1,ks2 | &kn=ks&cf=t]       {}
    GET    /storage_service/snapshots/size/true                                 bytes
    POST   /storage_service/repair_async/{keyspace}[?columnFamilies=..&primaryRange=..&parallelism=..
           &jobThreads=..&dataCenters=..&hosts=..&startToken=..&endToken=.. | &ranges=st:et]   command id
    GET    /storage_service/repair_async/{keyspace}?id=N      "RUNNING" | "SUCCESSFUL" | "FAILED"
    GET    /storage_service/host_id                           [{"key": address, "value": host id}]
    GET    /storage_service/hostid/local                      "host id"
    GET    /storage_service/release_version                   "5.0.0"
    GET    /storage_service/operation_mode                    "NORMAL"
    GET    /storage_service/load                              bytes of live SSTables
    GET    /storage_service/load_map                          [{"key": address, "value": bytes}]
    GET    /storage_service/schema_version, /generation_number, /is_starting
    GET    /storage_service/tokens[/{endpoint}]               ["<token>", ...]
    GET    /storage_service/natural_endpoints/{keyspace}?cf=t&key=k   ["127.0.0.2", ...]
    GET    /storage_service/nodes/joining|leaving|moving      [address, ...]
    POST   /storage_service/compact                           {} (every keyspace)
    GET    /failure_detector/endpoints      [{"addrs", "generation", "version", "update_time", "is_alive",
                                              "application_state": [{"application_state", "value", "version"}]}]
    GET    /gossiper/endpoint/live/  and  /gossiper/endpoint/down/            ["127.0.0.2", ...]

ScyllaDB serves one node per API; a cqlkit server serves every node of its cluster behind one port, so
each path answers for the first running node, and the same path under ``/v1/nodes/{name}`` for that
node. Errors answer ScyllaDB's shape, ``{"message": ..., "code": <status>}``. ``application_state``
codes are the ordinals of ScyllaDB's (and Cassandra's) ``ApplicationState`` enum. A repair runs in the
background; its status is kept for the life of the server.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from engine.admin_api.server import AdminRequest, AdminResponse, Router
from engine.probe import NodeProbe, ProbeError
from engine.probe.endpoint import NodeState, NodeStatus
from engine.repair import RepairParallelism

#: ScyllaDB's ``application_state`` enum: a state's code is its position
_STATE_CODES = [
    "STATUS", "LOAD", "SCHEMA", "DC", "RACK", "RELEASE_VERSION", "REMOVAL_COORDINATOR", "INTERNAL_IP",
    "RPC_ADDRESS", "X_11_PADDING", "SEVERITY", "NET_VERSION", "HOST_ID", "TOKENS", "SUPPORTED_FEATURES",
    "CACHE_HITRATES", "SCHEMA_TABLES_VERSION", "RPC_READY",
]  # fmt: skip

Handler = Callable[[NodeProbe, AdminRequest], object]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _names(text: str | None) -> list[str]:
    return [n for n in (text or "").split(",") if n]


def _flag(request: AdminRequest, name: str) -> bool:
    return request.query.get(name, "false").lower() == "true"


class _Repairs:
    """Repair commands started through the API: id → status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._status: dict[int, str] = {}

    def start(self, run: Callable[[], bool]) -> int:
        with self._lock:
            command = next(self._ids)
            self._status[command] = "RUNNING"

        def work() -> None:
            try:
                ok = run()
            except Exception:  # a failed repair is reported through its status, as ScyllaDB's
                ok = False
            with self._lock:
                self._status[command] = "SUCCESSFUL" if ok else "FAILED"

        threading.Thread(target=work, name=f"repair-{command}", daemon=True).start()
        return command

    def status(self, command: int) -> str | None:
        with self._lock:
            return self._status.get(command)


def _keyspaces(probe: NodeProbe, request: AdminRequest) -> object:
    kind = request.query.get("type", "all")
    schema = probe.node.catalog.schema
    if kind == "non_local_strategy":
        return list(probe.repair_keyspaces())
    if kind == "user":
        return [name for name in probe.repair_keyspaces() if not name.startswith("system")]
    return sorted(name for name, ks in schema.keyspaces.items() if not ks.virtual)


def _flush(probe: NodeProbe, request: AdminRequest) -> object:
    probe.flush(request.params["keyspace"], _names(request.query.get("cf")))
    return {}


def _compact(probe: NodeProbe, request: AdminRequest) -> object:
    probe.compact(
        request.params["keyspace"],
        _names(request.query.get("cf")),
        split_output=_flag(request, "split_output"),
    )
    return {}


def _cleanup(probe: NodeProbe, request: AdminRequest) -> object:
    probe.cleanup(request.params["keyspace"], _names(request.query.get("cf")))
    return 0


def _list_snapshots(probe: NodeProbe, request: AdminRequest) -> object:
    by_tag: dict[str, list[dict[str, object]]] = {}
    for entry in probe.snapshots():
        by_tag.setdefault(entry.tag, []).append(
            {"ks": entry.keyspace, "cf": entry.table, "total": entry.size_on_disk, "live": entry.true_size}
        )
    return [{"key": tag, "value": tables} for tag, tables in by_tag.items()]


def _take_snapshot(probe: NodeProbe, request: AdminRequest) -> object:
    tag = request.query.get("tag") or str(int(probe.now().timestamp() * 1000))
    keyspaces = _names(request.query.get("kn"))
    tables = _names(request.query.get("cf"))
    skip_flush = _flag(request, "sf")
    if tables:
        if len(keyspaces) != 1:
            raise ApiError(HTTPStatus.BAD_REQUEST, "When specifying the table, you must specify one keyspace")
        probe.take_snapshot(tag, table_list=[(keyspaces[0], t) for t in tables], skip_flush=skip_flush)
    elif any("." in name for name in keyspaces):
        pairs = [tuple(name.split(".", 1)) for name in keyspaces]
        probe.take_snapshot(tag, table_list=pairs, skip_flush=skip_flush)  # type: ignore[arg-type]
    else:
        probe.take_snapshot(tag, keyspaces, skip_flush=skip_flush)
    return {}


def _clear_snapshot(probe: NodeProbe, request: AdminRequest) -> object:
    tag = request.query.get("tag") or None
    keyspaces = _names(request.query.get("kn"))
    table = request.query.get("cf")
    if not table:
        probe.clear_snapshot(tag, keyspaces)
        return {}
    if len(keyspaces) != 1:
        raise ApiError(HTTPStatus.BAD_REQUEST, "When specifying the table, you must specify one keyspace")
    for store in probe.stores(keyspaces[0], [table]):
        store.clear_snapshot(tag)
    return {}


def _repair_options(request: AdminRequest) -> dict[str, Any]:
    query = request.query
    options: dict[str, Any] = {
        "primary_range": _flag(request, "primaryRange"),
        "datacenters": _names(query.get("dataCenters")),
        "hosts": _names(query.get("hosts")),
        "pull": _flag(request, "pullRepair"),
        "ignore_unreplicated_keyspaces": _flag(request, "ignoreUnreplicatedKeyspaces"),
    }
    try:
        parallelism = query.get("parallelism", "parallel")
        options["parallelism"] = _PARALLELISM.get(parallelism) or RepairParallelism(parallelism)
        options["job_threads"] = int(query.get("jobThreads", "1"))
        ranges = _names(query.get("ranges"))
        if len(ranges) > 1:
            raise ApiError(HTTPStatus.BAD_REQUEST, "cqlkit repairs one token range per command")
        start, end = ranges[0].split(":") if ranges else (query.get("startToken"), query.get("endToken"))
        if start or end:
            options["start_token"] = int(start)  # type: ignore[arg-type]
            options["end_token"] = int(end)  # type: ignore[arg-type]
    except (TypeError, ValueError) as e:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"bad repair option: {e}") from None
    return options


#: ScyllaDB's numeric parallelism (0 sequential, 1 parallel, 2 datacenter-aware); names are accepted too
_PARALLELISM = {
    "0": RepairParallelism.SEQUENTIAL,
    "1": RepairParallelism.PARALLEL,
    "2": RepairParallelism.DATACENTER_AWARE,
}


def _start_repair(repairs: _Repairs) -> Handler:
    def handle(probe: NodeProbe, request: AdminRequest) -> object:
        keyspace = request.params["keyspace"]
        tables = _names(request.query.get("columnFamilies"))
        options = _repair_options(request)
        probe.stores(keyspace, tables)  # an unknown keyspace or table is refused now, not in the background
        return repairs.start(lambda: probe.repair(keyspace, tables, **options).succeeded)

    return handle


def _repair_status(repairs: _Repairs) -> Handler:
    def handle(probe: NodeProbe, request: AdminRequest) -> object:
        text = request.query.get("id", "")
        status = repairs.status(int(text)) if text.isdigit() else None
        if status is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"unknown repair id {text}")
        return status

    return handle


def _host_ids(probe: NodeProbe, request: AdminRequest) -> object:
    return [{"key": e.address, "value": str(e.host_id)} for e in probe.endpoint_descriptions()]


def _endpoints(probe: NodeProbe, request: AdminRequest) -> object:
    membership = probe.node.membership
    if membership is None:
        return []
    found = []
    for address, state in sorted(membership.gossiper.endpoint_states().items()):
        states = [
            {
                "application_state": _STATE_CODES.index(kind.name),
                "value": value.value,
                "version": value.version,
            }
            for kind, value in sorted(state.states.items(), key=lambda item: _STATE_CODES.index(item[0].name))
            if kind.name in _STATE_CODES
        ]
        found.append(
            {
                "addrs": address,
                "generation": state.heartbeat.generation,
                "version": state.heartbeat.version,
                "update_time": int(state.updated_at_ms),
                "is_alive": membership.gossiper.is_alive(address),
                "application_state": states,
            }
        )
    return found


def _tokens(probe: NodeProbe, request: AdminRequest) -> object:
    address = request.params.get("endpoint", probe.local.address)
    for endpoint in probe.endpoint_descriptions():
        if endpoint.address == address:
            return [str(t) for t in endpoint.tokens]
    raise ApiError(HTTPStatus.BAD_REQUEST, f"unknown endpoint {address}")


def _natural_endpoints(probe: NodeProbe, request: AdminRequest) -> object:
    table, key = request.query.get("cf"), request.query.get("key")
    if table is None or key is None:
        raise ApiError(HTTPStatus.BAD_REQUEST, "cf and key are required")
    return list(probe.natural_endpoints(request.params["keyspace"], table, key))


def _load_map(probe: NodeProbe, request: AdminRequest) -> object:
    return [
        {"key": ring.endpoint.address, "value": float(ring.load)}
        for ring in probe.ring_endpoints()
        if ring.load is not None
    ]


def _in_state(state: NodeState) -> Handler:
    def handle(probe: NodeProbe, request: AdminRequest) -> object:
        return [e.address for e in probe.endpoint_descriptions() if e.state is state]

    return handle


def _compact_all(probe: NodeProbe, request: AdminRequest) -> object:
    probe.compact()
    return {}


def _by_status(status: NodeStatus) -> Handler:
    def handle(probe: NodeProbe, request: AdminRequest) -> object:
        return [e.address for e in probe.endpoint_descriptions() if e.status is status]

    return handle


def scylla_routes(router: Router, served: Any) -> None:
    """ScyllaDB's paths on ``router``, answered by the nodes of ``served.cluster``."""
    repairs = _Repairs()
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/storage_service/keyspaces", _keyspaces),
        ("POST", "/storage_service/keyspace_flush/{keyspace}", _flush),
        ("POST", "/storage_service/keyspace_compaction/{keyspace}", _compact),
        ("POST", "/storage_service/keyspace_cleanup/{keyspace}", _cleanup),
        ("GET", "/storage_service/snapshots", _list_snapshots),
        ("POST", "/storage_service/snapshots", _take_snapshot),
        ("DELETE", "/storage_service/snapshots", _clear_snapshot),
        ("GET", "/storage_service/snapshots/size/true", lambda p, r: p.true_snapshots_size()),
        ("POST", "/storage_service/repair_async/{keyspace}", _start_repair(repairs)),
        ("GET", "/storage_service/repair_async/{keyspace}", _repair_status(repairs)),
        ("GET", "/storage_service/host_id", _host_ids),
        ("GET", "/storage_service/hostid/local", lambda p, r: str(p.local.host_id)),
        ("GET", "/storage_service/release_version", lambda p, r: p.release_version),
        ("GET", "/storage_service/operation_mode", lambda p, r: p.operation_mode().value),
        ("GET", "/storage_service/load", lambda p, r: float(p.info().load)),
        ("GET", "/storage_service/load_map", _load_map),
        ("GET", "/storage_service/schema_version", lambda p, r: str(p.schema_version)),
        ("GET", "/storage_service/generation_number", lambda p, r: p.info().generation),
        ("GET", "/storage_service/is_starting", lambda p, r: False),
        ("GET", "/storage_service/tokens", _tokens),
        ("GET", "/storage_service/tokens/{endpoint}", _tokens),
        ("GET", "/storage_service/natural_endpoints/{keyspace}", _natural_endpoints),
        ("GET", "/storage_service/nodes/joining", _in_state(NodeState.JOINING)),
        ("GET", "/storage_service/nodes/leaving", _in_state(NodeState.LEAVING)),
        ("GET", "/storage_service/nodes/moving", _in_state(NodeState.MOVING)),
        ("POST", "/storage_service/compact", _compact_all),
        ("GET", "/failure_detector/endpoints", _endpoints),
        ("GET", "/failure_detector/endpoints/", _endpoints),
        ("GET", "/gossiper/endpoint/live/", _by_status(NodeStatus.UP)),
        ("GET", "/gossiper/endpoint/down/", _by_status(NodeStatus.DOWN)),
    ]
    for method, path, handler in routes:
        router.add(method, path, _answer(served, handler, named=False))
        router.add(method, "/v1/nodes/{name}" + path, _answer(served, handler, named=True))


def _answer(served: Any, handler: Handler, *, named: bool) -> Callable[[AdminRequest], AdminResponse]:
    def handle(request: AdminRequest) -> AdminResponse:
        try:
            probe = _probe(served.cluster, request.params.get("name") if named else None)
            return AdminResponse(HTTPStatus.OK, handler(probe, request))
        except ApiError as e:
            return AdminResponse(e.status, {"message": str(e), "code": e.status})
        except ProbeError as e:
            return AdminResponse(HTTPStatus.BAD_REQUEST, {"message": str(e), "code": HTTPStatus.BAD_REQUEST})

    return handle


def _probe(cluster: Any, name: str | None) -> NodeProbe:
    if name is not None:
        try:
            return NodeProbe.for_address(cluster, name)
        except ProbeError:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no running node {name} in cluster") from None
    for node in cluster.nodes:
        try:
            return NodeProbe.for_address(cluster, node.name)
        except ProbeError:
            continue
    raise ApiError(HTTPStatus.SERVICE_UNAVAILABLE, "no node of the cluster is running")
