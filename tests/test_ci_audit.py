"""The dependency audit in .ci/run: fail on a finding, skip with a notice when offline."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "audit.py"


@pytest.fixture(scope="module")
def ci_audit() -> ModuleType:
    """.ci/audit.py, loaded as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("ci_audit", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


FINDING = {
    "dependencies": [
        {"name": "pyyaml", "version": "6.0.4", "vulns": []},
        {
            "name": "aiohttp",
            "version": "3.14.1",
            "vulns": [{"id": "GHSA-cq5v-8q36-5273", "fix_versions": ["3.14.3"]}],
        },
    ],
    "fixes": [],
}
ALL_SKIPPED = {
    "dependencies": [
        {"name": "aiohttp", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    ],
    "fixes": [],
}
CLEAN = {"dependencies": [{"name": "pyyaml", "version": "6.0.4", "vulns": []}], "fixes": []}


def test_report_lists_each_finding_with_its_fixed_version(ci_audit: ModuleType) -> None:
    report = ci_audit.read_report(FINDING)
    assert report.audited == 2 and report.skipped == []
    assert report.findings == ["aiohttp 3.14.1: GHSA-cq5v-8q36-5273 (fixed in 3.14.3)"]


def _answers(monkeypatch: pytest.MonkeyPatch, module: ModuleType, **by_service: object) -> None:
    def fake(lock: Path, service: str) -> tuple[object, str]:
        answer = by_service[service]
        if isinstance(answer, str):
            return None, answer
        return module.read_report(answer), ""

    monkeypatch.setattr(module, "run_pip_audit", fake)


def test_a_finding_fails_the_audit(
    ci_audit: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _answers(monkeypatch, ci_audit, pypi=ALL_SKIPPED, osv=FINDING)
    assert ci_audit.audit(Path("requirements.lock")) == 1
    assert "GHSA-cq5v-8q36-5273" in capsys.readouterr().out


def test_unreachable_databases_skip_with_a_notice(
    ci_audit: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A mirror that answers 404 for every release makes pip-audit skip every package while it
    # still says "No known vulnerabilities found": that is no audit, and must not read as one.
    _answers(monkeypatch, ci_audit, pypi=ALL_SKIPPED, osv="ConnectionError: api.osv.dev")
    assert ci_audit.audit(Path("requirements.lock")) == 0
    out = capsys.readouterr().out
    assert "notice: dependency audit skipped" in out
    assert "could not audit any of 1 packages" in out and "api.osv.dev" in out
    assert "no known vulnerabilities" not in out


def test_a_clean_audit_passes_and_says_what_it_checked(
    ci_audit: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _answers(monkeypatch, ci_audit, pypi=CLEAN, osv=FINDING)
    assert ci_audit.audit(Path("requirements.lock")) == 0
    assert "pip-audit (pypi): no known vulnerabilities in 1 packages" in capsys.readouterr().out


@pytest.mark.slow
def test_script_flags_a_vulnerable_pin_or_says_it_could_not_check(tmp_path: Path) -> None:
    pytest.importorskip("pip_audit")
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "aiohttp==3.14.1 \\\n"
        "    --hash=sha256:03ab4530fdcb3a543a122ba4b65ac9919da9fe9f78a03d328a6e38ff962f7aa5\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(lock)],
        capture_output=True,
        text=True,
        timeout=700,
        check=False,
    )
    # aiohttp 3.14.1 has published advisories: a database that answers must report them.
    if "notice: dependency audit skipped" in done.stdout:
        assert done.returncode == 0
    else:
        assert done.returncode == 1, done.stdout + done.stderr
        assert "aiohttp 3.14.1" in done.stdout
