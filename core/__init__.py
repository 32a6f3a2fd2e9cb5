"""Rules that every app shares and that own no table: plain text and slugs.

Not a Django app (no models, not in INSTALLED_APPS): a library that ``articles``, ``staff``
and ``images`` may all import, and that imports none of them (docs/decisions/core-rules.md).
"""
