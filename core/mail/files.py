"""The .eml files the file transport wrote, as the « Courriels » page lists and shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from core.errors import NotFound
from core.permissions import Action, Actor, require
from core.settings import MailSettings


@dataclass(frozen=True)
class EmlFile:
    name: str
    written_at: datetime
    size: int


@dataclass(frozen=True)
class EmlMessage:
    name: str
    headers: list[tuple[str, str]]  # as decoded, in order
    text: str | None
    html: str | None


def eml_files(settings: MailSettings, *, actor: Actor, limit: int = 200) -> list[EmlFile]:
    """The newest `limit` messages written, newest first (none if the folder does not exist yet)."""
    require(actor, Action.SEND_MAIL)
    directory = Path(settings.mail_dir)
    if not directory.is_dir():
        return []
    files = []
    for path in directory.glob("*.eml"):
        try:
            stat = path.stat()
        except OSError:  # removed meanwhile
            continue
        files.append(EmlFile(path.name, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size))
    files.sort(key=lambda item: item.written_at, reverse=True)
    return files[:limit]


def read_eml(settings: MailSettings, *, actor: Actor, name: str) -> EmlMessage:
    """One file of the folder, parsed; a name outside the folder is refused as not found."""
    require(actor, Action.SEND_MAIL)
    directory = Path(settings.mail_dir)
    path = directory / name
    if Path(name).name != name or not name.endswith(".eml") or not path.is_file():
        raise NotFound("Ce fichier de courriel n'existe pas.")
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return EmlMessage(
        name=name,
        headers=[(key, str(value)) for key, value in message.items()],
        text=text.get_content() if text is not None else None,
        html=html.get_content() if html is not None else None,
    )
