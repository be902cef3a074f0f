"""How long a text message is in SMS segments (GSM 03.38 with the `gsm0338` codec, else UCS-2), and fitting a
text into the three segments the debtor's messages may use."""

from __future__ import annotations

import unicodedata

import gsm0338  # type: ignore[import-untyped]  # noqa: F401 - registers the "gsm03.38" codec

MAX_SEGMENTS = 3

_TURKISH_TO_GSM = str.maketrans({"ş": "s", "Ş": "S", "ğ": "g", "Ğ": "G", "ı": "i", "İ": "I", "ç": "c"})


def is_gsm7(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


def segments(text: str) -> int:
    """Segments a text takes: GSM-7 160 septets alone or 153 per part (extension characters such as € count
    two); otherwise UCS-2, 70 alone or 67 per part (characters outside the BMP count two)."""
    if is_gsm7(text):
        units, single, part = len(text.encode("gsm03.38")), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    if units <= single:
        return 1
    return -(-units // part)


def fit_sms(text: str, language: str) -> str:
    """The text as it is best sent: as written when it fits in MAX_SEGMENTS, else in GSM-7 letters (Turkish
    without its own letters is read without trouble, and a GSM-7 segment holds more than twice as much)."""
    if segments(text) <= MAX_SEGMENTS or is_gsm7(text):
        return text
    plain = text.translate(_TURKISH_TO_GSM) if language == "tr" else text
    plain = "".join(ch if is_gsm7(ch) else _base_letter(ch) for ch in plain)
    return plain if segments(plain) < segments(text) else text


def _base_letter(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else "?"
