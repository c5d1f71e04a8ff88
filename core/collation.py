"""French ordering of text (names of structures, networks, themes), without ICU.

Python sorts by code point, which puts « Bâti'Insert » after « Brie » and « Écoles »
after « Zèbre ». A French dictionary compares the letters first, ignoring accents, case,
apostrophes and punctuation; only between otherwise equal words do accents, then case,
decide (unaccented first, lower case first).
"""

from __future__ import annotations

import unicodedata

from core.validation import matching_key

# Ligatures a French reader spells out: « Œuvre » files under « oe ».
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def french_key(text: str) -> tuple[str, str, str, str]:
    """Sort key: letters and digits (no accent, no case), then accents, then case, then
    the text itself so that distinct texts never compare equal."""
    spelled = text.translate(_LIGATURES)
    kept = [ch for ch in unicodedata.normalize("NFKD", spelled) if ch.isalnum() or unicodedata.combining(ch)]
    letters = "".join(ch for ch in kept if not unicodedata.combining(ch))
    # Between equal letters a combining accent (U+0300 and above) compares after the next
    # plain letter or the end of the word, so the unaccented word comes first.
    accents = "".join(kept).casefold()
    return matching_key(spelled), accents, letters.swapcase(), text
