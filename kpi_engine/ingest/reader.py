"""Workbooks are read in a child process with a memory and a time ceiling.

python-calamine allocates a sheet's whole grid and aborts the process when an allocation
fails; a malformed file can also make it panic or loop. The checks in `workbook` bound
what they can before calamine reads a file; whatever slips past them must cost that file,
never the server. So every zip or OLE file (.xlsx, .xlsm, .xls, .ods...) is read by a
child forked from a helper process started once per server process
(`kpi_engine.reader._serve`), which keeps one child forked and warmed ahead: forking that
single-threaded helper is safe where forking a threaded server is not, and costs
milliseconds where starting Python costs a second.

One child reads a small batch; a large one (from `_SHARED_FROM` files) is shared by a
pool of children, one per core, each under RLIMIT_AS = its size +
`Limits.reader_memory_bytes`. A child does all the work one file needs on its own
(`parse`: in `load`, planning the sheets and cutting out their data rows), so that the
parent only stacks the answers and checks the batch as a whole; it sends each file's
answer back as soon as it has it. The parent waits at most `Limits.reader_seconds` for
each file. A child reads without scanning each .xlsx sheet's XML for the grid it asks for
(`workbook.check_workbook`; two thirds of the checks' cost on a small file): its ceiling
bounds that grid. A child that dies (an allocation refused, a crash) or overruns costs the
file it was reading, and a new child reads the rest of its share; after a death that new
child first runs the dead file's checks in full, so that a grid too large is named as such
(`sheet_too_big`, with its rows and columns), else the file is `reader_failed`; an overrun
is `reader_timeout`. Text files (CSV) are read in process: pure Python, bounded by the
file size.

The child's answer is unpickled with only plain values and dates allowed, so even a child
taken over by a crafted file could not make the parent run code. `workers=0` reads and
parses in the calling process instead (no isolation: for tests and for measuring the
work itself).
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import importlib
import io
import logging
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from kpi_engine.core.settings import Limits
from kpi_engine.ingest.workbook import (
    MAGIC,
    Sheet,
    WorkbookError,
    check_workbook,
    read_workbook,
)

log = logging.getLogger(__name__)

# What `parse` makes of one file's sheets: plain values only (tuples, lists, dicts, sets,
# numbers, texts, dates), as they cross from a child to the parent.
Parsed = object
Parse = Callable[[str, list[Sheet]], Parsed]
Result = Parsed | WorkbookError
_FRAME = struct.Struct("!Q")
_STARTUP_SECONDS = 120  # the helper's first start imports the engine: slow on a busy machine


def read_files(
    files: Sequence[tuple[str, bytes]],
    limits: Limits,
    parse: Parse,
    *,
    workers: int | None = None,
) -> Iterator[Result]:
    """`parse(name, sheets)` of each file, or the WorkbookError saying why it cannot be
    read, in order.

    Workbooks (zip or OLE bytes) are read and parsed in child processes: `workers` of
    them (default: one per core for a batch of `_SHARED_FROM` files or more, else one),
    none (`workers=0`) to do it here. `parse` must be a module-level function (a child
    imports it by name) returning plain values (see `Parsed`)."""
    isolate = workers != 0
    remote = [i for i, (_, data) in enumerate(files) if isolate and data.startswith(MAGIC)]
    shares = max(1, workers or (_CHILDREN if len(remote) >= _SHARED_FROM else 1))
    shares = min(shares, len(remote)) or 1
    streams = [
        _Stream([files[i] for i in remote[k::shares]], limits, parse)
        for k in range(shares)
        if remote
    ]
    share = {index: k % shares for k, index in enumerate(remote)}
    try:
        for index, (name, data) in enumerate(files):
            if index in share:
                yield next(streams[share[index]])
            else:
                yield _read_here(name, data, limits, parse)
    finally:
        for stream in streams:
            stream.close()


_CHILDREN = os.cpu_count() or 1
_SHARED_FROM = 16  # files in a batch from which a child per core shares it


def _read_here(name: str, data: bytes, limits: Limits, parse: Parse) -> Result:
    try:
        return parse(name, read_workbook(name, data, limits=limits))
    except WorkbookError as error:
        return error


class _Stream:
    """One share of a batch read by children, answered in order. Its first child starts
    at once, so that the shares are read at the same time. A child reads without the scan
    of each sheet's XML for its grid (its memory ceiling bounds the grid instead); when it
    dies on a file, a new child runs that file's checks in full, to name what it asks for
    (`sheet_too_big`) where the scan finds it, and reads the rest. A file that overruns
    its time is an error at once."""

    def __init__(self, files: list[tuple[str, bytes]], limits: Limits, parse: Parse) -> None:
        self.files, self.limits, self.parse, self.done = files, limits, parse, 0
        self.child = self._start()

    def _start(self, *, checks: int = 0) -> _Child | None:
        """A child for the files left (the first `checks` of them only checked), or None
        to read them in process."""
        try:
            return _Child.start(self.files[self.done - checks :], self.limits, self.parse, checks)
        except _Unavailable:
            log.warning("workbook reader process unavailable: reading in process")
            return None

    def __next__(self) -> Result:
        name, data = self.files[self.done]
        self.done += 1
        if self.child is None:
            return _read_here(name, data, self.limits, self.parse)
        try:
            return self.child.next_result()
        except _Overrun:
            self._restart()
            return WorkbookError("reader_timeout", seconds=self.limits.reader_seconds)
        except _Died:
            self.child.close()
            self.child = self._start(checks=1)
        failed = _failed(self.limits)
        if self.child is None:  # never read here a file a reader died on: check it only
            try:
                check_workbook(name, data, self.limits)
            except WorkbookError as error:
                return error
            return failed
        try:
            return self.child.next_result()
        except (_Overrun, _Died):  # the checks alone cannot take long: the child was killed
            self._restart()
            return failed

    def _restart(self) -> None:
        """End the child; start another for the files left, if any."""
        assert self.child is not None
        self.child.close()
        self.child = self._start() if self.done < len(self.files) else None

    def close(self) -> None:
        if self.child is not None:
            self.child.close()


def _failed(limits: Limits) -> WorkbookError:
    """A file a reader died on (the message names the memory each reader may use)."""
    return WorkbookError("reader_failed", memory_mb=limits.reader_memory_bytes >> 20)


class _Unavailable(Exception):
    """The helper process cannot be started: read in process instead."""


class _Died(Exception):
    """The child ended before answering (killed by the kernel, aborted, crashed)."""


class _Overrun(Exception):
    """The child took longer than `reader_seconds` over one file."""


class _Child:
    """The parent's end of one child reading one batch."""

    def __init__(self, sock: socket.socket, pid: int, limits: Limits, files: int) -> None:
        self.sock, self.pid, self.limits = sock, pid, limits
        self.unanswered = files

    @classmethod
    def start(
        cls, files: list[tuple[str, bytes]], limits: Limits, parse: Parse, checks: int = 0
    ) -> _Child:
        """Ask the helper for a child (restarting the helper once if it is gone), send it
        the batch (see `_child` for `checks`). Raises _Unavailable when no helper can be
        had."""
        for attempt in range(2):
            mine = _HELPER.connect(parse, restart=attempt > 0)
            try:
                pid = _unpack(_receive(mine, time.monotonic() + _STARTUP_SECONDS))
                batch = (limits, parse, files, checks)
                _send(mine, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
                return cls(mine, pid, limits, len(files))
            except (_Died, _Overrun, OSError):
                mine.close()
        raise _Unavailable

    def next_result(self) -> Result:
        frame = _receive(self.sock, time.monotonic() + self.limits.reader_seconds)
        ok, payload = _unpack(frame)
        self.unanswered -= 1
        if ok:
            return payload
        code, sheet, params = payload
        return WorkbookError(code, sheet=sheet, **params)

    def close(self) -> None:
        """End a child that still owes answers, whatever it is doing (it may be stuck in
        calamine); one that answered everything is exiting by itself."""
        self.sock.close()
        if self.unanswered:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_FRAME.pack(len(payload)) + payload)


def _receive(sock: socket.socket, deadline: float) -> bytes:
    """One frame; _Overrun past the deadline, _Died when the other end closes first."""
    size = _FRAME.unpack(_exactly(sock, _FRAME.size, deadline))[0]
    return _exactly(sock, size, deadline)


def _exactly(sock: socket.socket, size: int, deadline: float) -> bytes:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Overrun
        sock.settimeout(remaining)
        try:
            count = sock.recv_into(view[got:], min(size - got, 1 << 22))
        except TimeoutError as exc:
            raise _Overrun from exc
        except OSError as exc:
            raise _Died from exc
        if not count:
            raise _Died
        got += count
    return bytes(buffer)


class _Values(pickle.Unpickler):
    """Unpickles only what cells hold: plain values and dates, never a callable."""

    def find_class(self, module: str, name: str) -> object:
        if module == "datetime" and name in {"datetime", "date", "time", "timedelta"}:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def _unpack(frame: bytes) -> object:
    try:
        return _Values(io.BytesIO(frame)).load()
    except Exception as exc:  # a frame that is no answer: the child is not to be trusted
        raise _Died from exc


# -- the helper that forks children ---------------------------------------------------------


class _Helper:
    """The parent's handle on its helper process: a control socket over which it passes
    one end of a new socket pair per batch (SCM_RIGHTS); the helper hands it to a child."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None

    def connect(self, parse: Parse, *, restart: bool = False) -> socket.socket:
        """A socket to a child of the helper (started, or started again, as needed, with
        `parse`'s module imported and warmed up)."""
        mine, theirs = socket.socketpair()
        with self.lock:
            try:
                if restart or self.process is None or self.process.poll() is not None:
                    self._start(parse)
                assert self.control is not None
                socket.send_fds(self.control, [b"r"], [theirs.fileno()])
            except OSError as exc:
                mine.close()
                self._stop()
                raise _Unavailable from exc
            finally:
                theirs.close()
        return mine

    def _start(self, parse: Parse) -> None:
        self._stop()
        control, remote = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
            # One thread: the helper forks, and numpy's BLAS pool would not follow.
            **dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"),
        }
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from kpi_engine.ingest.reader import _serve; "
                    f"_serve({remote.fileno()}, {parse.__module__!r}, {parse.__qualname__!r})",
                ],
                pass_fds=[remote.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # the terminal's Ctrl+C is the parent's to handle
            )
        finally:
            remote.close()
        self.control = control

    def _stop(self) -> None:
        if self.control is not None:
            self.control.close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = self.control = None

    def forget(self) -> None:
        """In a forked copy of the parent: the helper is the original's, start anew."""
        self.lock = threading.Lock()
        self.process = self.control = None


_HELPER = _Helper()
os.register_at_fork(after_in_child=_HELPER.forget)


def _serve(control_fd: int, module: str, name: str) -> None:
    """The helper: hand every socket the parent passes to a child forked ahead of time
    (and fork the next), so that a batch waits neither for a fork nor for the child's
    first touches of the memory it shares with the helper; exit with the parent. The
    children parse with `module.name`, imported here once."""
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parse = getattr(importlib.import_module(module), name)
    _warm(parse)
    # The children's garbage collector would touch every object the helper imported,
    # copying all of its memory page by page; frozen, those objects are left alone.
    gc.freeze()
    spare = _spare(control, parse)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 4)
        except OSError:
            return
        if not message:  # the parent is gone (the spare child sees its socket close)
            return
        for fd in fds:
            # If the spare died, the parent sees its batch's socket close: a file error.
            with contextlib.suppress(OSError):
                socket.send_fds(spare, [b"r"], [fd])
            spare.close()
            os.close(fd)
            spare = _spare(control, parse)


def _spare(control: socket.socket, parse: Parse) -> socket.socket:
    """Fork a child that warms up and then waits for the socket of its batch; the
    helper's end of the pair it waits on."""
    mine, its = socket.socketpair()
    if os.fork() == 0:
        control.close()
        mine.close()
        _warm(parse)
        try:
            _, fds, _, _ = socket.recv_fds(its, 16, 1)
        except OSError:
            fds = []
        if not fds:
            os._exit(0)
        its.close()
        _child(socket.socket(fileno=fds[0]))
    its.close()
    return mine


_WARM_PARTS = {
    "_rels/.rels": '<Relationships><Relationship Id="r" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": '<workbook><sheets><sheet name="s" sheetId="1" r:id="r1"/></sheets>'
    "</workbook>",
    "xl/_rels/workbook.xml.rels": '<Relationships><Relationship Id="r1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s.xml"'
    "/></Relationships>",
    "xl/worksheets/s.xml": '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x'
    '</t></is></c><c r="B1"><v>1</v></c></row></sheetData></worksheet>',
}


def _warm(parse: Parse) -> None:
    """Read a small workbook and a CSV once: in the helper, so that what a first read
    initialises (compiled patterns, the reader's tables) is inherited by every child; in a
    spare child, so that the memory a read touches is its own before a batch comes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in _WARM_PARTS.items():
            archive.writestr(name, text)
    for name, data in (("warm.xlsx", out.getvalue()), ("warm.csv", "部门,营收\n".encode("gbk"))):
        _read_here(name, data, Limits(), parse)


def _child(sock: socket.socket) -> None:
    """Read a batch under the memory ceiling, answering file by file; never returns.

    The first `checks` files of the batch are files a child died on: only their checks
    run, in full, and a file they pass is `reader_failed` (its read would die again)."""
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _send(sock, pickle.dumps(os.getpid()))
        limits, parse, files, checks = pickle.loads(
            _receive(sock, time.monotonic() + _STARTUP_SECONDS)
        )
        _ceiling(limits, len(files))
        for index, (name, data) in enumerate(files):
            try:
                if index < checks:
                    check_workbook(name, data, limits)
                    raise _failed(limits)
                answer: tuple[bool, object] = (
                    True,
                    parse(name, read_workbook(name, data, limits=limits, scan=False)),
                )
            except WorkbookError as error:
                answer = (False, (error.code, error.sheet, error.params))
            _send(sock, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # whatever happens, the parent sees the file fail
        code = 1
    finally:
        os._exit(code)


def _ceiling(limits: Limits, files: int) -> None:
    """Address space: what the child holds now plus `reader_memory_bytes` (never above a
    hard limit already set); CPU time: `reader_seconds` per file and a margin, in case
    the parent is gone and no one is left to kill the child."""
    size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    for kind, want, margin in (
        (resource.RLIMIT_AS, size + limits.reader_memory_bytes, 0),
        (resource.RLIMIT_CPU, limits.reader_seconds * files + 10, 5),
    ):
        _, hard = resource.getrlimit(kind)
        soft = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(kind, (soft, soft + margin if hard == resource.RLIM_INFINITY else hard))
