"""Wheel build hook: compile the Babel catalogues (.po -> .mo) into the wheel.

A checkout compiles them when the app starts (survey/catalogs.py); an installed package may sit
in a folder the app cannot write to, so the wheel carries them compiled."""
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        out = Path(tempfile.mkdtemp(prefix="finsam-mo-"))
        for po in Path(self.root, "translations").glob("*/LC_MESSAGES/*.po"):
            relative = po.relative_to(Path(self.root, "translations")).with_suffix(".mo")
            with open(po, "rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            build_data["force_include"][str(target)] = f"survey/translations/{relative.as_posix()}"
