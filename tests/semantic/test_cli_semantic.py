"""The command line with a sentence encoder configured: doctor says what loads, and console
refuses to start on a model that is missing or corrupt (one line, exit 78)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

from bot.cli.arguments import EXIT_DO_NOT_RESTART
from bot.cli.main import main
from tests.semantic.tiny_model import build_model_folder


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "data" / "faqbot.sqlite3"
    monkeypatch.setenv("FAQBOT_STORAGE__DATABASE", str(database))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield database
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def use_model(monkeypatch: pytest.MonkeyPatch, model: Path | str) -> None:
    monkeypatch.setenv("FAQBOT_MATCHER__SEMANTIC__MODEL", str(model))


def test_console_refuses_a_missing_model_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_model(monkeypatch, tmp_path / "no-such-model")
    assert main(["console"]) == EXIT_DO_NOT_RESTART
    [line] = capsys.readouterr().err.splitlines()
    assert "does not exist" in line and "faqbot models fetch NAME|URL|ARCHIVE" in line


def test_console_refuses_a_corrupt_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_model_folder(tmp_path / "model")
    (folder / "model.onnx").write_bytes(b"\x00" * 64)
    use_model(monkeypatch, folder)
    assert main(["console"]) == EXIT_DO_NOT_RESTART
    [line] = capsys.readouterr().err.splitlines()
    assert "corrupt" in line and "faqbot models fetch" in line


def test_doctor_names_a_loading_model_and_a_broken_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_model_folder(tmp_path / "model")
    use_model(monkeypatch, folder)
    main(["doctor"])
    assert "[ok] semantic: on (hybrid)" in capsys.readouterr().out
    use_model(monkeypatch, tmp_path / "gone")
    assert main(["doctor"]) == 1
    assert "[FAIL] semantic:" in capsys.readouterr().out


def test_console_answers_in_hybrid_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_model(monkeypatch, build_model_folder(tmp_path / "model"))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("VM or container?\n"))
    assert main(["console"]) == 0
    assert "entries loaded" in capsys.readouterr().out


def test_ask_explain_shows_both_signals_per_candidate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_model(monkeypatch, build_model_folder(tmp_path / "model"))
    assert main(["ask", "--explain", "renew", "my", "ssl", "certificate"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "(lexical " in line]
    assert rows and all("semantic" in row and "centroid" in row for row in rows)


EVAL = Path(__file__).parent.parent / "fixtures" / "knowledge_eval"


def test_eval_runs_either_mode_and_keeps_vectors_between_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = build_model_folder(tmp_path / "model")
    files = ["--kb", str(EVAL / "kb.jsonl"), "--queries", str(EVAL / "queries.jsonl"), "--json"]
    assert main(["eval", "--mode", "lexical", *files]) == 0
    lexical = json.loads(capsys.readouterr().out)
    vectors = tmp_path / "vectors.sqlite3"
    hybrid_args = ["eval", "--mode", "hybrid", "--model", str(model), "--vectors", str(vectors)]
    assert main([*hybrid_args, *files]) == 0
    hybrid = json.loads(capsys.readouterr().out)
    assert set(hybrid) == set(lexical) and hybrid["queries"] == lexical["queries"]
    with sqlite3.connect(vectors) as db:
        stored = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    assert stored > 0
    assert main([*hybrid_args, *files]) == 0
    assert json.loads(capsys.readouterr().out) == {
        **hybrid,
        "p50_ms": pytest.approx(hybrid["p50_ms"], abs=1e9),
        "p99_ms": pytest.approx(hybrid["p99_ms"], abs=1e9),
    }


def test_hybrid_eval_without_a_model_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = ["--kb", str(EVAL / "kb.jsonl"), "--queries", str(EVAL / "queries.jsonl")]
    assert main(["eval", "--mode", "hybrid", *files]) == 1
    assert "faqbot models fetch" in capsys.readouterr().err


@pytest.mark.slow  # runs the whole benchmark command
def test_bench_measures_the_hybrid_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = build_model_folder(tmp_path / "model")
    args = ["bench", "--mode", "hybrid", "--model", str(model), "--sizes", "100"]
    assert main([*args, "--queries", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mode: hybrid")
    assert any(line.split()[:1] == ["100"] for line in out.splitlines())
    assert "phrasings/s" in out
