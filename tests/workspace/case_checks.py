"""What a counsellor would check on the case page, as code: the income form as the page fills it in, and the
debtor letter's QR code read back from the page's inline SVG."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image


def income_form(html: str) -> dict[str, str]:
    """The income form's fields as the page fills them in (the values a browser would send back)."""
    form = html[html.index('id="income-form"'):]
    form = form[:form.index("</form>")]
    fields = dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="text" value="([^"]*)"', form))
    fields.update(re.findall(r'<input type="hidden" name="(stream-\d+-id)" value="([^"]*)"', form))
    for name, options in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def svg_qr_text(html: str) -> str:
    """The inline SVG QR code of the page drawn as a picture (segno draws each row's dark runs as lines) and
    decoded with zxing-cpp, as a phone's camera would read the printed letter."""
    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S)
    assert svg, "no QR code on the page"
    width = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg.group(0)).group(1))  # type: ignore[union-attr]
    scale_and_path = re.search(r'<path transform="scale\((\d+)\)"[^>]* d="([^"]+)"', svg.group(0))
    assert scale_and_path
    scale, path = int(scale_and_path.group(1)), scale_and_path.group(2)
    size = width // scale
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([^MmHh]*)", path):
        values = [float(v) for v in numbers.split()]
        if command in "Mm":
            x, y = (values[0], values[1]) if command == "M" else (x + values[0], y + values[1])
            continue
        end = values[0] if command == "H" else x + values[0]
        for column in range(int(x), int(end)):
            image.putpixel((column, int(y)), 0)
        x = end
    found = zxingcpp.read_barcodes(image.resize((size * 8, size * 8), Image.Resampling.NEAREST))
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)
