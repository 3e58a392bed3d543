"""Campaign list with status and response counts; the campaign page, QR codes and the A4 poster."""
import re
import struct
import zlib
from datetime import date, timedelta

from sqlalchemy import event

from survey.campaigns import qr
from survey.extensions import db

from .conftest import add_responses


def rows_by_title(html: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr>\s*<th scope="row"><a [^>]*>([^<]+)</a>.*?</tr>', html, re.S)}


def test_list_shows_status_and_counts_with_small_counts_hidden(as_role, world, factory, app):
    today = date.today()
    world.own_campaign.title = "Pågår"
    factory.campaign(world.own, world.own_insats, opens=today + timedelta(days=3),
                     closes=today + timedelta(days=9)).title = "Snart"
    # Last year's: in the same year and group as "Pågår", the engine would hide Pågår's 7 as well
    # (the förbund's total minus 7 would give Klar's 4 away); see the test below.
    closed = factory.campaign(world.own, world.own_insats, opens=today - timedelta(days=400),
                              closes=today - timedelta(days=380))
    closed.title = "Klar"
    db.session.commit()
    k = app.config["DISCLOSURE_K"]
    add_responses(world.own_campaign, k + 2)
    add_responses(closed, k - 1)
    add_responses(world.other_campaign, 9)
    html = as_role("forbund_admin").get("/campaigns/?lang=en").get_data(as_text=True)
    rows = rows_by_title(html)
    assert set(rows) == {"Pågår", "Snart", "Klar"}, "only the own förbund's campaigns are listed"
    assert ">Open<" in rows["Pågår"] and f'<td class="num">{k + 2}</td>' in rows["Pågår"]
    assert ">Not open yet<" in rows["Snart"]
    assert ">Closed<" in rows["Klar"]
    # DISCLOSURE.md rule 6: fewer than k responses are hidden as "–", never shown, never 0.
    assert f"fewer than {k} responses" in rows["Klar"] and f">{k - 1}<" not in rows["Klar"]
    assert f"fewer than {k} responses" in rows["Snart"] and ">0<" not in rows["Snart"]


def test_campaign_counts_are_the_engines_not_live_counts(as_role, world, factory, app):
    """The list and the campaign page show the released counts the disclosure engine publishes
    on the dashboard: a small campaign's count cannot be had as the förbund's questionnaires
    answered (national view) minus the others."""
    k = app.config["DISCLOSURE_K"]
    small = factory.campaign(world.own, world.own_insats)
    small.title = "Liten"
    world.own_campaign.title = "Stor"
    db.session.commit()
    add_responses(world.own_campaign, k + 2)
    add_responses(small, k - 1)
    client = as_role("forbund_admin")
    rows = rows_by_title(client.get("/campaigns/?lang=en").get_data(as_text=True))
    assert "hidden to protect another figure" in rows["Stor"] and f">{k + 2}<" not in rows["Stor"]
    assert f"fewer than {k} responses" in rows["Liten"]
    page = client.get(f"/campaigns/{world.own_campaign.id}?lang=en").get_data(as_text=True)
    assert "hidden to protect another figure" in page and f"<dd>{k + 2}" not in page
    # k − 1 more for the big one are not yet released: the figure moves only in steps of k.
    add_responses(world.own_campaign, k - 1)
    add_responses(small, k)
    rows = rows_by_title(client.get("/campaigns/?lang=en").get_data(as_text=True))
    assert f'<td class="num">{k + 2}</td>' in rows["Stor"] and f'<td class="num">{2 * k - 1}</td>' in rows["Liten"]


def test_admin_list_covers_every_forbund(as_role, world):
    html = as_role("admin").get("/campaigns/").get_data(as_text=True)
    assert set(rows_by_title(html)) == {"Norrby steget vår", "Södervik vägen höst"}
    assert "Samordningsförbundet Sodervik" in html


def test_list_uses_the_same_number_of_queries_for_many_campaigns(as_role, world, factory):
    client = as_role("forbund_user")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_list() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/campaigns/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    add_responses(world.own_campaign, 6)
    queries_for_list()  # the first view after new data takes a release (figures/releases.py)
    few = queries_for_list()
    for _ in range(6):
        add_responses(factory.campaign(world.own, world.own_insats), 5)
    queries_for_list()
    many = queries_for_list()
    assert many == few, "response counts must come from one grouped query, not one per campaign"
    assert any("GROUP BY" in s.upper() and "count(" in s.lower() for s in statements)


def test_campaign_page_has_read_only_link_and_qr(as_role, world):
    campaign = world.own_campaign
    html = as_role("forbund_user").get(f"/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
    field = re.search(r'<input type="text" id="participant-link"[^>]*>', html).group(0)
    assert "readonly" in field and f'/e/{campaign.token}"' in field
    assert '<label for="participant-link">' in html
    assert f'src="/campaigns/{campaign.id}/qr.svg"' in html
    assert f"/campaigns/{campaign.id}/qr.png?download=1" in html
    assert f"/campaigns/{campaign.id}/poster" in html
    assert "2021-A (working version)" in html
    assert "Edit campaign" not in html, "a förbund user only looks"


def expected_url(html: str, token: str) -> str:
    url = re.search(r'id="participant-link"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*id="participant-link"', html)
    assert url and url.group(1).endswith("/e/" + token)
    return url.group(1)


def test_qr_svg(as_role, world):
    client = as_role("forbund_admin")
    campaign = world.own_campaign
    response = client.get(f"/campaigns/{campaign.id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == f'inline; filename="finsam-norrby-{campaign.id}.svg"'
    body = response.get_data(as_text=True)
    assert body.startswith("<svg") and 'viewBox="0 0 ' in body and 'width="' in body
    assert "<script" not in body
    download = client.get(f"/campaigns/{campaign.id}/qr.svg?download=1")
    assert download.headers["Content-Disposition"] == f'attachment; filename="finsam-norrby-{campaign.id}.svg"'
    url = expected_url(client.get(f"/campaigns/{campaign.id}").get_data(as_text=True), campaign.token)
    # The modules drawn are those of the participant link (the title text may be translated).
    path = re.compile(rb' d="([^"]+)"')
    assert path.search(response.data).group(1) == path.search(qr.svg(url)).group(1)


def png_chunks(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + payload), f"bad CRC in {kind!r}"
        yield kind, payload
        pos += 12 + length


def test_qr_png_decodes_and_encodes_the_participant_link(as_role, world):
    client = as_role("forbund_admin")
    campaign = world.own_campaign
    response = client.get(f"/campaigns/{campaign.id}/qr.png?download=1")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == f'attachment; filename="finsam-norrby-{campaign.id}.png"'
    chunks = list(png_chunks(response.data))
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert width == height and width >= 21 * 10, "a square QR code of at least version 1 at scale 10"
    raw = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    bits_per_pixel = depth * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    assert len(raw) == height * (1 + (width * bits_per_pixel + 7) // 8), "pixel data matches IHDR"
    url = expected_url(client.get(f"/campaigns/{campaign.id}").get_data(as_text=True), campaign.token)
    assert response.data == qr.png(url), "the QR code encodes exactly the participant link"


def test_poster_has_link_qr_and_a4_print_css(as_role, world, app):
    client = as_role("forbund_user")
    campaign = world.own_campaign
    html = client.get(f"/campaigns/{campaign.id}/poster").get_data(as_text=True)
    url = expected_url(client.get(f"/campaigns/{campaign.id}").get_data(as_text=True), campaign.token)
    assert f'<p class="link">{url}</p>' in html
    assert re.search(rf'<img src="/campaigns/{campaign.id}/qr.svg" alt="[^"]+"', html)
    assert "Vad tycker du?" in html and 'lang="en">What do you think?' in html
    assert campaign.closes_on.isoformat() in html
    assert '<html lang="sv"' in html and "<style" not in html and "<script" not in html
    assert "Save as PDF" in html
    css_href = re.search(r'href="(/campaigns/static/poster\.css(?:\?v=[0-9a-f]{10})?)"', html).group(1)
    css = client.get(css_href).get_data(as_text=True)
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)


def test_poster_pdf(as_role, world):
    response = as_role("forbund_admin").get(f"/campaigns/{world.own_campaign.id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == f'attachment; filename="finsam-norrby-{world.own_campaign.id}.pdf"'
    assert response.data.rstrip().endswith(b"%%EOF") and len(response.data) > 5000
