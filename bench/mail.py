"""`python -m bench --only mail` (part of `make bench`): mail throughput.

N queued messages (1,000 by default) in a fresh, migrated SQLite database, sent by
`core.mail.sending.send_queued` to a local aiosmtpd server whose handler only counts,
against the baseline measured in the same run: a bare smtplib loop sending the same
pre-built messages over one connection to the same server. Each side runs `repeat` times,
alternately, on fresh rows; the verdict is on the medians (at least 100 messages/s, within
2× of the bare loop). Printed, never asserted.
"""

from __future__ import annotations

import smtplib
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bench.output import Target, columns, ratio, seconds, thousands, verdict
from core.mail.mime import Outgoing, build, new_message_id
from core.mail.sending import send_queued
from core.settings import MailSettings
from db import engine as db_engine
from db.migrate import upgrade
from db.models import MailStatus, OutboxMessage
from tests.mailserver import MailServer

SENDER = "OpenMap candidatures <openmap@openmap.exemple.fr>"
NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
BODY = ("Bonjour,\n\nLa candidature de la structure n° {n} pour l'appel « Services liés aux chantiers » "
        "est retenue. Votre présentation express est prévue à 10 h 15 ; merci de confirmer votre "
        "participation avant le 18 mars.\n\n-- \nL'équipe OpenMap — Mission clauses sociales Île-de-France\n")
HTML = "<p>Bonjour,</p><p>La candidature de la structure n° {n} est retenue.</p>"


def settings(port: int) -> MailSettings:
    return MailSettings(transport="smtp", mail_dir=Path("/nonexistent"), smtp_host="127.0.0.1", smtp_port=port,
                        smtp_security="none", smtp_user="", smtp_password="", mail_from=SENDER,
                        reply_to="contact@mission-clauses.fr")


def queue_rows(count: int, run: int) -> None:
    """`count` queued rows with a text and an HTML part, to real-looking (non-demo) addresses."""
    rows = [{"idempotency_key": f"bench-{run}-{n}", "template_key": "decision_selected",
             "to_address": f"contact{n}@structure-{n % 97}.fr", "cc_addresses": f"referent{n % 15}@reseau-idf.fr",
             "subject": f"Votre candidature n° {n} : retenue", "body_text": BODY.format(n=n),
             "body_html": HTML.format(n=n), "status": MailStatus.QUEUED, "attempts": 0, "created_at": NOW,
             "version": 1}
            for n in range(count)]
    with db_engine.unit_of_work() as session:
        session.execute(insert(OutboxMessage), rows)


def prebuilt(count: int) -> list[tuple[str, list[str], bytes]]:
    """The same messages, built once, for the bare loop: (envelope sender, recipients, bytes)."""
    messages = []
    for n in range(count):
        outgoing = Outgoing(id=n, message_id=new_message_id(SENDER), to_address=f"contact{n}@structure-{n % 97}.fr",
                            cc_addresses=(f"referent{n % 15}@reseau-idf.fr",),
                            subject=f"Votre candidature n° {n} : retenue", body_text=BODY.format(n=n),
                            body_html=HTML.format(n=n), personal_link=None)
        raw = build(outgoing, sender=SENDER, reply_to="contact@mission-clauses.fr", date=NOW)
        messages.append(("openmap@openmap.exemple.fr", list(outgoing.recipients), raw))
    return messages


def bare_loop(port: int, messages: list[tuple[str, list[str], bytes]]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for sender, recipients, content in messages:
            connection.sendmail(sender, recipients, content)
    return time.perf_counter() - start


def measure(directory: Path, count: int, repeat: int) -> dict[str, object]:
    engine = db_engine.make_engine(f"sqlite:///{directory / 'mail.sqlite3'}")
    upgrade(engine)
    db_engine.set_engine(engine)
    server = MailServer().start()
    server.behaviour.count_only = True
    figures: dict[str, object] = {"count": count, "ours": [], "bare": []}
    try:
        messages = prebuilt(count)
        for run in range(repeat):
            queue_rows(count, run)
            before = server.received_count
            start = time.perf_counter()
            report = send_queued(db_engine.unit_of_work, now=NOW, settings=settings(server.port))
            figures["ours"].append(time.perf_counter() - start)
            assert report.sent == count and server.received_count - before == count, report.summary()
            before = server.received_count
            figures["bare"].append(bare_loop(server.port, messages))
            assert server.received_count - before == count
    finally:
        server.stop()
        db_engine.reset_engine()
    return figures


def targets(figures: dict) -> list[Target]:
    """Issue 10: at least 100 messages/s, within 2× of the bare smtplib loop."""
    count = figures["count"]
    ours, bare = statistics.median(figures["ours"]), statistics.median(figures["bare"])
    where = f"Courriels, {thousands(count)} messages (issue 10)"
    return [Target(where, "Envoi (send_queued) contre boucle smtplib nue", f"{seconds(ours)} ; {ratio(ours / bare)}",
                   "≤ 2×", ours / bare <= 2),
            Target(where, "Débit de send_queued", f"{thousands(count / ours)} msg/s", "≥ 100 msg/s",
                   count / ours >= 100)]


def table(figures: dict) -> list[str]:
    count = figures["count"]
    ours, bare = statistics.median(figures["ours"]), statistics.median(figures["bare"])
    rate, bare_rate = count / ours, count / bare
    rows = [
        (f"Envoi de {thousands(count)} courriels (send_queued)", seconds(ours), seconds(bare), ratio(ours / bare),
         "≤ 2×", verdict(ours / bare <= 2)),
        ("Débit de send_queued", f"{thousands(rate)} msg/s", f"{thousands(bare_rate)} msg/s", "—",
         "≥ 100 msg/s", verdict(rate >= 100)),
    ]
    lines = [f"Courriels — {thousands(count)} messages (texte + HTML, une copie) vers un serveur aiosmtpd local qui "
             "compte ; SQLite (fichier temporaire, WAL)",
             "Référence : boucle smtplib nue envoyant les mêmes messages préconstruits sur une seule connexion.", ""]
    lines += columns(("Mesure", "Temps (médiane)", "Référence", "Rapport", "Objectif", "Verdict"), rows)
    lines.append("")
    lines.append(f"Mesures : send_queued {', '.join(seconds(v) for v in figures['ours'])} ; "
                 f"boucle nue {', '.join(seconds(v) for v in figures['bare'])}.")
    return lines


def run(count: int = 1000, repeat: int = 3) -> dict:
    with tempfile.TemporaryDirectory(prefix="openmap-bench-mail-") as tmp:
        return measure(Path(tmp), count, repeat)


if __name__ == "__main__":
    print("\n".join(table(run())))
