"""AHP (层次分析法): published worked examples reproduced to 3 decimals, the matrix CSV the
CLI reads ('1/3' and '0.333' alike, UTF-8 or GBK), and clear errors for matrices AHP cannot
use. A consistency ratio of 0.1 or more is flagged."""

import json
import subprocess
import sys

import numpy as np
import pytest

from kpi_engine.core.weights import (
    RANDOM_INDEX,
    MatrixError,
    ahp,
    pairwise_matrix,
    parse_judgement,
)
from kpi_engine.ingest.matrix import read_matrix

# T. L. Saaty, "How to make a decision: The analytic hierarchy process", European Journal
# of Operational Research 48 (1990) 9-26, choosing a house: eight criteria (size,
# transportation, neighbourhood, age, yard, modern facilities, general condition,
# financing). Published priorities .173 .054 .188 .018 .031 .036 .167 .333,
# lambda_max 9.669, C.I. 0.238, C.R. 0.169: inconsistent, so flagged.
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
HOUSE_WEIGHTS = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]

# T. L. Saaty, "Decision making with the analytic hierarchy process", Int. J. Services
# Sciences 1 (2008) 83-98, relative consumption of drinks in the United States (coffee,
# wine, tea, beer, sodas, milk, water). Derived priorities .177 .019 .042 .116 .190
# .129 .327 (close to the actual consumption), C.R. 0.022.
DRINKS_NAMES = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_WEIGHTS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]

# Wikipedia, "Analytic hierarchy process – leader example": criteria experience,
# education, charisma, age. Published priorities .547 .127 .270 .056, C.R. 0.044 (the page
# cuts the first to three decimals: the eigenvector has .5476).
LEADER = ["experience", "education", "charisma", "age"]
LEADER_JUDGEMENTS = {
    ("experience", "education"): 4,
    ("experience", "charisma"): 3,
    ("experience", "age"): 7,
    ("charisma", "education"): 3,
    ("education", "age"): 3,
    ("charisma", "age"): 5,
}
LEADER_WEIGHTS = [0.547, 0.127, 0.270, 0.056]


def rounded(values):
    return [round(v, 3) for v in values]


def test_saaty_house_example_weights_lambda_ci_and_cr():
    result = ahp(HOUSE)
    assert rounded(result.weights) == HOUSE_WEIGHTS
    assert round(result.lambda_max, 3) == 9.669
    assert round(result.ci, 3) == 0.238
    assert round(result.cr, 3) == 0.169
    assert not result.consistent  # CR >= 0.1 is flagged


def test_saaty_drinks_example_weights_and_cr():
    result = ahp(DRINKS, names=DRINKS_NAMES)
    assert result.names == tuple(DRINKS_NAMES)
    assert rounded(result.weights) == DRINKS_WEIGHTS
    assert round(result.cr, 3) == 0.022
    assert result.consistent


def test_leader_example_from_one_judgement_per_pair():
    result = ahp(pairwise_matrix(LEADER_JUDGEMENTS, LEADER), names=LEADER)
    assert result.weights == pytest.approx(LEADER_WEIGHTS, abs=1e-3)
    assert round(result.cr, 3) == 0.044


def test_a_consistent_matrix_gives_its_ratios_back_with_cr_0():
    w = np.array([0.5, 0.3, 0.2])
    result = ahp(w[:, None] / w[None, :])
    assert result.weights == pytest.approx(w.tolist(), abs=1e-12)
    assert result.lambda_max == pytest.approx(3.0)
    assert result.ci == 0.0 and result.cr == 0.0


def test_saatys_random_index_and_small_matrices():
    assert [RANDOM_INDEX[n] for n in range(1, 11)] == [
        0.0,
        0.0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
    ]
    assert len(RANDOM_INDEX) == 15
    two = ahp([[1, 3], [1 / 3, 1]])
    assert two.weights == pytest.approx((0.75, 0.25))
    assert (two.ci, two.cr) == (0.0, 0.0)  # RI is 0 for n <= 2: every 2x2 is consistent
    assert ahp([[1]]).weights == (1.0,)


@pytest.mark.parametrize("cell", ["1/3", "0.333", "0.3333", " 1 / 3 ", "１／３"])
def test_a_third_written_several_ways_gives_the_same_weights(cell):
    text = f"A,B,C\n1,3,5\n{cell},1,2\n1/5,1/2,1\n"
    exact = ahp([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    assert ahp(read_matrix(text)).weights == pytest.approx(exact.weights, abs=1e-12)


def test_csv_with_row_names_gbk_and_empty_mirror_cells():
    text = "指标,财务,客户,内部流程\n财务,1,1/3,\n客户,3,1,2\n内部流程,2,,1\n"
    frame = read_matrix(text.encode("gbk"))
    assert list(frame.columns) == ["财务", "客户", "内部流程"]
    result = ahp(frame)
    assert result.names == ("财务", "客户", "内部流程")
    full = ahp([[1, 1 / 3, 1 / 2], [3, 1, 2], [2, 1 / 2, 1]])
    assert result.weights == pytest.approx(full.weights)


def test_a_utf16_csv_with_bom_and_a_short_gbk_name_that_is_also_big5():
    """Decoded by the CSV decoder (`ingest.text`) without guessing Big5 for GBK bytes."""
    text = ",甲,乙\n甲,1,3\n乙,1/3,1\n"
    for data in (text.encode("utf-16"), text.encode("gbk")):
        assert list(read_matrix(data).columns) == ["甲", "乙"]


def test_csv_with_a_blank_corner_and_semicolons():
    frame = read_matrix(";a;b\na;1;4\nb;0.25;1\n")
    assert ahp(frame).weights == pytest.approx((0.8, 0.2))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A,B\n1,3\n1,1\n", "not reciprocal"),
        ("A,B,C\n1,3,5\n1/3,1,2\n", "square"),
        ("A,B\n1,-2\n-0.5,1\n", "positive"),
        ("A,B\n1,abc\n1,1\n", "not a judgement"),
        ("A,B\n2,1\n1,1\n", "diagonal"),
        ("", "empty"),
    ],
)
def test_matrices_ahp_cannot_use_are_refused_with_what_to_fix(text, message):
    with pytest.raises(MatrixError, match=message):
        ahp(read_matrix(text))


def test_parse_judgement():
    assert parse_judgement("1/3") == pytest.approx(1 / 3)
    assert parse_judgement("7") == 7.0
    assert np.isnan(parse_judgement(""))
    with pytest.raises(MatrixError):
        parse_judgement("1/0")


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "kpi_engine", "weights", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write(path, names, matrix, *, fractions=True):
    def cell(v):
        for n in range(2, 10):
            if fractions and abs(v - 1 / n) < 1e-9:
                return f"1/{n}"
        return f"{v:.3f}".rstrip("0").rstrip(".") if v < 1 else f"{v:g}"

    lines = [",".join(names)] + [",".join(cell(v) for v in row) for row in matrix]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("fractions", [True, False], ids=["1/3", "0.333"])
def test_cli_ahp_json_reproduces_the_published_drinks_example(tmp_path, fractions):
    matrix = write(tmp_path / "drinks.csv", DRINKS_NAMES, DRINKS, fractions=fractions)
    done = cli("ahp", matrix, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == {"weights", "lambda_max", "ci", "cr"}
    assert rounded(doc["weights"]) == DRINKS_WEIGHTS
    assert round(doc["cr"], 3) == 0.022
    assert done.stderr == ""


@pytest.mark.slow
def test_cli_ahp_flags_an_inconsistent_matrix_on_stderr(tmp_path):
    names = ["size", "transport", "neighbourhood", "age", "yard", "modern", "condition", "finance"]
    done = cli("ahp", write(tmp_path / "house.csv", names, HOUSE), "--json")
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    assert rounded(doc["weights"]) == HOUSE_WEIGHTS
    assert round(doc["lambda_max"], 3) == 9.669 and round(doc["cr"], 3) == 0.169
    assert "0.169" in done.stderr and "0.1" in done.stderr


@pytest.mark.slow
def test_cli_ahp_text_output_and_errors(tmp_path):
    done = cli(
        "ahp", write(tmp_path / "leader.csv", LEADER, pairwise_matrix(LEADER_JUDGEMENTS, LEADER))
    )
    assert done.returncode == 0
    assert "experience" in done.stdout and "CR 0.0439" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B\n1,3\n1,1\n", encoding="utf-8")
    done = cli("ahp", bad, "--json")
    assert done.returncode == 1 and "not reciprocal" in done.stderr and done.stdout == ""
    assert cli("ahp", tmp_path / "missing.csv").returncode == 1
    assert cli("ahp").returncode == 2
