"""`python -m scoring ratings`: scoring a file of votes with no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.__main__ import main
from scoring.vote_files import read_votes

CONTENDER_FIELDS = set(
    "name rating ci_lower ci_upper rank votes wins losses ties win_rate online_elo".split()
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "winners",
    [
        ("a", "b", "tie"),
        ("model_a", "model_b", "tie"),
        ("left", "right", "tie"),
        ("-2", "1", "0"),
        ("A", "+2", "TIE"),
    ],
)
def test_every_winner_vocabulary_reads_the_same(
    tmp_path: Path, winners: tuple[str, str, str]
) -> None:
    first, second, tie = winners
    path = write(tmp_path, "votes.csv", f"x,y,w\nm1,m2,{first}\nm2,m3,{second}\nm3,m1,{tie}\n")
    data = read_votes(path, a="x", b="y", winner="w")
    assert data.names == ["m1", "m2", "m3"]
    assert data.votes.outcome.tolist() == [0, 2, 1]
    assert data.votes.a.tolist() == [0, 1, 2] and data.votes.b.tolist() == [1, 2, 0]


def test_json_output_is_the_contenders_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"l": "m1", "r": "m2", "v": -2},
        {"l": "m2", "r": "m1", "v": 0},
        {"l": "m1", "r": "m2", "v": 1},
    ]
    path = write(tmp_path, "votes.jsonl", "\n".join(json.dumps(line) for line in lines) + "\n")
    arguments = [
        str(path),
        "--a",
        "l",
        "--b",
        "r",
        "--winner",
        "v",
        "--rounds",
        "20",
        "--format",
        "json",
    ]
    assert main(["ratings", *arguments]) == 0
    contenders = json.loads(capsys.readouterr().out)
    assert {row["name"] for row in contenders} == {"m1", "m2"}
    assert all(set(row) == CONTENDER_FIELDS for row in contenders)
    assert sum(row["votes"] for row in contenders) == 6


def test_table_output_lists_every_contender(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "votes.csv", "model_a,model_b,winner\nm1,m2,a\nm2,m3,b\n")
    assert main(["ratings", str(path), "--rounds", "10"]) == 0
    table = capsys.readouterr().out
    assert "rating" in table and all(name in table for name in ("m1", "m2", "m3"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model_a,model_b,winner\nm1,m2,maybe\n", "line 2: winner 'maybe'"),
        ("model_a,model_b,winner\nm1,m1,a\n", "line 2: 'm1' is on both sides"),
        ("model_a,model_b\nm1,m2\n", "line 2: missing 'winner'"),
    ],
)
def test_bad_files_get_a_clear_error_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert main(["ratings", str(write(tmp_path, "votes.csv", text))]) == 2
    assert message in capsys.readouterr().err


def test_bad_json_line_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path, "votes.jsonl", '{"model_a": "m1", "model_b": "m2", "winner": "a"}\n{oops\n'
    )
    assert main(["ratings", str(path)]) == 2
    assert "line 2: bad JSON" in capsys.readouterr().err


def test_a_chatbot_arena_battles_file_rates_with_the_default_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    battles = [
        {"question_id": "q1", "model_a": "m1", "model_b": "m2", "winner": "model_a", "turn": 1},
        {"question_id": "q2", "model_a": "m2", "model_b": "m3", "winner": "tie (bothbad)"},
        {"question_id": "q3", "model_a": "m3", "model_b": "m1", "winner": "model_b"},
    ]
    path = write(tmp_path, "battles.jsonl", "\n".join(json.dumps(row) for row in battles))

    data = read_votes(path)

    assert data.votes.outcome.tolist() == [0, 1, 2]
    assert main(["ratings", str(path), "--rounds", "10"]) == 0
    assert "m3" in capsys.readouterr().out


def crowd_file(tmp_path: Path) -> Path:
    """Three careful judges (m1 > m2 > m3) and one who always answers the other way."""
    rows = ["model_a,model_b,winner,judge"]
    for round_ in range(6):
        for a, b in (("m1", "m2"), ("m2", "m3"), ("m1", "m3")):
            for judge in ("ann", "bob", "cy"):
                rows.append(f"{a},{b},{'b' if round_ == 0 and judge == 'cy' else 'a'},{judge}")
            rows.append(f"{a},{b},b,zed")
    return write(tmp_path, "crowd.csv", "\n".join(rows) + "\n")


def test_crowd_bt_json_is_the_contenders_and_each_annotators_reliability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["ratings", str(crowd_file(tmp_path)), "--annotator", "judge"]
    assert main([*arguments, "--method", "crowd-bt", "--rounds", "50", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)

    assert set(document) == {"contenders", "annotators"}
    assert [row["name"] for row in document["contenders"]] == ["m1", "m2", "m3"]
    assert all(set(row) == CONTENDER_FIELDS for row in document["contenders"])
    assert [row["votes"] for row in document["contenders"]] == [48, 48, 48]  # every vote
    reliability = {row["annotator"]: row["reliability"] for row in document["annotators"]}
    assert set(reliability) == {"ann", "bob", "cy", "zed"}
    assert reliability["zed"] < 0.3 < 0.7 < min(reliability["ann"], reliability["bob"])
    assert {row["annotator"]: row["votes"] for row in document["annotators"]}["zed"] == 18


def test_crowd_bt_table_lists_contenders_then_annotators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(crowd_file(tmp_path))
    assert main(["ratings", path, "--annotator", "judge", "--method", "crowd-bt"]) == 0
    table = capsys.readouterr().out
    assert table.index("m1") < table.index("reliability") < table.index("zed")


def test_crowd_bt_without_an_annotator_column_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["ratings", str(crowd_file(tmp_path)), "--method", "crowd-bt"])
    assert exit_.value.code == 2
    assert "--method crowd-bt needs --annotator" in capsys.readouterr().err


def test_a_row_without_its_annotator_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "votes.csv", "model_a,model_b,winner,judge\nm1,m2,a,ann\nm2,m1,b,\n")
    arguments = ["ratings", str(path), "--annotator", "judge", "--method", "crowd-bt"]
    assert main(arguments) == 2
    assert "line 3: missing 'judge'" in capsys.readouterr().err


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-votes.csv"

    assert main(["ratings", str(missing)]) == 2
    assert f"{missing}: no such file" in capsys.readouterr().err
