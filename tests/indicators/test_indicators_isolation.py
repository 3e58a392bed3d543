"""The indicators package must stay usable in a notebook: no Flask, no database layer."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_pulls_in_no_flask_or_sqlalchemy():
    code = (
        "import json, sys, indicators, indicators.genuskompass, indicators.outcomes;"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    modules = json.loads(result.stdout)
    assert "indicators" in modules
    banned = [m for m in modules if m.split(".")[0].lower().startswith(("flask", "sqlalchemy"))]
    assert banned == []
