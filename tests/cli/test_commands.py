"""The command line as a user runs it: ``faqbot ...``, in-process (the ``cli`` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.base.config import SHIPPED_KNOWLEDGE
from bot.core.evaluation import METRIC_KEYS
from tests.inprocess import Cli
from tests.shipped import shipped_knowledge

FIXTURES = Path(__file__).parent.parent / "fixtures"
BROKEN = FIXTURES / "knowledge_broken"
EVAL = FIXTURES / "knowledge_eval"
# Four entries: for tests not about the shipped knowledge, which costs a second a command.
STORE_KNOWLEDGE = FIXTURES / "store_knowledge"
SMALL = {"FAQBOT_KNOWLEDGE__PATHS": str(STORE_KNOWLEDGE)}
REPOSITORY = SHIPPED_KNOWLEDGE.parent
EXPECTED_METRICS = {
    "queries",
    "r_at_1",
    "mrr_at_5",
    "answer_precision",
    "answer_recall",
    "false_answer_rate",
    "suggest_rate",
    "suggest_hit_rate",
    "helped",
    "wrong_answers",
    "p50_ms",
    "p99_ms",
}


@pytest.fixture
def faqbot(cli: Cli, tmp_path: Path) -> Cli:
    """``faqbot ARGS`` with the user's data folder (and database) in tmp_path, cwd tmp_path/work."""
    cli.cwd = tmp_path / "work"
    cli.cwd.mkdir()
    return cli


def test_ask_prints_the_vm_vs_container_answer(faqbot):
    done = faqbot("ask", "VM or container?")

    assert done.returncode == 0, done.stderr
    first_line = done.stdout.splitlines()[0]
    assert first_line.startswith("[answer] Should I use a VM or a container?")
    assert "vm-vs-container" in first_line
    assert "containers running inside a VM" in done.stdout


def test_ask_uses_the_default_database_under_xdg_data_home(faqbot, tmp_path):
    done = faqbot("ask", "site down 502", env=SMALL)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "faqbot" / "faqbot.sqlite3").exists()


def test_ask_json_prints_one_object_with_outcome_entry_score_candidates(faqbot):
    done = faqbot("ask", "--json", "VM or container?")

    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert {"outcome", "entry_id", "score", "candidates"} <= result.keys()
    assert (result["outcome"], result["entry_id"]) == ("answer", "vm-vs-container")
    assert result["score"] == result["candidates"][0]["score"]
    assert result["candidates"][0]["entry_id"] == "vm-vs-container"


def test_ask_json_for_filler_has_outcome_none(faqbot):
    done = faqbot("ask", "--json", "hi", env=SMALL)

    result = json.loads(done.stdout)
    assert (result["outcome"], result["entry_id"], result["candidates"]) == ("none", None, [])


def test_ask_explain_shows_candidates_with_scores_and_why(faqbot):
    done = faqbot("ask", "--explain", "VM or container?")

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "why: score 0.97 reaches 0.50 and leads the runner-up" in out
    assert "what-is-a-vm" in out  # the runner-up is listed too
    assert "best phrasing 'VM or container?' shares 100% of the weighted words" in out


# Slow: a whole-data-set check (every shipped phrasing matched, seconds of CPU). The default run
# checks the same thing of the shipped knowledge in tests/core/test_matcher.py
# (test_every_shipped_phrasing_answers_with_its_own_entry) and validate's behaviour here below.
@pytest.mark.slow
def test_validate_shipped_knowledge_exits_0(faqbot):
    done = faqbot("validate", str(SHIPPED_KNOWLEDGE))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 colliding phrasing(s)" in done.stderr


def test_validate_without_paths_checks_the_configured_knowledge(faqbot):
    done = faqbot("validate", env=SMALL)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 entries, 0 colliding" in done.stderr


def test_validate_broken_file_exits_1_and_names_file_entry_field(faqbot):
    path = BROKEN / "bad_id.yaml"

    done = faqbot("validate", str(path))

    assert done.returncode == 1
    assert f"{path}: entry 'Point_Domain': field 'id':" in done.stdout
    assert "1 problem(s) found." in done.stderr


def test_validate_lists_every_problem_of_a_file(faqbot):
    done = faqbot("validate", str(BROKEN / "several_errors.yaml"))

    assert done.returncode == 1
    assert len(done.stdout.splitlines()) == 6
    assert "field 'links[1].url'" in done.stdout and "field 'colour'" in done.stdout


CLASH = """entries:
  - id: open-port
    question: How do I open a port?
    alternates: [open port, open a port on my server, allow a port]
    answer: Allow it in the firewall.
    tags: [firewall]
  - id: port-closed
    question: Why is my port closed?
    alternates: [port closed, closed port, open port on server]
    answer: Check the cloud firewall too.
    tags: [firewall]
"""


def test_validate_reports_colliding_phrasings(faqbot, tmp_path):
    clash = tmp_path / "clash.yaml"
    clash.write_text(CLASH, encoding="utf-8")

    done = faqbot("validate", str(clash))

    assert done.returncode == 0
    assert "colliding phrasing(s)" in done.stderr
    assert "warning:" in done.stdout and "'open port on server'" in done.stdout


def test_validate_strict_fails_on_colliding_phrasings(faqbot, tmp_path):
    clash = tmp_path / "clash.yaml"
    clash.write_text(CLASH, encoding="utf-8")

    done = faqbot("validate", "--strict", str(clash))

    assert done.returncode == 1
    assert "'open port on server'" in done.stdout


def test_exported_knowledge_validates(faqbot, tmp_path):
    exported = tmp_path / "export.yaml"
    assert faqbot("export", "-o", str(exported), env=SMALL).returncode == 0

    done = faqbot("validate", "--strict", str(exported))

    assert done.returncode == 0, done.stdout


def test_eval_json_prints_exactly_the_metric_keys(faqbot):
    done = faqbot(
        "eval", "--kb", str(EVAL / "kb.jsonl"), "--queries", str(EVAL / "queries.jsonl"), "--json"
    )

    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    figures = json.loads(line)
    assert set(figures) == EXPECTED_METRICS == set(METRIC_KEYS)
    assert figures["queries"] == 4
    assert (figures["r_at_1"], figures["answer_precision"], figures["false_answer_rate"]) == (
        1.0,
        1.0,
        0.0,
    )


def test_eval_reads_a_folder_of_yaml(faqbot):
    done = faqbot(
        "eval",
        "--kb",
        "knowledge",
        "--queries",
        str(EVAL / "shipped_queries.jsonl"),
        "--json",
        cwd=REPOSITORY,
    )

    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert set(figures) == EXPECTED_METRICS
    assert figures["queries"] == 5
    assert figures["answer_precision"] == 1.0
    assert figures["suggest_hit_rate"] == 1.0  # "my disk is full" offers disk-full
    assert (figures["helped"], figures["wrong_answers"]) == (1.0, 0)


def test_eval_without_json_prints_one_line_per_metric(faqbot):
    done = faqbot("eval", "--kb", str(EVAL / "kb.jsonl"), "--queries", str(EVAL / "queries.jsonl"))

    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(METRIC_KEYS)


@pytest.mark.slow  # runs the whole benchmark command
def test_bench_prints_a_table_with_a_ratio_column(faqbot):
    done = faqbot("bench", "--sizes", "200", "--queries", "20")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = lines[0].split()
    assert "ratio" in header
    row = next(line for line in lines if line.split()[:1] == ["200"])
    assert row.split()[-1].endswith("x")


def test_bench_ratios_keep_a_decimal_below_ten() -> None:
    from bot.cli.bench import ratio

    assert ratio(2.81, 12.0) == "0.2x"  # hybrid is slower than the lexical baseline: not "0x"
    assert ratio(5.0, 0.68) == "7.4x"
    assert ratio(453.4, 12.26) == "37x"


def test_console_answers_a_question_then_exits_0_on_eof(faqbot):
    done = faqbot("console", stdin="VM or container?\n")

    assert done.returncode == 0, done.stderr
    shipped = len(shipped_knowledge().entries)
    assert f"{shipped} entries loaded" in done.stdout
    assert "[answer] Should I use a VM or a container?" in done.stdout
    assert "Traceback" not in done.stderr


def test_console_did_you_mean_picked_by_number_shows_that_answer(faqbot):
    done = faqbot("console", stdin="my disk is full\n2\n")

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Did you mean" in out and "0. None of these" in out
    assert "2. My server's disk is full." in out
    assert "sudo du -xh --max-depth=1 /" in out  # the body of the chosen disk-full answer


def test_console_none_of_these_logs_the_question_for_review(faqbot):
    asked = faqbot("console", stdin="how do I get https for free\n0\n")

    listed = faqbot("unanswered", "list")

    assert asked.returncode == 0, asked.stderr
    assert "Noted: the moderators will see this question." in asked.stdout
    assert listed.returncode == 0, listed.stderr
    assert "how do I get https for free" in listed.stdout


def test_console_with_empty_input_exits_0(faqbot):
    done = faqbot("console", stdin="", env=SMALL)

    assert done.returncode == 0, done.stderr
    assert "Ask a hosting question" in done.stdout


def test_bad_config_key_exits_2_naming_the_key(faqbot, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("matcher:\n  answer_treshold: 0.5\n", encoding="utf-8")

    done = faqbot("--config", str(config), "ask", "VM or container?")

    assert done.returncode == 2
    assert "unknown key matcher.answer_treshold" in done.stderr
    assert done.stdout == ""
