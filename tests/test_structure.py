"""The import layout the developers' guide asks for, checked on the source instead of trusted:
imports flow one way, and no blueprint serves as a library for another (what two blueprints
share lives in a package no blueprint owns, such as survey/pages or survey/figures)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "survey"


def _blueprints() -> set[str]:
    return {p.parent.name for p in SURVEY.glob("*/__init__.py") if "Blueprint(" in p.read_text(encoding="utf-8")}


def _imported_packages(path: Path) -> set[str]:
    """The survey sub-packages a module imports (absolute `survey.x` or relative `..x`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = path.relative_to(SURVEY).parts
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("survey."):
                found.add(node.module.split(".")[1])
            elif node.level:
                base = own[: len(own) - node.level]  # the package the dots point at
                parts = [*base, *(node.module.split(".") if node.module else [])]
                if parts:
                    found.add(parts[0])
                else:  # `from .. import x, y`: the names are the packages
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("survey."))
    return found


# Only the app factory and the CLI group wire blueprints together; nothing else imports one.
WIRING = {"__init__.py", "cli.py"}


def test_no_blueprint_serves_as_a_library():
    blueprints = _blueprints()
    assert {"results", "reports", "exchange", "answer", "auth"} <= blueprints  # the check sees them
    crossings = []
    for path in SURVEY.rglob("*.py"):
        package = path.relative_to(SURVEY).parts[0]
        if package in WIRING or "migrations" in path.parts:
            continue
        for target in _imported_packages(path) & blueprints:
            if package != target:
                crossings.append(f"{path.relative_to(ROOT)} imports survey.{target}")
    assert not crossings, crossings


def test_every_page_has_its_own_module():
    pages = {p.stem for p in (SURVEY / "pages").glob("*.py")}
    assert {"dashboard", "genuskompass", "national", "compare"} <= pages
    assert not (SURVEY / "results" / "views.py").exists()
    longest = max(len(p.read_text(encoding="utf-8").splitlines()) for p in (SURVEY / "pages").glob("*.py"))
    assert longest < 450, longest


def test_indicators_never_import_flask_or_survey():
    for path in (ROOT / "indicators").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                assert not name.startswith(("flask", "survey")), f"{path.relative_to(ROOT)} imports {name}"
