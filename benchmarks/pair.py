"""Benchmark: the load client (load.py) against the README's two-instance recipe.

    python3 benchmarks/pair.py [--database-url URL] [--passes single,readme]
                               [load.py options: --sessions 100 --rounds 2 --think 3 ...]

Each pass starts the pair afresh (instances.py): a new database on the PostgreSQL of
`--database-url` (dropped afterwards; without it, a throwaway cluster started as
scripts/test.sh starts one), two `streamlit run app.py` on it, and nginx in front with the
README's block; every page runs once on each instance (warm servers); then
`load.py --url ... --server-pid A --server-pid B` runs with the database in `DATABASE_URL`
(its uploads go into the store both instances read) and prints its figures as it does for
one server; last, how many sessions (WebSockets) each instance served, from nginx's
access log.

Passes:
- `single`: load.py straight at one of the two instances, no proxy (its own CPU only):
  the one-server figures on the same PostgreSQL, in the same run, to compare with.
- `readme`: through nginx with the README's block as written: `hash` on a route cookie
  that nginx sets from a new browser's request id. load.py's sessions carry no cookie, so
  each WebSocket (one per session) is hashed on its own request id, as each new browser's
  first request is: sessions spread over both instances.

Exit 1 when a pass fails (load.py's own exit code: an error, a lost upload, the timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.instances import Pair, fresh_database, pair, postgres  # noqa: E402
from benchmarks.load import PAGES, every_page  # noqa: E402

PASSES = ("single", "readme")
SETTLE = 10.0  # seconds for nginx to log the WebSockets load.py has closed


@contextlib.contextmanager
def server(database_url: str | None) -> Iterator[str]:
    """The PostgreSQL server to create each pass's database on."""
    if database_url:
        yield database_url
    else:
        with postgres() as url:
            yield url


def sessions_per_instance(running: Pair) -> Counter[str]:
    """How many WebSockets each instance served, once nginx has logged every one (it logs
    a request when it ends): the count stops changing."""
    deadline, last = time.monotonic() + SETTLE, -1
    while True:
        streams = Counter(
            instance
            for method, path, _status, instance in running.requests()
            if method == "GET" and path == "/_stcore/stream"
        )
        total = sum(streams.values())
        if total == last or time.monotonic() > deadline:
            return streams
        last = total
        time.sleep(1.0)


def warm_up(running: Pair) -> None:
    """Every page once on each instance, straight to its port: load.py warms only the
    instance its first session reaches, and a spread pass would otherwise time the other
    one's first runs (the sample company read, caches filled) as load."""
    for label, instance in zip("ab", running.instances, strict=True):
        errors: list[str] = []
        times = asyncio.run(every_page(instance.url, PAGES, errors))
        if errors:
            raise RuntimeError(f"warming instance {label}: {errors}")
        print(
            f"warm-up of instance {label}: {sum(times.values()):.1f} s for every page", flush=True
        )


def run_pass(name: str, server_url: str, folder: Path, load_args: list[str]) -> int:
    """One pass: a fresh pair, load.py against it; load.py's exit code."""
    with fresh_database(server_url) as database_url, pair(database_url, folder / name) as running:
        a, b = running.instances
        warm_up(running)
        target, pids = (a.url, [a.pid]) if name == "single" else (running.url, [a.pid, b.pid])
        command = [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--url", target]
        command += [arg for pid in pids for arg in ("--server-pid", str(pid))] + load_args
        where = "one instance, no proxy" if name == "single" else "nginx, the README's block"
        print(f"\n== pass {name}: {where}: {target}", flush=True)
        env = {**os.environ, "DATABASE_URL": database_url}
        code = subprocess.run(command, env=env, cwd=ROOT).returncode
        if name != "single":
            spread = sessions_per_instance(running)
            shown = ", ".join(
                f"{'a' if url == a.url else 'b'} {spread.get(url, 0)}" for url in (a.url, b.url)
            )
            print(f"sessions (WebSockets) per instance through nginx: {shown}", flush=True)
        return code


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog="Other options go to load.py."
    )
    parser.add_argument("--database-url", help="a PostgreSQL server to create databases on")
    parser.add_argument("--passes", default=",".join(PASSES), help="comma-separated passes")
    args, load_args = parser.parse_known_args()
    passes = args.passes.split(",")
    if set(passes) - set(PASSES):
        parser.error(f"passes are among {', '.join(PASSES)}")
    # `kill`/`timeout` stop it as Ctrl-C does, so that the servers and nginx stop too
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    one, five, fifteen = os.getloadavg()
    print(f"command: python3 benchmarks/pair.py {shlex.join(sys.argv[1:])}")
    print(f"machine: {os.cpu_count()} cores; load average {one:.2f} {five:.2f} {fifteen:.2f}")
    codes = []
    with server(args.database_url) as server_url, tempfile.TemporaryDirectory() as folder:
        for name in passes:
            codes.append(run_pass(name, server_url, Path(folder), load_args))
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
