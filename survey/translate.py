"""`flask translate …`: keep the Babel catalogues in step with the code (microblog style).

Swedish and English cover every page; the further participant languages cover only what a
participant sees (babel-participant.cfg), so staff pages never ask them for translations.
"""
import subprocess
import sys
from pathlib import Path

from flask.cli import AppGroup

from .i18n import PARTICIPANT_LANGUAGES, STAFF_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
translate_cli = AppGroup("translate", help="Extract, update and compile UI translations.")


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def _extract() -> None:
    common = ["-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output"]
    _babel("extract", "-F", "babel.cfg", *common, "-o", "translations/messages.pot", ".")
    _babel("extract", "-F", "babel-participant.cfg", *common, "-o", "translations/participant.pot", ".")


def _template(lang: str) -> str:
    return "translations/messages.pot" if lang in STAFF_LANGUAGES else "translations/participant.pot"


@translate_cli.command("update")
def update():
    """Extract strings and merge them into every catalogue (new languages are created)."""
    _extract()
    for lang in PARTICIPANT_LANGUAGES:
        if lang == "en":
            continue  # the source strings are English
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        action = "update" if po.exists() else "init"
        _babel(action, "-i", _template(lang), "-d", "translations", "-l", lang, "--no-wrap")


@translate_cli.command("compile")
def compile_():
    """Compile the catalogues (the app also does this by itself when they changed)."""
    _babel("compile", "-d", "translations")
