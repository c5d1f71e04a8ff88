"""The locks that `make venv` installs match the readable requirement lists: a pin edited
in requirements*.txt without `make lock` fails here, not on someone else's machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of each `name==version` line (extras dropped, names normalised)."""
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[_name(match.group(1))] = match.group(2)
    return found


@pytest.mark.parametrize(("listed", "lock"), [("requirements.txt", "requirements.lock"),
                                              ("requirements-dev.txt", "requirements-dev.lock"),
                                              ("requirements.lock", "requirements-dev.lock")])
def test_lock_pins_every_requirement_at_its_listed_version(listed, lock):
    locked = pins(ROOT / lock)
    stale = {name: (version, locked.get(name)) for name, version in pins(ROOT / listed).items()
             if locked.get(name) != version}
    assert stale == {}, f"{listed} and {lock} disagree (listed, locked): run `make lock`"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_lock_has_a_hash_for_every_pin(lock):
    entries = re.split(r"\n(?=\S)", (ROOT / lock).read_text())
    pinned = [entry for entry in entries if PIN.match(entry)]
    assert pinned and all("--hash=sha256:" in entry for entry in pinned)
