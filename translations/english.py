"""Keep the English catalog complete: every msgstr is its msgid (run by ``make i18n-update``).

The source strings are English already; an explicit English catalog keeps
both languages equal for the completeness test and lets a wording fix reach
English readers without touching the code.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def fill(path: Path = CATALOG) -> int:
    """Set every message's translation to its source text and clear fuzzy flags; return how many changed."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        if message.string != message.id or message.fuzzy:
            message.string = message.id
            message.flags.discard("fuzzy")
            changed += 1
    catalog.fuzzy = False
    with path.open("wb") as fh:
        write_po(fh, catalog, ignore_obsolete=True)
    return changed


if __name__ == "__main__":
    count = fill(Path(sys.argv[1]) if len(sys.argv) > 1 else CATALOG)
    print(f"English catalog: {count} message(s) filled")
