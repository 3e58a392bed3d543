"""The UI catalogues: Swedish (the default language) is complete, and no translation in any language
loses, adds or breaks a placeholder, so that no page shows English on a Swedish page or fails to
format a message."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read(path: Path):
    with open(path, "rb") as fh:
        # The template has no language: its grandparent is the checkout's folder, whatever its name.
        return read_po(fh, locale=path.parent.parent.name if path.suffix == ".po" else None)


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.id, tuple) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def test_every_language_has_a_catalogue():
    assert {p.parent.parent.name for p in CATALOGUES} >= {"sv", "ar", "so", "ti", "fa"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_catalogue_is_complete(path):
    """Swedish has every staff and participant string; the other participant languages every
    participant string (their catalogues are built from participant.pot). None is fuzzy or empty."""
    catalog = _read(path)
    empty = [m.id for m in catalog if m.id and not all(_strings(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert empty == [], f"{path}: {len(empty)} messages without a translation"
    assert fuzzy == [], f"{path}: fuzzy messages need checking"
    assert not catalog.obsolete, f"{path}: delete the obsolete #~ entries"


def test_swedish_covers_every_extracted_string():
    template = _read(TRANSLATIONS / "messages.pot")
    swedish = _read(TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po")
    missing = [m.id for m in template if m.id and swedish.get(m.id) is None]
    assert missing == [], "run `flask --app survey translate update` and translate the new strings"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_placeholders_match_and_format(path):
    catalog = _read(path)
    for message in catalog:
        if not message.id:
            continue
        names = set().union(*(PLACEHOLDER.findall(i) for i in _ids(message)))
        values = {name: 1 for name in names | {"num"}}  # 1 formats as %s and as %d
        for text in _strings(message):
            if not text:
                continue
            found = set(PLACEHOLDER.findall(text))
            if isinstance(message.id, tuple):  # a plural form may leave out the number itself
                assert names - {"num"} <= found <= names, (path.name, message.id, text)
            else:
                assert found == names, (path.name, message.id, text)
            if names:  # formatted with keyword arguments: a stray % raises, a lost %% shows up
                source = _ids(message)[-1] % values
                assert (text % values).count("%") == source.count("%"), (path.name, message.id, text)
