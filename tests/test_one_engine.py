"""DISCLOSURE.md rule 8: no view decides "< k" by itself. Every threshold comparison lives in
indicators/ (the disclosure engine); a comparison against k written in the app or its templates
fails this test."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = re.compile(
    r"[<>]=?\s*(?:[\w.]+\[[\"'])?(?:\bk\b|\w*\.k\(\)|\bk\(\)|DISCLOSURE_K|\w*disclosure_k\w*|FREE_TEXT_MIN|MIN_K)"
    r"|(?:\bk\b|\w*\.k\(\)|\bk\(\)|DISCLOSURE_K|FREE_TEXT_MIN|MIN_K)\s*[<>]")


def offending_lines(paths):
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if THRESHOLD.search(line):
                yield f"{path.relative_to(ROOT)}:{number}: {line.strip()}"


def test_no_threshold_comparison_outside_the_engine():
    paths = [*ROOT.joinpath("survey").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]
    assert list(offending_lines(paths)) == []


def test_the_check_catches_a_view_deciding_by_itself(tmp_path):
    view = tmp_path / "view.py"
    view.write_text("hidden = n < k\nshow = count >= fmt.k()\nok = n < limit\n"
                    "shown = n if n >= current_app.config[\"DISCLOSURE_K\"] else None\n", encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(list(offending_lines([view]))) == 3
    finally:
        ROOT = saved
