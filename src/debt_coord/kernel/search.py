"""Text as searches compare it: case and accents ignored, the same on SQLite and PostgreSQL.

The service stores each searchable text also in this form (a column beside it, with an index)
and searches it with the query in the same form, instead of relying on a database's own
`unaccent` or collations, which SQLite lacks and PostgreSQL configures per installation.
"""

from __future__ import annotations

import unicodedata

from debt_coord.kernel.text import folded, without_format_characters

MAX_LENGTH = 400
# Latin letters that Unicode does not decompose into a base letter and a mark.
_BASE_LETTERS = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
                               "ı": "i", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th"})


def search_key(text: str) -> str:
    """'  Çelik-Özdemir  Zoë ' -> 'celik-ozdemir zoe': NFKD without combining marks or format characters,
    casefolded, whitespace collapsed."""
    decomposed = without_format_characters(unicodedata.normalize("NFKD", text.translate(_BASE_LETTERS)))
    return folded("".join(ch for ch in decomposed if not unicodedata.combining(ch)))[:MAX_LENGTH]


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape character '\\') that finds `text`'s search key anywhere in a search column."""
    escaped = search_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
