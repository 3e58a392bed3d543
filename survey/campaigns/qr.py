"""QR codes for a campaign link (segno writes SVG and PNG itself, no imaging library needed)."""
import io

import segno

# Level M survives a crumpled or partly covered poster and keeps the code small enough to scan
# from a phone held at arm's length.
ERROR_LEVEL = "m"
BORDER = 4  # the quiet zone the QR standard requires


def _code(url: str):
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def svg(url: str, title: str = "") -> bytes:
    code = _code(url)
    buf = io.BytesIO()
    code.save(buf, kind="svg", scale=8, border=BORDER, xmldecl=False, title=title or None,
              dark="#000", light="#fff")
    data = buf.getvalue()
    # segno writes either a size or a viewBox; with both, the file opens at a sensible size and an
    # <img> (the poster) can still scale it to any size without blurring.
    width, height = code.symbol_size(scale=8, border=BORDER)
    sized = f'width="{width}" height="{height}"'.encode()
    return data.replace(sized, sized + f' viewBox="0 0 {width} {height}"'.encode(), 1)


def png(url: str, scale: int = 10) -> bytes:
    buf = io.BytesIO()
    _code(url).save(buf, kind="png", scale=scale, border=BORDER, dark="#000", light="#fff")
    return buf.getvalue()
