"""Text that people type, compared as they read it and shown so that it cannot rearrange what is around it."""

from __future__ import annotations

import re
import unicodedata

# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) and the marks (LRM RLM ALM).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def without_format_characters(text: str) -> str:
    """`text` without Unicode format characters (category Cf: zero-width spaces and joiners, bidirectional
    controls, soft hyphens): invisible, yet they make two texts that read the same differ."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def folded(text: str) -> str:
    """Casefolded, without surrounding or repeated whitespace."""
    return " ".join(text.casefold().split())


def comparable(text: str) -> str:
    """The form in which two texts that read the same are equal: NFKC without format characters, folded.
    'INV\u200b-1' and ' inv-1' are the same reference; accents still count."""
    return unicodedata.normalize("NFKC", folded(without_format_characters(unicodedata.normalize("NFKC", text))))


def without_bidi_controls(text: str) -> str:
    """`text` without the characters that change the display order of text (a right-to-left override makes
    'INV-1' show as '1-VNI'). An Arabic or Hebrew name stays readable: its letters carry their own direction."""
    return _BIDI_CONTROLS.sub("", text)
