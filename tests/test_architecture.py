"""The apps form one-way layers (core → accounts → inventory → reconditioning → beneficiaries
→ reports → demo, config on top), kept by import-linter's contracts in pyproject.toml, which
`make lint` runs. These tests run the same contracts, and show that they do catch a lower app
importing a higher one, even inside a function, and a private name imported across apps."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["config", "core", "accounts", "inventory", "reconditioning", "beneficiaries", "reports"]
APPS += ["maps", "demo", "notices"]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "src"
    for name in [*APPS, "scripts"]:
        shutil.copytree(
            ROOT / name,
            copy / name,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "locale", "*.mo"),
        )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_project_keeps_its_contracts():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a lower app importing a higher one, at the top of a module
        ("inventory/probe.py", "from reports import jobs\n", "Apps form one-way layers BROKEN"),
        # … or hidden inside a function
        (
            "core/probe.py",
            "def f():\n    from beneficiaries.models import Order\n    return Order\n",
            "Apps form one-way layers BROKEN",
        ),
        # another app's private helper
        (
            "reports/probe.py",
            "from inventory.models import _device_url_pattern\n",
            "No app imports another app's private names BROKEN",
        ),
    ],
)
def test_the_contracts_catch_a_wrong_import(tmp_path, module, line, contract):
    copy = _copy(tmp_path)
    (copy / module).write_text(line)
    result = _lint(copy)
    assert result.returncode != 0
    assert contract in result.stdout, result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout


def _function_local_imports() -> list[str]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.ImportFrom) and (
                        node.level or (node.module or "").split(".")[0] in APPS
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                    elif isinstance(node, ast.Import) and any(
                        a.name.split(".")[0] in APPS for a in node.names
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_at_most_five_function_local_imports_of_project_modules():
    """An import inside a function to dodge a cycle is a sign of a misplaced module."""
    found = _function_local_imports()
    assert len(found) <= 5, found
    for place in found:
        path, line = place.rsplit(":", 1)
        lines = (ROOT / path).read_text().splitlines()
        # each one says why, on its line or the line above
        assert "#" in lines[int(line) - 1] + lines[int(line) - 2], place
