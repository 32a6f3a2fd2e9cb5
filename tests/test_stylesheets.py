"""The project's own stylesheets are well formed: a rule left open (as a merge can leave
one) silently drops every rule after it, which only a browser would notice."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
SHEETS = sorted(STATIC.rglob("*.css"))


@pytest.mark.parametrize("sheet", SHEETS, ids=[str(s.relative_to(STATIC)) for s in SHEETS])
def test_every_block_is_closed_where_it_opened(sheet):
    text = sheet.read_text(encoding="utf-8")
    # Comments and strings may hold braces of their own.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", '""', text)
    depth, line = 0, 1
    for character in text:
        if character == "\n":
            line += 1
        elif character == "{":
            depth += 1
        elif character == "}":
            depth -= 1
            assert depth >= 0, f"{sheet.name}: a brace closes nothing at line {line}"
        if character == "{" and depth > 2:
            pytest.fail(f"{sheet.name}: a block opened inside another rule at line {line}")
    assert depth == 0, f"{sheet.name}: {depth} block(s) never closed"
