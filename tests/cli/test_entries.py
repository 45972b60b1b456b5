"""``faqbot entries ...`` and ``faqbot history``, run the way a curator runs them (in-process).

A module-scoped database is prepared once (an entry added, a phrasing added, an entry removed);
each test works on its own copy of it, against the fixture knowledge.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.inprocess import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "tests" / "fixtures" / "store_knowledge"
NEW_ENTRY = """\
id: postgres-replica-lag
question: Why is my Postgres replica lagging?
alternates:
  - postgres replication is behind
answer: |
  Check `pg_stat_replication` on the primary;
  slow disks on the replica are the usual cause.
tags: [databases]
"""
# An $EDITOR: a Python script that rewrites one top-level field of the file it is given.
EDITOR_SCRIPT = """\
import sys, yaml
field, value, path = sys.argv[1:]  # the editor gets the file last
data = yaml.safe_load(open(path, encoding="utf-8"))
data[field] = value
open(path, "w", encoding="utf-8").write(yaml.safe_dump(data))
"""

Run = Callable[..., CliResult]


def runner(folder: Path, database: Path) -> Run:
    """Run ``faqbot ARGS`` on ``database`` with the fixture knowledge, cwd ``folder``."""
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("FAQBOT_")}
    env.update(dict.fromkeys(("DISCORD_TOKEN", "VISUAL", "EDITOR")))
    env["XDG_DATA_HOME"] = str(folder / "data")
    env["FAQBOT_STORAGE__DATABASE"] = str(database)
    env["FAQBOT_KNOWLEDGE__PATHS"] = str(KNOWLEDGE)

    def run(*args: str | bytes, editor: str | None = None) -> CliResult:
        extra = {"EDITOR": editor} if editor else {}
        return run_cli(*args, env={**env, **extra}, cwd=folder)

    return run


def ok(done: CliResult) -> str:
    """The output of a command that must have succeeded."""
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A database after: #1 entries add, #2 phrasing add (default actor), #3 entries remove."""
    folder = tmp_path_factory.mktemp("prepared")
    (folder / "new.yaml").write_text(NEW_ENTRY, encoding="utf-8")
    run = runner(folder, folder / "faq.sqlite3")
    added = ok(run("entries", "add", "--file", "new.yaml", "--actor", "alice"))
    ok(run("entries", "phrasing", "add", "point-domain-at-vps", "aim my domain at the server"))
    ok(run("entries", "remove", "open-firewall-port", "--actor", "bob"))
    return {"database": folder / "faq.sqlite3", "added": added}


@pytest.fixture
def faqbot(prepared: dict[str, object], tmp_path: Path) -> Run:
    """A runner on this test's own copy of the prepared database."""
    source = Path(str(prepared["database"]))
    for file in source.parent.glob(source.name + "*"):
        shutil.copy(file, tmp_path / file.name)
    return runner(tmp_path, tmp_path / source.name)


def editor(tmp_path: Path, field: str, value: str) -> str:
    """An $EDITOR command that sets ``field`` to ``value`` in the file it opens."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT, encoding="utf-8")
    return shlex.join([sys.executable, str(script), field, value])


def test_add_records_an_action_and_ask_then_answers_it(prepared, faqbot: Run) -> None:
    assert prepared["added"] == "entry postgres-replica-lag added (action #1)\n"

    out = ok(faqbot("ask", "why is my postgres replica lagging"))

    assert out.startswith("[answer] Why is my Postgres replica lagging?  (postgres-replica-lag")


def test_list_filters_by_tag_and_by_what_moderators_changed(faqbot: Run) -> None:
    everything = ok(faqbot("entries", "list"))
    by_tag = ok(faqbot("entries", "list", "--tag", "DNS"))
    changed = ok(faqbot("entries", "list", "--changed"))

    assert "vm-vs-container" in everything and "open-firewall-port" not in everything
    assert [line.split()[0] for line in by_tag.splitlines()] == ["point-domain-at-vps"]
    assert sorted(tuple(line.split()[:2]) for line in changed.splitlines()) == [
        ("added", "postgres-replica-lag"),
        ("edited", "point-domain-at-vps"),
        ("removed", "open-firewall-port"),
    ]


def test_show_prints_the_entry_as_yaml_with_its_history(faqbot: Run) -> None:
    out = ok(faqbot("entries", "show", "point-domain-at-vps"))

    entry = yaml.safe_load(out)  # the history is in comments: the output is the entry's YAML
    assert entry["alternates"][-1] == "aim my domain at the server"
    [revision] = [line for line in out.splitlines() if line.startswith("#   rev")]
    assert "rev 1" in revision and "action #2" in revision and "phrasing.add" in revision
    assert " cli" in revision  # the default actor names the command line


def test_show_a_removed_entry_says_so(faqbot: Run) -> None:
    out = ok(faqbot("entries", "show", "open-firewall-port"))

    assert "[removed" in out.splitlines()[0]
    assert "action #3     entry.remove" in out and "bob" in out


def test_edit_with_a_file_replaces_the_entry_and_an_unchanged_file_records_nothing(
    faqbot: Run, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(ok(faqbot("entries", "show", "renew-ssl-certificate")), encoding="utf-8")

    unchanged = ok(faqbot("entries", "edit", "renew-ssl-certificate", "--file", str(draft)))
    draft.write_text(
        draft.read_text(encoding="utf-8").replace("Run `certbot renew`", "Run `certbot renew -q`"),
        encoding="utf-8",
    )
    edited = ok(faqbot("entries", "edit", "renew-ssl-certificate", "--file", str(draft)))

    assert unchanged == "entry renew-ssl-certificate unchanged; nothing recorded\n"
    assert edited == "entry renew-ssl-certificate edited (action #4)\n"
    assert "certbot renew -q" in ok(faqbot("ask", "how do I renew my ssl certificate"))


def test_edit_opens_editor_and_applies_what_was_saved(faqbot: Run, tmp_path: Path) -> None:
    command = editor(tmp_path, "answer", "Use `ufw allow 8080/tcp`, then `ufw reload`.")

    out = ok(faqbot("entries", "edit", "vm-vs-container", editor=command))

    assert out == "entry vm-vs-container edited (action #4)\n"
    assert "ufw reload" in ok(faqbot("entries", "show", "vm-vs-container"))


def test_remove_then_restore_brings_the_answer_back(faqbot: Run) -> None:
    removed = ok(faqbot("entries", "remove", "vm-vs-container"))
    gone = ok(faqbot("ask", "Should I use a VM or a container?"))
    restored = ok(faqbot("entries", "restore", "vm-vs-container"))
    back = ok(faqbot("ask", "Should I use a VM or a container?"))

    assert removed.startswith("entry vm-vs-container removed (action #4)")
    assert "(vm-vs-container" not in gone
    assert restored == "entry vm-vs-container restored (action #5)\n"
    assert back.startswith("[answer] Should I use a VM or a container?  (vm-vs-container")


def test_phrasing_add_then_remove(faqbot: Run) -> None:
    added = ok(faqbot("entries", "phrasing", "add", "renew-ssl-certificate", "https cert expired"))
    with_it = yaml.safe_load(ok(faqbot("entries", "show", "renew-ssl-certificate")))
    removed = ok(
        faqbot("entries", "phrasing", "remove", "renew-ssl-certificate", "https cert expired")
    )
    without = yaml.safe_load(ok(faqbot("entries", "show", "renew-ssl-certificate")))

    assert added == "phrasing added to renew-ssl-certificate (action #4)\n"
    assert "https cert expired" in with_it["alternates"]
    assert removed == "phrasing removed from renew-ssl-certificate (action #5)\n"
    assert without["alternates"] == ["lets encrypt certificate expired"]


def test_undecodable_bytes_in_a_phrasing_are_replaced_not_stored_raw(faqbot: Run) -> None:
    ok(faqbot("entries", "phrasing", "add", "vm-vs-container", b"caf\xe9 docker"))

    shown = yaml.safe_load(ok(faqbot("entries", "show", "vm-vs-container")))
    assert shown["alternates"][-1] == "caf\ufffd docker"


def test_history_lists_actions_newest_first_and_undo_of_one_works(faqbot: Run) -> None:
    listed = ok(faqbot("history"))
    ok(faqbot("undo", "2"))
    after = ok(faqbot("history", "--limit", "2"))

    numbers = [line.split()[0] for line in listed.splitlines()]
    assert numbers == ["#3", "#2", "#1"]
    assert "phrasing.add entry point-domain-at-vps +'aim my domain at the server'" in listed
    assert "alice  entry.add entry postgres-replica-lag" in listed
    assert [line.split()[0] for line in after.splitlines()] == ["#4", "#3"]
    assert "(undoes #2)" in after.splitlines()[0]
    shown = yaml.safe_load(ok(faqbot("entries", "show", "point-domain-at-vps")))
    assert "aim my domain at the server" not in shown["alternates"]


BAD_FILES = {
    "malformed.yaml": b"id: x\nquestion: [not closed\n",
    "utf16.yaml": NEW_ENTRY.encode("utf-16"),
    "list.yaml": b"- one\n- two\n",
    "no-answer.yaml": NEW_ENTRY.replace("answer: |", "answr: |").encode(),
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["entries", "show", "nope"], "there is no entry 'nope'"),
        (["entries", "add", "--file", "missing.yaml"], "cannot read missing.yaml"),
        (["entries", "add", "--file", "malformed.yaml"], "malformed.yaml: is not valid YAML"),
        (["entries", "add", "--file", "utf16.yaml"], "utf16.yaml is not UTF-8 text"),
        (["entries", "add", "--file", "list.yaml"], "list.yaml: must hold one entry"),
        (["entries", "add", "--file", "no-answer.yaml"], "answer: is missing"),
        (["entries", "edit", "nope", "--file", "list.yaml"], "there is no entry 'nope'"),
        (["entries", "restore", "vm-vs-container"], "'vm-vs-container' is not removed"),
        (["entries", "phrasing", "remove", "vm-vs-container", "pizza"], "is not a phrasing"),
        (["undo", "99"], "there is no action #99"),
    ],
)
def test_bad_input_is_one_line_and_a_failure(
    faqbot: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    for name, content in BAD_FILES.items():
        (tmp_path / name).write_bytes(content)

    done = faqbot(*args)

    [line] = done.stderr.splitlines()
    assert done.returncode == 1 and line.startswith("faqbot: ")
    assert message in line


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("false", "the editor 'false' exited with status 1; nothing changed"),
        ("/no/such/editor", "cannot start the editor '/no/such/editor'"),
    ],
)
def test_a_failing_editor_is_one_line_and_changes_nothing(
    faqbot: Run, command: str, message: str
) -> None:
    done = faqbot("entries", "edit", "vm-vs-container", editor=command)

    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert message in done.stderr
    assert ok(faqbot("history")).splitlines()[0].startswith("#3 ")


def test_an_edit_that_empties_a_field_names_it_and_keeps_the_draft(
    faqbot: Run, tmp_path: Path
) -> None:
    done = faqbot("entries", "edit", "vm-vs-container", editor=editor(tmp_path, "question", ""))

    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert "question: must not be empty" in done.stderr
    kept = Path(done.stderr.split("kept in ")[1].split(";")[0])
    assert yaml.safe_load(kept.read_text(encoding="utf-8"))["question"] == ""
    kept.unlink()


def test_history_limit_must_be_positive(faqbot: Run) -> None:
    done = faqbot("history", "--limit", "0")

    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert "--limit: must be at least 1, not 0" in done.stderr
