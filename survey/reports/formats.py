"""The report's file formats, apart from the builder so that the command's options can name
them without loading pandas and the page builders when the CLI starts."""
from __future__ import annotations

FORMATS = ("pdf", "docx", "xlsx", "html")


def format_of(path: str) -> str | None:
    """The report format a file name asks for (.htm is html), None for any other suffix."""
    suffix = path.lower().rsplit(".", 1)[-1] if "." in path else ""
    suffix = "html" if suffix == "htm" else suffix
    return suffix if suffix in FORMATS else None
