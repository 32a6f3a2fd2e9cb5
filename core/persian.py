"""The one folding rule for search: what two spellings of a word have in common.

``fold`` is applied to an article's searchable text when it is saved (the columns both
databases search, ``Article.search_title``/``search_standfirst``/``search_body``), to the
reader's query, and, through ``fold_spans``, to the text a snippet highlights. Because the
three go through the same function, a word typed any way it is commonly typed finds the
word as it was written.

Folding is defined one character at a time, so that a snippet can say which original
characters a match covers:

- Unicode NFKC, then case folding: Arabic presentation forms (``ﻙ``) become letters,
  ``Tehran`` and ``TEHRAN`` are one word;
- Arabic yeh and alef maksura (ي ى) become Persian yeh (ی); Arabic kaf (ك) becomes
  Persian kaf (ک); teh marbuta and heh with yeh above (ة ۀ) become heh (ه): the letters
  Arabic and Persian keyboards type for the same sound (the Persian standard keyboard,
  ISIRI 9147, and the folding of the hazm normaliser);
- Arabic-Indic (٠–٩) and Persian (۰–۹) digits become ASCII digits;
- the zero-width non-joiner and joiner, direction marks and the byte-order mark are
  dropped, so ``گروه‌های`` and ``گروههای`` are one word;
- harakat (the short-vowel marks U+064B–U+065F, the superscript alef U+0670) and the
  tatweel (U+0640, a stretching stroke) are dropped: decoration, not spelling;
- control characters become a space (and so never join two words).
"""

import unicodedata

_LETTERS = {
    "\u064a": "\u06cc",  # ي Arabic yeh → ی
    "\u0649": "\u06cc",  # ى alef maksura → ی
    "\u0643": "\u06a9",  # ك Arabic kaf → ک
    "\u0629": "\u0647",  # ة teh marbuta → ه
    "\u06c0": "\u0647",  # ۀ heh with yeh above → ه
}
_DIGITS = {chr(0x0660 + n): str(n) for n in range(10)} | {
    chr(0x06F0 + n): str(n) for n in range(10)
}
_DROPPED = frozenset(
    ["\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u0640", "\u0670"]
    + [chr(code) for code in range(0x064B, 0x0660)]
)


def _fold_char(char):
    if unicodedata.category(char) == "Cc":
        return " "
    out = []
    for part in unicodedata.normalize("NFKC", char).casefold():
        if part in _DROPPED:
            continue
        out.append(_LETTERS.get(part) or _DIGITS.get(part) or part)
    return "".join(out)


class _Table(dict):
    """``str.translate``'s table, filled one code point at a time as text meets it."""

    def __missing__(self, code):
        char = chr(code)
        folded = _fold_char(char)
        self[code] = value = code if folded == char else folded
        return value


_TABLE = _Table()


def fold(text):
    """``text`` (str) as search compares it; the empty string for None."""
    if not text:
        return ""
    return text.translate(_TABLE)


def fold_spans(text):
    """``(folded, starts)``: ``fold(text)``, and for each of its characters the index in
    ``text`` of the character it came from, plus ``len(text)`` at the end, so that a match
    at ``folded[i:j]`` covers ``text[starts[i]:starts[j]]``."""
    if is_one_to_one(text):
        return text.translate(_TABLE), list(range(len(text) + 1))
    folded, starts = [], []
    for index, char in enumerate(text):
        part = fold(char)
        folded.append(part)
        starts.extend([index] * len(part))
    starts.append(len(text))
    return "".join(folded), starts


# The characters known to fold one to one (``is_one_to_one``), filled as text meets them.
_ONE_TO_ONE = set()


def is_one_to_one(text):
    """Whether folding ``text`` turns each character into exactly one character, and a
    space into a space and only a space into one: then ``fold(text)[i]`` comes from
    ``text[i]``, and ``fold(text).split()`` are the folded ``text.split()``. True of most
    text (English always); it is checked per distinct character, from the same table,
    once a process for each character found one to one (a snippet's text is a few
    thousand characters of a few dozen distinct ones)."""
    for char in set(text) - _ONE_TO_ONE:
        folded = char.translate(_TABLE)
        if len(folded) != 1 or folded.isspace() != char.isspace():
            return False
        _ONE_TO_ONE.add(char)
    return True
