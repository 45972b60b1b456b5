"""Knowledge files written to hurt: alias bombs, huge values, devices, pipes and escaping links.

Inputs that would exhaust memory or block for ever on a loader that does not refuse them run in
a child interpreter under a 1 GiB cap (tests/bounded.py): the test asserts the clean refusal,
never a duration.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.base.errors import KnowledgeError, Problem
from bot.core.knowledge import load_knowledge
from tests.bounded import run_capped

FIXTURES = Path(__file__).parent.parent / "fixtures"
HOSTILE = FIXTURES / "knowledge_hostile"
GOOD = FIXTURES / "knowledge_good" / "hosting.yaml"
ENTRY = """entries:
  - id: {id}
    question: {question}
    alternates: []
    answer: An answer.
    tags: []
"""


def problems_in_child(cases: dict[str, list[Path]]) -> dict[str, list[dict[str, str]]]:
    """The problems ``load_knowledge`` reports for each case's paths, in one capped child.

    One child for every case: an interpreter start and faqbot's imports cost about a second.
    """
    paths = {name: [str(p) for p in case] for name, case in cases.items()}
    result = run_capped(f"""
        import json
        from pathlib import Path
        from bot.base.errors import KnowledgeError
        from bot.core.knowledge import load_knowledge
        found = {{}}
        for name, paths in {paths!r}.items():
            try:
                load_knowledge([Path(p) for p in paths])
            except KnowledgeError as exc:
                found[name] = [vars(p) for p in exc.problems]
            else:
                found[name] = []
        print(json.dumps(found))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


LAUGHS = {
    "updated": HOSTILE / "laughs_updated.yaml",
    "link-url": HOSTILE / "laughs_url.yaml",
    "synonym": HOSTILE / "laughs_synonyms" / "synonyms.yaml",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Each hostile case: the path loaded and the file its one problem must name."""
    folder = tmp_path_factory.mktemp("hostile")
    linked, piped = folder / "linked", folder / "piped"
    linked.mkdir()
    piped.mkdir()
    (linked / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(piped / "pipe.yaml")
    huge = folder / "huge.yaml"
    with huge.open("wb") as handle:  # sparse: 3 GiB of nothing, cheap to make
        handle.truncate(3 * 1024**3)
    return {
        **{f"laughs-{name}": (path, path) for name, path in LAUGHS.items()},
        "zero-link": (linked, linked / "zero.yaml"),
        "dev-zero": (Path("/dev/zero"), Path("/dev/zero")),
        "fifo": (piped, piped / "pipe.yaml"),
        "huge": (huge, huge),
    }


@pytest.fixture(scope="module")
def refusals(hostile: dict[str, tuple[Path, Path]]) -> dict[str, list[dict[str, str]]]:
    """The problems reported for every hostile case, loaded under the memory cap."""
    return problems_in_child({name: [path] for name, (path, _) in hostile.items()})


def refusal(case: str, hostile: dict, refusals: dict) -> str:
    """The one problem reported for ``case``, which must name the case's file."""
    problems = refusals[case]
    assert [p["file"] for p in problems] == [str(hostile[case][1])], problems
    return problems[0]["message"]


@pytest.mark.parametrize("name", list(LAUGHS))
def test_a_billion_laughs_file_is_refused_cheaply_with_its_name(
    name: str, hostile: dict, refusals: dict
) -> None:
    assert "aliases (*name) expand it" in refusal(f"laughs-{name}", hostile, refusals)


def test_honest_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text(
        "entries:\n"
        "  - {id: one, question: First?, alternates: [], answer: A., tags: &t [dns, mail]}\n"
        "  - {id: two, question: Second?, alternates: [], answer: B., tags: *t}\n",
        encoding="utf-8",
    )

    assert [e.tags for e in load_knowledge([path]).entries] == [("dns", "mail")] * 2


def test_an_alias_inside_itself_is_a_problem_not_a_loop(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(ENTRY.format(id="loop", question="Q?") + "    tags: &t [*t]\n")

    with pytest.raises(KnowledgeError, match="refers to a node that contains it"):
        load_knowledge([path])


def test_a_huge_bad_value_is_quoted_short_with_its_type(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    url = "ftp://" + "x" * 50_000
    words = ", ".join(["word"] * 20_000)
    path.write_text(
        ENTRY.format(id="long", question="Q?")
        + f"    links: [{{title: T, url: '{url}'}}]\n    updated: [{words}]\n",
        encoding="utf-8",
    )

    with pytest.raises(KnowledgeError) as info:
        load_knowledge([path])

    messages = {p.field: p.message for p in info.value.problems}
    assert messages["links[1].url"].startswith("'ftp://xxx")
    assert messages["updated"].startswith("list ['word', 'word', 'word', ...]")
    assert len(str(info.value)) < 600


def test_an_impossible_date_is_a_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "date.yaml"
    path.write_text(ENTRY.format(id="date", question="Q?") + "    updated: 2026-02-30\n")

    with pytest.raises(KnowledgeError) as info:
        load_knowledge([path])

    [problem] = info.value.problems
    assert problem.file == str(path)
    assert "line 7" in problem.message and "day is out of range" in problem.message


def test_a_link_to_dev_zero_in_the_folder_is_not_read(hostile: dict, refusals: dict) -> None:
    assert "symbolic link to a file outside" in refusal("zero-link", hostile, refusals)


def test_dev_zero_named_directly_is_refused_as_a_device(hostile: dict, refusals: dict) -> None:
    assert "is a character device, not a regular file" in refusal("dev-zero", hostile, refusals)


def test_a_fifo_in_the_folder_is_refused_not_waited_on(hostile: dict, refusals: dict) -> None:
    assert "is a named pipe (FIFO), not a regular file" in refusal("fifo", hostile, refusals)


def test_a_link_leading_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder, outside = tmp_path / "kb", tmp_path / "elsewhere.yaml"
    folder.mkdir()
    outside.write_text(ENTRY.format(id="outside", question="Outside?"), encoding="utf-8")
    (folder / "topic.yaml").symlink_to(outside)

    with pytest.raises(KnowledgeError) as info:
        load_knowledge([folder])

    [problem] = info.value.problems
    assert problem.file == str(folder / "topic.yaml")
    assert "outside" in problem.message and "not read" in problem.message


def test_a_link_inside_the_folder_still_loads(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "hosting.yaml").write_text(GOOD.read_text(encoding="utf-8"))
    (tmp_path / "hosting.yaml").symlink_to(tmp_path / "real" / "hosting.yaml")

    assert len(load_knowledge([tmp_path]).entries) == 2


def test_a_file_over_the_size_cap_is_refused_naming_file_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    size = path.stat().st_size

    with pytest.raises(KnowledgeError) as info:
        load_knowledge([path], max_file_bytes=size - 1)

    assert info.value.problems == [
        Problem(
            str(path),
            None,
            None,
            f"is {size:,} bytes, over the limit of {size - 1:,} (knowledge.max_file_bytes); "
            "split it into several topic files",
        )
    ]
    assert len(load_knowledge([path], max_file_bytes=size).entries) == 2


def test_a_huge_file_is_refused_before_it_is_read(hostile: dict, refusals: dict) -> None:
    assert "over the limit of 4,194,304" in refusal("huge", hostile, refusals)
