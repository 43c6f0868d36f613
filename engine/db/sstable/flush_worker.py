"""The flush worker: a child process that writes large memtable flushes, so their CPU work runs on
another core than the writes.

A flush (statistics from the partition bytes, the index, LZ4 chunks and their CRCs, the bloom filter,
sorting the keys) is pure CPU work in Python. On a thread it holds the interpreter lock that writers need:
a flush of a 32 MiB memtable takes about 40% of the CPU a write-heavy node spends. The worker is a separate
interpreter (``python -m engine.db.sstable.flush_worker <parent pid>``, started with ``subprocess``, not
``multiprocessing``: nothing of the caller's ``__main__`` is imported again) that gets the memtable's
partitions as bytes, writes the SSTable with the ordinary ``SSTableWriter`` and answers. The parent then
opens the SSTable from disk and carries on as after an in-thread flush (caches, backups, the view swap,
the commitlog discard).

**Pipe protocol.** Requests come on the worker's stdin, answers go to its stdout, one answer per request;
integers are little-endian, arrays are in the machine's byte order (both ends run on the same machine)::

    request := u32 header_length | header | u64 count
               | tokens: i64[count] | key lengths: u32[count] | data lengths: u32[count]
               | keys (concatenated) | data (concatenated)
    header  := pickle of a FlushRequest (descriptor, writer parameters, the table's clustering sort key)
    answer  := u32 length | u8 status (0: written, 1: failed) | u64 worker peak RSS in KiB (VmHWM)
               | error text (UTF-8; empty when written)

Partitions come in no particular order (the memtable's dict order): the worker sorts them by
``(token, key)``, which moves the sort off the writers' core too. The bytes are the partition format of
``engine.db.serialization``, what the memtable already holds. Nothing is checksummed: a local pipe delivers
exactly what was written or ends (the worker died), and the SSTable written checksums itself.

**Lifetime.** The worker exits at the end of its stdin, so it ends with its parent even when the parent is
SIGKILLed (the kernel closes the pipe). During a write, a thread of the worker (:class:`OrphanWatch`) waits
for the same end of the pipe and ends the process at once, so an orphan never finishes an SSTable in a
directory a restarted node may already be using; as a second guard (the pipe stays open while another
process holds a copy of the parent's side), the write checks every 64 partitions, and before the TOC, that
its parent is still the one that started it, and abandons the SSTable (deleting its files) if not. A parent
killed just after the TOC was renamed leaves a complete SSTable whose data the commitlog replays again, as
a flush in-thread interrupted at the same point does. It ignores SIGINT: Ctrl-C in a terminal reaches the
parent, which decides.

**Failure.** When the worker dies or answers an error, :class:`FlushWorker` deletes every file of the
generation it was writing (TOC first, then the components, temporary or not) and raises
:class:`FlushWorkerError`; the caller writes the memtable in-thread. The next request starts a new worker;
after ``MAX_FAILURES_IN_A_ROW`` failures in a row the worker is given up and every flush stays in-thread.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

from engine.db.rows import ClusteringKey
from engine.db.sstable.descriptor import ALL_COMPONENTS, Component, Descriptor
from engine.db.sstable.files import remove_if_exists
from engine.db.sstable.writer import SSTableWriter

MODULE = "engine.db.sstable.flush_worker"
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_ANSWER = struct.Struct("<BQ")
#: partitions written between two checks that the parent is still alive (a cheap system call)
_PARENT_CHECK_EVERY = 64
#: seconds a closing worker gets to exit on its own before it is killed
_CLOSE_TIMEOUT = 10.0
#: failures in a row after which the worker is given up (an interpreter that cannot run it, say)
MAX_FAILURES_IN_A_ROW = 3
# array typecodes of the request's columns, with the item sizes the format says
_TOKENS, _LENGTHS = "q", "I"
assert array(_TOKENS).itemsize == 8 and array(_LENGTHS).itemsize == 4


@dataclass(frozen=True, slots=True)
class FlushRequest:
    """What the worker needs besides the partitions: where to write, and the writer's parameters."""

    descriptor: Descriptor
    chunk_length_in_kb: int
    index_interval: int
    bloom_filter_fp_chance: float
    clustering_key: ClusteringKey | None
    sync: bool


@dataclass(frozen=True, slots=True)
class Answer:
    """The worker's reply: ``error`` is None when the SSTable is written (its TOC in place)."""

    error: str | None
    peak_rss_kb: int


class FlushWorkerError(Exception):
    """The worker could not write the SSTable (it died or failed); no file of the generation is left."""


class ParentGone(Exception):
    """The worker's parent exited during a write: the SSTable is abandoned."""


# ------------------------------------------------------------------------------------------ the pipe


def encode_header(request: FlushRequest) -> bytes:
    """The request's header; raises ``FlushWorkerError`` when it cannot be sent (a clustering sort key
    that does not pickle, such as a lambda: such tables flush in-thread)."""
    try:
        return pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as e:
        raise FlushWorkerError(f"cannot send the flush request: {e}") from None


def sendable(clustering_key: ClusteringKey | None) -> bool:
    """Whether a table's clustering sort key can go to the worker (pickles: a function of a module, a
    bound method, a builtin; not a lambda or a closure)."""
    try:
        pickle.dumps(clustering_key, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def write_request(out: IO[bytes], header: bytes, slots: list[tuple[int, bytes]], values: list[bytes]) -> None:
    """Send one request: ``slots[i]`` is the ``(token, key)`` of the partition whose bytes are ``values[i]``."""
    keys = [slot[1] for slot in slots]
    out.write(_U32.pack(len(header)))
    out.write(header)
    out.write(_U64.pack(len(slots)))
    out.write(array(_TOKENS, [slot[0] for slot in slots]))
    out.write(array(_LENGTHS, map(len, keys)))
    out.write(array(_LENGTHS, map(len, values)))
    out.write(b"".join(keys))
    # In slices, so the parent never holds a second copy of the whole memtable.
    for start in range(0, len(values), 4096):
        out.write(b"".join(values[start : start + 4096]))
    out.flush()


@dataclass(slots=True)
class Partitions:
    """A request's partitions as received: parallel columns over two buffers."""

    tokens: array[int]
    key_lengths: array[int]
    data_lengths: array[int]
    keys: bytes
    data: bytes

    def __len__(self) -> int:
        return len(self.tokens)

    def in_order(self) -> Iterator[tuple[int, bytes, bytes]]:
        """``(token, key, data)`` in SSTable order: by token, ties by key bytes."""
        key_starts = list(accumulate(self.key_lengths, initial=0))
        keys, tokens = self.keys, self.tokens
        entries = sorted((tokens[i], keys[key_starts[i] : key_starts[i + 1]], i) for i in range(len(tokens)))
        data_starts = list(accumulate(self.data_lengths, initial=0))
        data = self.data
        for token, key, i in entries:
            yield token, key, data[data_starts[i] : data_starts[i + 1]]


def _read_exactly(stream: IO[bytes], size: int, what: str) -> bytes:
    body = stream.read(size)
    if len(body) != size:
        raise EOFError(f"the pipe ended in the {what} ({len(body)} of {size} bytes)")
    return body


def read_request(stream: IO[bytes]) -> tuple[FlushRequest, Partitions] | None:
    """The next request, or None at the end of the stream (between requests)."""
    first = stream.read(_U32.size)
    if not first:
        return None
    if len(first) != _U32.size:
        raise EOFError("the pipe ended in a request's header length")
    (header_length,) = _U32.unpack(first)
    request = pickle.loads(_read_exactly(stream, header_length, "request header"))
    if not isinstance(request, FlushRequest):
        raise TypeError(f"expected a FlushRequest, got {type(request).__name__}")
    (count,) = _U64.unpack(_read_exactly(stream, _U64.size, "partition count"))
    columns = []
    for typecode, what in ((_TOKENS, "tokens"), (_LENGTHS, "key lengths"), (_LENGTHS, "data lengths")):
        column = array(typecode)
        column.frombytes(_read_exactly(stream, count * column.itemsize, what))
        columns.append(column)
    tokens, key_lengths, data_lengths = columns
    keys = _read_exactly(stream, sum(key_lengths), "keys")
    data = _read_exactly(stream, sum(data_lengths), "partition data")
    return request, Partitions(tokens, key_lengths, data_lengths, keys, data)


def write_answer(out: IO[bytes], answer: Answer) -> None:
    text = b"" if answer.error is None else answer.error.encode("utf-8", "replace")
    body = _ANSWER.pack(answer.error is not None, answer.peak_rss_kb) + text
    out.write(_U32.pack(len(body)) + body)
    out.flush()


def read_answer(stream: IO[bytes]) -> Answer:
    (length,) = _U32.unpack(_read_exactly(stream, _U32.size, "answer length"))
    body = _read_exactly(stream, length, "answer")
    failed, peak = _ANSWER.unpack_from(body)
    return Answer(body[_ANSWER.size :].decode("utf-8", "replace") if failed else None, peak)


# ---------------------------------------------------------------------------------------- the worker


def write_sstable(request: FlushRequest, partitions: Partitions, parent_alive: Callable[[], bool]) -> None:
    """Write the request's SSTable (all components, its TOC last); raises ``ParentGone`` (files deleted)
    when ``parent_alive`` turns false during the write."""

    def checked() -> Iterator[tuple[int, bytes, bytes]]:
        for n, item in enumerate(partitions.in_order()):
            if not n % _PARENT_CHECK_EVERY and not parent_alive():
                raise ParentGone
            yield item

    writer = SSTableWriter(
        request.descriptor,
        len(partitions),
        chunk_length_in_kb=request.chunk_length_in_kb,
        index_interval=request.index_interval,
        bloom_filter_fp_chance=request.bloom_filter_fp_chance,
        clustering_key=request.clustering_key,
        sync=request.sync,
    )
    with writer:  # leaving it without complete() deletes what was written
        writer.append_all(checked())
        if not parent_alive():
            raise ParentGone
        writer.complete()


def peak_rss_kb() -> int:
    """This process's peak resident set size (VmHWM), in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource  # not on every platform; only needed where /proc is missing

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


class OrphanWatch:
    """Ends the worker the moment its parent goes away while it writes an SSTable.

    The parent sends nothing while a request is being written (it waits for the answer), so the request
    pipe turning readable then can only be its end: the parent exited, and the kernel closed its side (a
    SIGKILL too). A thread waits for that in ``select`` and calls ``orphaned`` (by default ends the process
    at once), so no orphan renames an SSTable into a directory that a restarted node may already use; it
    leaves temporary files, which start-up cleanup deletes. Between requests the thread does not look:
    the next request makes the pipe readable too.
    """

    def __init__(self, fd: int, orphaned: Callable[[], None] = lambda: os._exit(1)) -> None:
        self._fd = fd
        self._orphaned = orphaned
        self._changed = threading.Condition()
        self._writing: int | None = None  # the serial of the request being written
        self._serial = 0
        threading.Thread(target=self._watch, name="orphan-watch", daemon=True).start()

    def writing(self) -> None:
        """A request was read in full and is being written."""
        with self._changed:
            self._serial += 1
            self._writing = self._serial
            self._changed.notify()

    def written(self) -> None:
        """The request is written: call before answering (the parent may send again after the answer)."""
        with self._changed:
            self._writing = None

    def _watch(self) -> None:
        watched = 0
        while True:
            with self._changed:
                while self._writing is None or self._writing == watched:
                    self._changed.wait()
                watched = self._writing
            select.select([self._fd], [], [])
            with self._changed:
                if self._writing == watched:  # still the same write: nothing but the end can be there
                    self._orphaned()


def serve(requests: IO[bytes], answers: IO[bytes], parent: int, watch: OrphanWatch | None = None) -> int:
    """The worker's loop: answer requests until the end of ``requests``; returns the exit status."""

    def parent_alive() -> bool:
        return os.getppid() == parent

    while True:
        received = read_request(requests)
        if received is None:
            return 0
        request, partitions = received
        if watch is not None:
            watch.writing()
        try:
            write_sstable(request, partitions, parent_alive)
            error = None
        except ParentGone:
            return 1
        except Exception as e:  # the parent decides what a failure means: it gets the text
            error = f"{type(e).__name__}: {e}"
        del received, partitions
        if watch is not None:
            watch.written()
        write_answer(answers, Answer(error, peak_rss_kb()))


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    # Answers get their own descriptor; fd 1 then points at stderr, so nothing else can write into the pipe.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        return serve(sys.stdin.buffer, answers, parent, OrphanWatch(sys.stdin.fileno()))
    except EOFError:
        return 1  # the parent went away in the middle of a request


# ---------------------------------------------------------------------------------------- the client


def remove_sstable_files(descriptor: Descriptor) -> None:
    """Delete every file of one generation, temporary or not; the TOC first, so it is never visible
    half-deleted."""
    remove_if_exists(descriptor.filename(Component.TOC))
    for component in ALL_COMPONENTS:
        remove_if_exists(descriptor.tmp_filename(component))
        remove_if_exists(descriptor.filename(component))


def worker_command() -> list[str]:
    """How the parent starts a worker: this interpreter, this module, the parent's pid."""
    return [sys.executable, "-m", MODULE, str(os.getpid())]


class FlushWorker:
    """The parent's side: one worker process, started on first use, one request at a time (a second
    flush waits for the first). ``peak_rss_kb`` is the largest VmHWM any worker reported."""

    def __init__(self, command: Callable[[], list[str]] = worker_command) -> None:
        self._command = command
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._closed = False
        self.peak_rss_kb = 0
        self.flushes = 0
        self.failures = 0
        self._failures_in_a_row = 0

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pid(self) -> int | None:
        """The running worker's pid (None before the first request and after a failure or close)."""
        process = self._process
        return None if process is None else process.pid

    def start(self) -> int:
        """Start the worker now if it is not running; returns its pid."""
        with self._lock:
            return self._started().pid

    def _started(self) -> subprocess.Popen[bytes]:
        if self._closed:
            raise FlushWorkerError("the flush worker is closed")
        if self._process is None:
            env = dict(os.environ)
            # The worker imports this package from where the parent found it (a checkout run with its
            # root on sys.path, not only an installed package).
            root = str(Path(__file__).resolve().parents[3])
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
            self._process = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        return self._process

    def write(self, request: FlushRequest, slots: list[tuple[int, bytes]], values: list[bytes]) -> None:
        """Have the worker write ``request.descriptor``'s SSTable from these partitions (any order; see
        ``write_request``). Returns once its TOC is in place; raises ``FlushWorkerError`` otherwise, with
        no file of the generation left behind."""
        header = encode_header(request)
        with self._lock:
            try:
                process = self._started()
            except OSError as e:  # no process to be had (limits, memory): the caller writes in-thread
                raise self._failed(f"cannot start the flush worker: {e}") from None
            assert process.stdin is not None and process.stdout is not None
            try:
                write_request(process.stdin, header, slots, values)
                answer = read_answer(process.stdout)
            except (OSError, EOFError) as e:
                self._stop(process)
                remove_sstable_files(request.descriptor)
                raise self._failed(
                    f"the flush worker (pid {process.pid}) ended ({_ending(process)}): {e}"
                ) from None
            except BaseException:
                # Interrupted half-way through a request (KeyboardInterrupt): the pipe is out of step.
                self._stop(process)
                remove_sstable_files(request.descriptor)
                raise
            self.peak_rss_kb = max(self.peak_rss_kb, answer.peak_rss_kb)
            if answer.error is not None:
                remove_sstable_files(request.descriptor)
                raise self._failed(answer.error)
            self.flushes += 1
            self._failures_in_a_row = 0

    def _failed(self, message: str) -> FlushWorkerError:
        """Count a failure (lock held); after ``MAX_FAILURES_IN_A_ROW`` the worker is given up for good,
        so a worker that cannot work costs neither a process start nor a warning per flush."""
        self.failures += 1
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            self._closed = True
            message += (
                f"; {self._failures_in_a_row} failures in a row: flushes are written in-thread from now on"
            )
        return FlushWorkerError(message)

    def _stop(self, process: subprocess.Popen[Any]) -> None:
        """Forget a worker that failed: kill it (if it still runs) and reap it."""
        self._process = None
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass  # a broken pipe's buffered bytes have nowhere to go
        if process.poll() is None:
            process.kill()
        process.wait()

    def close(self) -> None:
        """Stop the worker (it exits at the end of its stdin, after any request in progress)."""
        with self._lock:
            self._closed = True
            process, self._process = self._process, None
            if process is None:
                return
            for stream in (process.stdin, process.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                process.wait(_CLOSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ending(process: subprocess.Popen[Any]) -> str:
    code = process.returncode
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


if __name__ == "__main__":
    # Run the module under its own name, so the FlushRequest the parent pickled is this class.
    from engine.db.sstable import flush_worker

    sys.exit(flush_worker.main())
