"""Compile the Babel catalogues (.po -> .mo) when they are missing or older than their source, so
that a fresh clone runs with one command. Written atomically: several workers may start at once."""
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogs(directory: str | os.PathLike) -> None:
    for po_path in Path(directory).glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and (mo_path.stat().st_mtime >= po_path.stat().st_mtime
                                 or not os.access(mo_path.parent, os.W_OK)):
            continue  # up to date, or an installed wheel's (compiled when it was built)
        with open(po_path, "rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(tmp, mo_path)
