"""Where messages go: an SMTP server (one connection per batch) or .eml files.

A transport is a context manager: `with open_transport(settings) as transport:` then
`transport.send(message_id, raw, recipients)` per message (raw: core.mail.mime.build's
bytes). A failure raises `SendFailure`, whose French `reason` is stored as the row's last
error, and which says whether a later attempt may succeed (`permanent`: a 5xx refusal, a malformed message).
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import tempfile
from email.utils import parseaddr
from pathlib import Path

from core.settings import MailSettings


class SendFailure(Exception):
    """One message was not handed over; `reason` is French and safe to show."""

    def __init__(self, reason: str, *, permanent: bool = False):
        self.reason = reason
        self.permanent = permanent
        super().__init__(reason)


def open_transport(settings: MailSettings) -> SmtpTransport | FileTransport:
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    return FileTransport(Path(settings.mail_dir))


# ---------------------------------------------------------------- file


_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def eml_name(message_id: str) -> str:
    """The file name of a message: its Message-ID without the brackets, made safe."""
    return _UNSAFE.sub("_", message_id.strip("<> ")) + ".eml"


class FileTransport:
    """Each message as an .eml file in `directory`, written atomically (a reader never
    sees half a message); a retry of the same message replaces its file."""

    delivers_reserved = True  # the demo's messages are what this transport is for

    def __init__(self, directory: Path):
        self.directory = directory

    def __enter__(self) -> FileTransport:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SendFailure(f"Dossier des courriels inaccessible ({self.directory}) : {error.strerror}") from error
        return self

    def __exit__(self, *_exc) -> None:
        return None

    def send(self, message_id: str, raw: bytes, recipients: tuple[str, ...]) -> dict[str, tuple[int, bytes]]:
        target = self.directory / eml_name(message_id)
        try:
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                file.write(raw)
            os.replace(temporary, target)
        except OSError as error:
            raise SendFailure(f"Écriture du courriel impossible ({target}) : {error.strerror}") from error
        return {}


# ---------------------------------------------------------------- smtp


class SmtpTransport:
    """One SMTP connection for the whole batch, opened at the first message.

    If the server cannot be reached, every message of the batch fails at once with the
    same reason (no new wait per message). If the connection drops, the message in
    progress fails and the next one opens a new connection.
    """

    delivers_reserved = False  # the demo domain and the reserved example domains never go out

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None
        self.unreachable: SendFailure | None = None
        self.envelope_sender = parseaddr(settings.mail_from)[1]

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *_exc) -> None:
        self._close(quit_first=True)

    def send(self, message_id: str, raw: bytes, recipients: tuple[str, ...]) -> dict[str, tuple[int, bytes]]:
        """Hand the message over; return the recipients the server refused while accepting others."""
        connection = self._connected()
        try:
            refused = connection.sendmail(self.envelope_sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as error:
            self._reset()
            raise _refusal(list(error.recipients.values()), "les destinataires") from error
        except smtplib.SMTPResponseException as error:  # sender refused, data refused, 421…
            if error.smtp_code == 421:
                self._close(quit_first=False)
            else:
                self._reset()
            raise _refusal([(error.smtp_code, error.smtp_error)], "le message") from error
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._close(quit_first=False)
            raise SendFailure("La connexion au serveur de courriel a été interrompue pendant l'envoi : "
                              "nouvel essai automatique.") from error
        return refused

    def _connected(self) -> smtplib.SMTP:
        if self.unreachable is not None:
            raise self.unreachable
        if self.connection is None:
            try:
                self.connection = self._connect()
            except SendFailure as failure:
                self.unreachable = failure
                raise
        return self.connection

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        context = ssl.create_default_context()
        try:
            if s.smtp_security == "tls":
                connection = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context)
            else:
                connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
                if s.smtp_security == "starttls":
                    connection.starttls(context=context)
            if s.smtp_user:
                connection.login(s.smtp_user, s.smtp_password)
        except smtplib.SMTPAuthenticationError as error:
            raise SendFailure(f"Le serveur de courriel ({where}) a refusé l'identification "
                              f"({_code_text(error.smtp_code, error.smtp_error)}) : vérifiez OPENMAP_SMTP_USER "
                              "et OPENMAP_SMTP_PASSWORD.") from error
        except smtplib.SMTPNotSupportedError as error:
            raise SendFailure(f"Le serveur de courriel ({where}) ne propose pas STARTTLS : "
                              "vérifiez OPENMAP_SMTP_SECURITY.") from error
        except ssl.SSLError as error:
            raise SendFailure(f"Connexion chiffrée impossible avec le serveur de courriel ({where}) : "
                              f"{error.reason or error}.") from error
        except smtplib.SMTPResponseException as error:
            raise SendFailure(f"Serveur de courriel injoignable ({where}) : il refuse la connexion "
                              f"({_code_text(error.smtp_code, error.smtp_error)}).") from error
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailure(f"Serveur de courriel injoignable ({where}) : {_os_reason(error)}.") from error
        return connection

    def _reset(self) -> None:
        """After a refusal the server may still be in the middle of a transaction: RSET."""
        try:
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._close(quit_first=False)

    def _close(self, *, quit_first: bool) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if quit_first:
                connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            connection.close()


def _code_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".strip()


def _refusal(answers: list[tuple[int, bytes | str]], what: str) -> SendFailure:
    """A refusal: permanent if every answer is 5xx (not retried on its own), else temporary."""
    detail = " ; ".join(_code_text(code, text) for code, text in answers)
    if all(500 <= code < 600 for code, _text in answers):
        return SendFailure(f"Le serveur de courriel a refusé {what} ({detail}).", permanent=True)
    return SendFailure(f"Le serveur de courriel a refusé {what} temporairement ({detail}) : "
                       "nouvel essai automatique.")


def _os_reason(error: Exception) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "délai de connexion dépassé"
    if isinstance(error, socket.gaierror):
        return "nom de serveur inconnu"
    if isinstance(error, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "connexion fermée par le serveur"
    return getattr(error, "strerror", None) or error.__class__.__name__
