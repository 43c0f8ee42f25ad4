"""Regenerate the initial migration from the models (development only, before the first release).

python -m bot.storage.regenerate_initial
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from bot.storage.db import MIGRATIONS_DIR, alembic_config


def main() -> None:
    target = MIGRATIONS_DIR / "versions" / "0001_initial.py"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'empty.db'}"
        command.revision(alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001")
    generated = next((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
    generated.rename(target)
    print(f"wrote {target.relative_to(MIGRATIONS_DIR.parent.parent.parent)}")


if __name__ == "__main__":
    main()
