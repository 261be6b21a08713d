"""No workbook takes the server down: every spelling, folder, format and shape of a file
that would make python-calamine ask for gigabytes (and abort the process) ends as a file
error, and the other files of the batch still load.

All files are loaded in one process run under a hard address-space limit, the way the
app's server loads them (`load_files`, whose reader children inherit the limit): a file
that escaped the checks and the reader child would kill that process and fail every test
here, instead of the machine. Then all of them are loaded again in one batch with a good
file, and a good file alone after that. All of this twice: as the server loads (reader
children, which leave the scan of a sheet's XML for its grid to their memory ceiling) and
in process (`workers=0`, where the scan is what keeps the process alive).
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kpi_engine.ingest.messages import MESSAGES
from tests.ods import cell, filler, ods, row
from tests.test_hostile_files import GOOD, replace_part
from tests.workbooks import form, xlsx
from tests.xls import xls

ROOT = Path(__file__).resolve().parents[1]
HEADROOM_MB = 768  # address space the loads may add to the loaded interpreter
SECONDS = 600  # for the whole run, far above what it takes
SHEET = "xl/worksheets/sheet1.xml"

RUNNER = r"""
import json, os, resource, sys
from kpi_engine import load_files

pages = int(open("/proc/self/statm").read().split()[0])
limit = pages * os.sysconf("SC_PAGE_SIZE") + HEADROOM_MB * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
mode, root, names = sys.argv[1], sys.argv[2], sys.argv[3:]
options = {"workers": 0} if mode == "in process" else {}
files = [(name, open(os.path.join(root, name), "rb").read()) for name in names]
good = [("good.xlsx", open(os.path.join(root, "good.xlsx"), "rb").read())]

def outcome(loaded, name):
    issues = loaded.issues[loaded.issues["file"] == name]
    errors = issues[issues["severity"] == "error"]
    return {"codes": sorted(set(errors["code"])), "warnings": sorted(set(issues["code"])),
            "accepted": int((loaded.kpis["file"] == name).sum())}

for name, data in files:
    print(json.dumps({name: outcome(load_files([(name, data)], **options), name)}), flush=True)
batch = load_files([*files, *good], **options)
print(json.dumps({"batch": outcome(batch, "good.xlsx")}), flush=True)
print(json.dumps({"after": outcome(load_files(good, **options), "good.xlsx")}), flush=True)
""".replace("HEADROOM_MB", str(HEADROOM_MB))


def far(cells: str) -> bytes:
    """GOOD with XML added at the end of its sheet data."""
    return replace_part(GOOD, SHEET, lambda x: x.replace("</sheetData>", cells + "</sheetData>"))


def moved(data: bytes, new: str, target: str | None = None) -> bytes:
    """The first sheet's part moved to `new`, the relationship pointing at `target`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels" and target:
                content = content.replace(b"/xl/worksheets/sheet1.xml", target.encode())
            archive.writestr(new if item.filename == SHEET else item.filename, content)
    return out.getvalue()


def prefixed() -> bytes:
    """The whole sheet written with a namespace prefix, `<x:c r="XFD1048576">` at its end."""

    def prefix(text: str) -> str:
        text = text.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace(
            "</worksheet>", "</x:worksheet>"
        )
        for tag in ("sheetData", "row", "c", "v", "is", "t"):
            text = text.replace(f"<{tag}>", f"<x:{tag}>").replace(f"<{tag} ", f"<x:{tag} ")
            text = text.replace(f"</{tag}>", f"</x:{tag}>")
        return text.replace(
            "</x:sheetData>",
            '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></x:sheetData>',
        )

    return replace_part(GOOD, SHEET, prefix)


def utf16() -> bytes:
    """The sheet part saved as UTF-16, the far cell in it."""
    source = zipfile.ZipFile(
        io.BytesIO(far('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == SHEET:
                content = (
                    content.decode()
                    .replace("<worksheet", '<?xml version="1.0" encoding="UTF-16"?><worksheet', 1)
                    .encode("utf-16")
                )
            archive.writestr(item, content)
    return out.getvalue()


def xlsb() -> bytes:
    """An Excel binary workbook's parts (its records are never read)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "_rels/.rels",
            '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/>'
            "</Relationships>",
        )
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00" * 100)
        archive.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00" * 100)
    return out.getvalue()


def merges(count: int, ref: str = "A{i}:B{i}") -> bytes:
    cells = "".join(f'<mergeCell ref="{ref.format(i=i % 4 + 1)}"/>' for i in range(count))
    return replace_part(
        GOOD,
        SHEET,
        lambda x: x.replace(
            "</sheetData>", f'</sheetData><mergeCells count="{count}">{cells}</mergeCells>'
        ),
    )


def panic() -> bytes:
    """A date cell python-calamine converts with a panic (PanicException)."""
    data = xlsx([["x", 1]], formats={"B1": "yyyy-mm-dd"})
    return replace_part(data, SHEET, lambda x: x.replace("<v>1</v>", "<v>-1e20</v>"))


KPI = form(["市场部", "财务", "M1", "营收", "越高越好", 1, 100, 90])
FAR_XLS = [(0, 0, 1), (65535, 255, 2)]
CORNER = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'

HOSTILE: dict[str, tuple[bytes, set[str]]] = {
    "quotes.xlsx": (
        far("<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"),
        {"sheet_too_big"},
    ),
    "spaces.xlsx": (
        far('<row r = "1048576"><c r = "XFD1048576"><v>1</v></c></row>'),
        {"sheet_too_big"},
    ),
    "prefixed.xlsx": (prefixed(), {"sheet_too_big"}),
    "lower_case.xlsx": (
        far('<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>'),
        {"sheet_too_big"},
    ),
    "zeros.xlsx": (
        far('<row r="1048576"><c r="XFD0001048576"><v>1</v></c></row>'),
        {"sheet_too_big"},
    ),
    "second_r.xlsx": (
        far('<row r="9"><c r="A9" r="XFD1048576"><v>1</v></c></row>'),
        {"sheet_too_big"},
    ),
    "row_without_r.xlsx": (far('<row><c r="XFD1048576"><v>1</v></c></row>'), {"sheet_too_big"}),
    "cell_without_r.xlsx": (far('<row r="1048576"><c><v>1</v></c></row>'), {"sheet_too_big"}),
    "dimension_lies.xlsx": (
        replace_part(far(CORNER), SHEET, lambda x: x.replace('ref="A1:H4"', 'ref="A1:B2"')),
        {"sheet_too_big"},
    ),
    "moved.xlsx": (moved(far(CORNER), "xl/data/sheet1.xml", "data/sheet1.xml"), {"sheet_too_big"}),
    "upper_case_name.xlsx": (moved(far(CORNER), "xl/worksheets/SHEET1.XML"), {"sheet_too_big"}),
    # In process the scan finds the far cell; a reader child, which leaves the scan to its
    # memory ceiling, gets no cell at all from calamine for a UTF-16 part: no table.
    "utf16.xlsx": (utf16(), {"sheet_too_big", "unreadable", "no_kpi_table"}),
    "binary.xlsb": (xlsb(), {"xlsb_not_supported"}),
    "binary_renamed.xlsx": (xlsb(), {"xlsb_not_supported"}),
    "rows.ods": (ods({"s": [row([1], repeat=1_048_576)]}), {"sheet_too_big"}),
    "columns.ods": (ods({"s": [row(cell(1, repeat=16_384))]}), {"sheet_too_big"}),
    "rows_of_columns.ods": (ods({"s": [row(cell(1, repeat=16_384)) * 2000]}), {"sheet_too_big"}),
    "three_sheets.ods": (
        ods({f"s{i}": [row(cell(1, repeat=400), repeat=60_000)] for i in range(3)}),
        {"too_many_cells"},
    ),
    "far.xls": (xls({"s": FAR_XLS}), {"too_many_cells"}),
    "dimensions_lie.xls": (xls({"s": [(0, 0, 1)]}, dimensions=(65536, 256)), {"too_many_cells"}),
    "wide.xls": (xls({"s": [(0, 0, 1), (0, 65535, 2)]}, dimensions=(1, 256)), {"sheet_too_big"}),
    "panic.xlsx": (panic(), {"unreadable"}),
    "merges.xlsx": (merges(60_000), {"too_many_merges"}),
    "overlapping_merges.xlsx": (merges(200, "A1:H4"), {"merges_overlap"}),
    "huge_field.csv": (b"a,b\n" + b'"' + b"x" * 200_000 + b'",1\n', {"csv_unreadable"}),
}

# Odd but harmless: calamine builds no large grid for them, so they load.
HARMLESS: dict[str, bytes] = {
    "dimension_claims_all.xlsx": replace_part(
        GOOD, SHEET, lambda x: x.replace('ref="A1:H4"', 'ref="A1:XFD1048576"')
    ),
    "far_empty_row.xlsx": far('<row r="1048576" ht="30" customHeight="1"/>'),
    "far_formatted_cell.xlsx": far('<row r="1048576"><c r="XFD1048576" s="0"/></row>'),
    "libreoffice.ods": ods({"市场部": [*(row(r) for r in KPI), filler()]}),
    "kpi.xls": xls(
        {
            "市场部": [
                (r, c, v) for r, line in enumerate(KPI) for c, v in enumerate(line) if v is not None
            ]
        }
    ),
}


@pytest.fixture(scope="module", params=["children", "in process"])
def outcomes(request, tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("hostile")
    for name, data in {**{n: d for n, (d, _) in HOSTILE.items()}, **HARMLESS}.items():
        (root / name).write_bytes(data)
    (root / "good.xlsx").write_bytes(GOOD)
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, request.param, str(root), *HOSTILE, *HARMLESS],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, (
        f"the loading process died ({done.returncode}): {done.stderr[-2000:]}"
    )
    return {k: v for line in done.stdout.splitlines() for k, v in json.loads(line).items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_a_file_error(outcomes, name):
    outcome = outcomes[name]
    assert outcome["codes"] and set(outcome["codes"]) <= HOSTILE[name][1], outcome
    assert outcome["accepted"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HARMLESS))
def test_an_odd_but_harmless_file_loads(outcomes, name):
    assert outcomes[name]["codes"] == [] and outcomes[name]["accepted"] == 1, outcomes[name]


@pytest.mark.slow
def test_a_good_file_in_a_batch_of_hostile_ones_loads_and_so_does_the_next(outcomes):
    assert outcomes["batch"] == {"codes": [], "warnings": [], "accepted": 1}
    assert outcomes["after"] == {"codes": [], "warnings": [], "accepted": 1}


def test_the_files_are_small(outcomes):
    """What makes them hostile is what they ask for, not their size (a few kilobytes)."""
    small = {
        "quotes.xlsx",
        "moved.xlsx",
        "binary.xlsb",
        "rows_of_columns.ods",
        "far.xls",
        "merges.xlsx",
    }
    assert all(len(HOSTILE[name][0]) < 16_000 for name in small)


def _limited() -> None:
    limit = 1 << 31
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["quotes.xlsx", "rows_of_columns.ods", "far.xls", "panic.xlsx"])
def test_the_command_line_says_what_is_wrong_and_exits_1(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name][0])
    done = subprocess.run(
        [sys.executable, "-m", "kpi_engine", "validate", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        preexec_fn=_limited,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    said = [issue["message"] for issue in json.loads(done.stdout)["errors"]]
    expected = [MESSAGES[code].split("{")[0] for code in HOSTILE[name][1]]
    assert said and all(any(m.startswith(e) for e in expected) for m in said), said


@pytest.mark.slow
def test_the_data_page_reports_a_hostile_upload_and_takes_the_next_one(monkeypatch, tmp_path):
    from tests.apps import open_page, start

    at = start(monkeypatch, tmp_path, lang="en")
    open_page(at, "data")
    at.file_uploader(key="uploader").upload("quotes.xlsx", HOSTILE["quotes.xlsx"][0]).run()
    assert not at.exception
    cards = [str(c.value) for c in (*at.error, *at.warning)]  # one card per issue
    assert any("sheet is 1048576 rows x 16384 columns" in c for c in cards), cards
    at.file_uploader(key="uploader").upload("good.xlsx", GOOD).run()
    assert not at.exception
    assert any("good.xlsx: 1 rows imported" in m.value for m in at.markdown), [
        m.value for m in at.markdown
    ]
