"""Kölner Phonetik: a phonetic code for German names.

Names that sound alike in German get the same digits (Meyer, Maier, Mayr →
67; Schmidt, Schmitt → 862), which catches spelling variants that string
distance alone rates as different.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_SIMPLE = {
    **dict.fromkeys("AEIJOUY", "0"),
    "B": "1",
    **dict.fromkeys("FVW", "3"),
    **dict.fromkeys("GKQ", "4"),
    "L": "5",
    **dict.fromkeys("MN", "6"),
    "R": "7",
    **dict.fromkeys("SZ", "8"),
}
_C_HARD_AT_START = set("AHKLOQRUX")
_C_HARD = set("AHKOQUX")


def _letters(name: str) -> str:
    upper = name.upper().replace("Ä", "A").replace("Ö", "O").replace("Ü", "U").replace("ß", "S")
    decomposed = unicodedata.normalize("NFKD", upper)
    return "".join(ch for ch in decomposed if "A" <= ch <= "Z")


def _code(letters: str, index: int) -> str:
    letter = letters[index]
    before = letters[index - 1] if index else ""
    after = letters[index + 1] if index + 1 < len(letters) else ""
    if letter in _SIMPLE:
        return _SIMPLE[letter]
    if letter == "H":
        return ""
    if letter == "P":
        return "3" if after == "H" else "1"
    if letter in "DT":
        return "8" if after in ("C", "S", "Z") else "2"
    if letter == "X":
        return "8" if before in ("C", "K", "Q") else "48"
    if letter == "C":
        if index == 0:
            return "4" if after in _C_HARD_AT_START else "8"
        return "4" if after in _C_HARD and before not in ("S", "Z") else "8"
    return ""


@lru_cache(maxsize=1 << 17)  # identity resolution codes the same names over and over
def cologne(name: str) -> str:
    """The Kölner Phonetik code of ``name`` ("" for a name without letters)."""
    letters = _letters(name)
    raw = [_code(letters, index) for index in range(len(letters))]
    collapsed: list[str] = []
    for code in "".join(raw):
        if not collapsed or collapsed[-1] != code:
            collapsed.append(code)
    if not collapsed:
        return ""
    return collapsed[0] + "".join(code for code in collapsed[1:] if code != "0")
