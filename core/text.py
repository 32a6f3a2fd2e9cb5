"""The one cleaning rule for plain text that reaches a page, a feed, a sitemap or JSON-LD.

Every entry point goes through it without calling it: the model fields in ``core.fields``
apply it on every save (admin forms, the WordPress importer, management commands and the
shell alike), ``core.tags`` applies it to tags, and the article body's sanitizer
(``articles.richtext``) starts with it.
"""

import re
import unicodedata

# Control characters (C0 but tab, newline and carriage return; DEL and C1): XML 1.0 cannot
# carry the C0 ones at all, and none of them means anything to a reader. Word processors
# paste them as line or page breaks, so each becomes a space rather than gluing two words.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Not characters at all: lone surrogates (a broken UTF-16 pair) and U+FFFE/U+FFFF. Dropped.
_NOT_CHARACTERS = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean_text(value):
    """``value`` with the characters XML 1.0 forbids removed, in Unicode NFC.

    Composition keeps the zero-width non-joiner and joiner (U+200C, U+200D) that Persian
    spelling needs; anything that is not a string (None) is returned as it is.
    """
    if not isinstance(value, str) or not value:
        return value
    value = _NOT_CHARACTERS.sub("", _CONTROL.sub(" ", value))
    return unicodedata.normalize("NFC", value)
