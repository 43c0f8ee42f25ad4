"""Keys that names are looked up by, computed from the name whenever it is set."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘`´ʼʹ′", ""))
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_NOT_WORD = re.compile(r"[\W_]+")


def search_key(name: str) -> str:
    """What people type to find an account: no accents, case, punctuation or kind of apostrophe.

    ``L'Oréal & Co``, ``L’ORÉAL & CO.`` and ``loreal co`` all read ``loreal co``. Only letters,
    digits and single spaces remain, so the key never holds a LIKE/GLOB wildcard.
    """
    text = name.casefold().translate(_APOSTROPHES)
    if not text.isascii():  # ASCII has no accents or ligatures to take apart
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_LIGATURES)
    return _NOT_WORD.sub(" ", text).strip()
