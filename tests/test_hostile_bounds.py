"""Hostile files end in a clear error within seconds, in bounded memory, and leave the
stored data as it was: each is loaded and offered to the store the way the app does it
(`load_files`, then `store.save_upload`), in a forked process with a hard address-space
limit, so a file that asked for gigabytes fails the test instead of the machine."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.test_hostile_files import GOOD, bomb, lying_sizes, replace_part

HEADROOM_MB = 768  # address space each load may add to the loaded interpreter
SECONDS = 30  # per file, far above the milliseconds they take

# Forks once per file after importing the engine; each child loads its file under
# RLIMIT_AS, offers it to a seeded SQLite store and prints what happened as JSON.
RUNNER = r"""
import json, os, resource, signal, sys
from kpi_engine import load_files
from kpi_engine import store
from kpi_engine.auth.roles import ADMIN, Actor
from tests.store_files import monthly

root, names = sys.argv[1], sys.argv[2:]
engine = store.connect(data_dir=root)
store.migrate(engine)
monthly().save(engine)
engine.dispose()
for name in names:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        pages = int(open("/proc/self/statm").read().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + HEADROOM_MB * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.alarm(SECONDS)
        data = open(os.path.join(root, name), "rb").read()
        engine = store.connect(data_dir=root)
        before = (store.revision(engine), store.current_kpis(engine).to_json())
        loaded = load_files([(name, data)])
        saved = store.save_upload(engine, name=name, data=data, loaded=loaded, uploader=Actor("t", ADMIN))
        after = (store.revision(engine), store.current_kpis(engine).to_json())
        errors = loaded.errors
        out = {"codes": list(errors["code"]), "messages": list(errors["message"]),
               "accepted": loaded.rows_accepted, "untouched": before == after,
               "stored": saved.stored}
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    result = json.loads(b"".join(chunks)) if chunks else {"status": status}
    print(json.dumps({name: result}))
""".replace("HEADROOM_MB", str(HEADROOM_MB)).replace("SECONDS", str(SECONDS))


def corner_cells() -> bytes:
    """A1 and XFD1048576 filled: a 2 KB file whose grid is 17 billion cells."""
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return replace_part(GOOD, "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", far))


def unplaced_cells() -> bytes:
    """Cells and rows without references, each placed after the previous: 200,000 empty
    rows and a row of 20,000 cells, compressed to a few kilobytes."""
    far = "<row/>" * 200_000 + "<row>" + "<c/>" * 20_000 + "<c><v>1</v></c></row></sheetData>"
    return replace_part(GOOD, "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", far))


def tall_sheet() -> bytes:
    book = Workbook()
    book.active.cell(row=1_048_576, column=1, value=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def many_sheets(n: int = 200) -> bytes:
    book = Workbook()
    for i in range(n - 1):
        book.create_sheet(f"s{i}")["A1"] = i
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def billion_laughs() -> bytes:
    """Nested entities in the sheet XML and in sharedStrings, and an external entity."""
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    doctype = f'<!DOCTYPE x [{entities}<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

    def inject(xml: str) -> str:
        return doctype + xml.replace("营收", "&e9;").replace("市场部", "&xxe;")

    data = replace_part(GOOD, "xl/worksheets/sheet1.xml", inject)
    shared = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return add_part(data, "xl/sharedStrings.xml", f"{doctype}{shared}<si><t>&e9;</t></si></sst>")


def add_part(data: bytes, name: str, text: str) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return out.getvalue()


# Built when the module's fixture first needs them, not when the suite is collected.
HOSTILE: dict[str, tuple[Callable[[], bytes], set[str]]] = {
    "bomb.xlsx": (lambda: bomb(210 << 20), {"unzipped_too_big"}),
    "liar.xlsx": (lambda: lying_sizes(bomb(250 << 20)), {"unzipped_too_big", "file_damaged"}),
    "corner.xlsx": (corner_cells, {"sheet_too_big"}),
    "unplaced.xlsx": (unplaced_cells, {"sheet_too_big"}),
    "tall.xlsx": (tall_sheet, {"sheet_too_big"}),
    "sheets200.xlsx": (many_sheets, {"too_many_sheets"}),
    "laughs.xlsx": (billion_laughs, {"unreadable"}),
    "photo.xlsx": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, {"not_a_workbook"}),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("hostile")
    for name, (build, _) in HOSTILE.items():
        (root / name).write_bytes(build())
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(root), *HOSTILE],
        capture_output=True,
        text=True,
        timeout=SECONDS * len(HOSTILE),
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    return {k: v for line in done.stdout.splitlines() for k, v in json.loads(line).items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_in_bounded_memory_and_time(outcomes, name):
    outcome = outcomes[name]
    assert "codes" in outcome, f"the load died (wait status {outcome.get('status')})"
    assert set(outcome["codes"]) <= HOSTILE[name][1] and outcome["codes"], outcome
    assert outcome["accepted"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_refused_upload_leaves_the_stored_data_as_it_was(outcomes, name):
    assert outcomes[name]["untouched"] and not outcomes[name]["stored"]
