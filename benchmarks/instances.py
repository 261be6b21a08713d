"""The README's two-instance recipe, run for real on loopback (tests/e2e/test_two_instances.py
and benchmarks/pair.py): two `streamlit run app.py` on one PostgreSQL, Debian's nginx in
front with the README's own `nginx` block.

The nginx block is read from README.md's "Running several instances" section, and only
what must differ on a test machine is changed: the two `server` lines get the ports the
app processes were given and `listen 80` becomes a free port on 127.0.0.1. Around it goes
what a system install keeps under /etc and /var (pid file, logs, temp directories), here
under the run's own directory, and nginx runs in the foreground as the user running the
test. So what is tested is what the README tells an administrator to write.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from benchmarks.browser import ROOT, START_TIMEOUT, Server, free_port, start

SECTION = "## Running several instances"
DEBIAN_NGINX = "/usr/sbin/nginx"
# Access log: which instance answered each request (for the test to find where the
# upload went, and for the benchmark to count requests per instance).
LOG_FORMAT = '$remote_addr:$remote_port "$request" $status upstream=$upstream_addr'


def readme_nginx(readme: str) -> str:
    """The ```nginx block of README's "Running several instances" section."""
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```nginx\n(.*?)^```", section, flags=re.M | re.S)
    if len(blocks) != 1:
        raise ValueError(f"README's {SECTION!r} has {len(blocks)} nginx blocks, not 1")
    return blocks[0]


def _substituted(block: str, pattern: str, replacements: Sequence[str]) -> str:
    """`block` with the i-th match of `pattern` replaced by `replacements[i]`; exactly as
    many matches as replacements, or the README's block has changed shape."""
    matches = list(re.finditer(pattern, block, flags=re.M))
    if len(matches) != len(replacements):
        raise ValueError(
            f"expected {len(replacements)} lines matching {pattern!r} in the README's nginx "
            f"block, found {len(matches)}:\n{block}"
        )
    for match, replacement in zip(reversed(matches), reversed(replacements), strict=True):
        block = block[: match.start()] + replacement + block[match.end() :]
    return block


def nginx_conf(block: str, *, ports: Sequence[int], listen: int, directory: Path) -> str:
    """A whole nginx.conf around the README's `block`: its upstream servers on `ports`, its
    `listen` on 127.0.0.1:`listen`, pid, logs and temp files under `directory`."""
    servers = [f"server 127.0.0.1:{port};" for port in ports]
    block = _substituted(block, r"server 127\.0\.0\.1:\d+;", servers)
    block = _substituted(block, r"listen \d+;", [f"listen 127.0.0.1:{listen};"])
    # As root, nginx would run its workers as `nobody`, who cannot enter the run's
    # directory: they stay the user that started it (ignored, with a notice, otherwise).
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {directory / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    indented = "".join(f"    {line}\n" if line else "\n" for line in block.splitlines())
    return (
        f"{user}daemon off;\n"
        f"pid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} notice;\n"
        "events {\n    worker_connections 4096;\n}\n"
        "http {\n"
        f"    log_format upstream '{LOG_FORMAT}';\n"
        f"    access_log {directory / 'access.log'} upstream;\n"
        f"{temp}\n{indented}}}\n"
    )


def nginx_binary() -> str:
    """Debian's nginx: in /usr/sbin, which a user's PATH may leave out."""
    found = shutil.which("nginx") or shutil.which(DEBIAN_NGINX)
    if found is None:
        raise RuntimeError("nginx is not installed (Debian package nginx; scripts/test.sh)")
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def nginx(conf: str, directory: Path, url: str) -> Iterator[subprocess.Popen]:
    """nginx in the foreground with `conf` (written to `directory`), until `url` answers
    Streamlit's health check through it; stopped (and waited for) on the way out."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    command = [nginx_binary(), "-p", str(directory), "-e", str(directory / "error.log")]
    check = subprocess.run([*command, "-t", "-c", str(path)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}\n{conf}")
    log = (directory / "nginx.out").open("wb")
    process = subprocess.Popen(
        [*command, "-c", str(path)], stdout=log, stderr=subprocess.STDOUT, cwd=directory
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"nginx did not serve {url}:\n{(directory / 'error.log').read_text()}"
                )
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def _postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (initdb, pg_ctl), which Debian keeps out of
    PATH; its `pg_config` (postgresql-common) says where."""
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
    return Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port, as scripts/test.sh starts
    one: in a new temporary directory (as user postgres when run as root, which initdb
    refuses; so not under a directory only root may enter); yields the URL of its
    `postgres` database, then stops it and removes the directory."""
    bin_dir = _postgres_bin()
    directory = Path(tempfile.mkdtemp(prefix="kpi-pg."))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = directory / "data", free_port()
    pg_ctl = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data)]
    options = f"-k {directory} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200"
    try:
        for command in (
            [
                *as_postgres,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
            ],
            [*pg_ctl, "-l", str(directory / "server.log"), "-w", "-o", options, "start"],
        ):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"{command[-1]} failed:\n{done.stdout}{done.stderr}")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL of `server_url`; yields its URL and drops it
    (closing what still uses it) on the way out."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"kpi_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.dispose()


@dataclass(frozen=True)
class Pair:
    """Two app processes on one store and the proxy in front of them."""

    url: str  # the proxy's, as users reach the app
    instances: tuple[Server, Server]
    directory: Path  # the proxy's: nginx.conf, access.log, error.log

    def requests(self) -> list[tuple[str, str, int, str]]:
        """(method, path, status, instance URL or "" when none answered) of every request
        the proxy has logged so far (nginx logs a request when it ends), in order."""
        log = (self.directory / "access.log").read_text(encoding="utf-8")
        return [
            (method, path, int(status), "" if upstream == "-" else f"http://{upstream}")
            for method, path, status, upstream in re.findall(
                r'"(\S+) (\S+) [^"]*" (\d+) upstream=(\S+)', log
            )
        ]


@contextlib.contextmanager
def pair(database_url: str, directory: Path) -> Iterator[Pair]:
    """The README's recipe under `directory`: two app processes (data directories `a/data`
    and `b/data`, the same `DATABASE_URL`) started at once, and nginx with the README's
    block in `proxy/`. Everything is stopped on the way out, also when starting fails."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    with contextlib.ExitStack() as stack:
        logs = [directory / name / "server.log" for name in ("a", "b")]
        for log in logs:
            log.parent.mkdir(parents=True, exist_ok=True)
        # both start before either is healthy: migrating and seeding at once is safe
        starting = [start(log, database_url=database_url) for log in logs]
        with ThreadPoolExecutor(len(starting)) as pool:
            a, b = pool.map(stack.enter_context, starting)
        listen = free_port()
        url = f"http://127.0.0.1:{listen}"
        conf = nginx_conf(
            readme_nginx(readme),
            ports=[urllib.parse.urlsplit(s.url).port or 0 for s in (a, b)],
            listen=listen,
            directory=directory / "proxy",
        )
        stack.enter_context(nginx(conf, directory / "proxy", url))
        yield Pair(url, (a, b), directory / "proxy")
