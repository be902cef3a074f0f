"""What a debtor would check, as code: EPC QR payloads decoded, calendar feeds parsed back, amounts read."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import zxingcpp
from icalendar import Calendar
from PIL import Image

DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@dataclass(frozen=True)
class EpcPayment:
    name: str
    iban: str
    amount_cents: int
    reference: str
    text: str


def parse_epc(payload: str) -> EpcPayment:
    """An EPC QR payload (version 002, SEPA credit transfer) read field by field."""
    lines = payload.split("\n")
    assert lines[:2] == ["BCD", "002"] and lines[3] == "SCT", lines[:4]
    amount = lines[7]
    assert amount.startswith("EUR"), amount
    return EpcPayment(name=lines[5], iban=lines[6], amount_cents=int(Decimal(amount[3:]) * 100),
                      reference=lines[9] if len(lines) > 9 else "", text=lines[10] if len(lines) > 10 else "")


def decode_qr_png(png: bytes) -> str:
    """Decode a QR code image with zxing-cpp, scaled up as a phone camera would see it."""
    image = Image.open(io.BytesIO(png)).convert("L")
    if image.width < 200:
        image = image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    text: str = found[0].text
    return text


def page_qr_payloads(html: str) -> list[EpcPayment]:
    return [parse_epc(decode_qr_png(base64.b64decode(data))) for data in DATA_URI.findall(html)]


def cents(text: str) -> int:
    """'€ 1.234,56' or '€1,234.56' -> 123456."""
    digits = re.sub(r"[^0-9,.]", "", text)
    dutch = re.search(r",\d{2}$", digits) is not None
    digits = digits.replace(".", "").replace(",", ".") if dutch else digits.replace(",", "")
    return int(Decimal(digits) * 100)


def calendar_events(ics: bytes) -> list[dict[str, object]]:
    calendar = Calendar.from_ical(ics)
    events = []
    for event in calendar.walk("VEVENT"):
        alarms = event.walk("VALARM")
        events.append({
            "uid": str(event["UID"]), "sequence": int(event.get("SEQUENCE", 0)), "status": str(event.get("STATUS", "")),
            "date": event.decoded("DTSTART"), "summary": str(event["SUMMARY"]),
            "description": str(event.get("DESCRIPTION", "")),
            "alarm": alarms[0].decoded("TRIGGER") if alarms else None,
        })
    return events
