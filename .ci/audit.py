"""Audit requirements.lock (what the image installs) for known vulnerabilities with pip-audit.

Exit 1 on a finding. Exit 0 with a notice when no vulnerability database could answer: CI must
not fail because the machine is offline, or because the index it reaches is a mirror without
PyPI's per-release JSON (pip-audit then "skips" every package and still says "No known
vulnerabilities found", which is why the report is read rather than the exit code trusted).
PyPI's database is asked first, then OSV's.

    python .ci/audit.py [requirements.lock]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("pypi", "osv")
TIMEOUT_SECONDS = 300


@dataclass
class Report:
    """What one pip-audit run found: findings, packages audited, packages it could not audit."""

    findings: list[str] = field(default_factory=list)
    audited: int = 0
    skipped: list[str] = field(default_factory=list)
    skip_reason: str = ""


def read_report(data: dict) -> Report:
    """Summarise pip-audit's JSON report (``--format json``)."""
    report = Report()
    for dependency in data.get("dependencies", []):
        name = f"{dependency.get('name')} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            report.skipped.append(name)
            report.skip_reason = report.skip_reason or str(dependency["skip_reason"])
            continue
        report.audited += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            report.findings.append(f"{name}: {vuln.get('id')} (fixed in {fixed})")
    return report


def run_pip_audit(lock: Path, service: str) -> tuple[Report | None, str]:
    """Run pip-audit on ``lock`` against ``service``; the report, or None and why not."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--require-hashes",
            "--disable-pip", "--vulnerability-service", service, "--format", "json",
            "--output", str(output), "--progress-spinner", "off", "--timeout", "15",
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            return None, f"no answer within {TIMEOUT_SECONDS} s"
        if not output.exists():  # pip-audit stopped before writing: unreachable, or broken
            lines = (done.stderr or done.stdout).strip().splitlines()
            return None, lines[-1] if lines else f"pip-audit exited {done.returncode}"
        return read_report(json.loads(output.read_text(encoding="utf-8"))), ""


def audit(lock: Path) -> int:
    """Audit ``lock``, print the outcome, and return the exit code (1 only on a finding)."""
    reasons: list[str] = []
    for service in SERVICES:
        report, why = run_pip_audit(lock, service)
        if report is None:
            reasons.append(f"{service}: {why}")
            continue
        if report.findings:
            print(f"pip-audit ({service}): known vulnerabilities in {lock.name}:")
            for finding in report.findings:
                print(f"  {finding}")
            print("Raise the floor in pyproject.toml and regenerate the lock file.")
            return 1
        if report.audited == 0:
            count, why = len(report.skipped), report.skip_reason
            reasons.append(f"{service}: could not audit any of {count} packages ({why})")
            continue
        print(f"pip-audit ({service}): no known vulnerabilities in {report.audited} packages")
        if report.skipped:
            print(f"notice: not audited: {', '.join(report.skipped)}")
        return 0
    print("notice: dependency audit skipped, no vulnerability database answered:")
    for reason in reasons:
        print(f"  {reason}")
    return 0


def main(argv: list[str]) -> int:
    """Command-line entry point: audit the lock file given, or requirements.lock."""
    lock = Path(argv[0] if argv else "requirements.lock")
    try:
        import pip_audit  # noqa: F401
    except ImportError:
        print("notice: dependency audit skipped, pip-audit is not installed")
        return 0
    return audit(lock)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
