"""Two `manage.py send-mail` processes at once on one outbox (as two timers on two machines):
each claims its own rows, and every message reaches the SMTP server exactly once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from db import engine as db_engine
from tests.core.mail.outbox_rows import add_messages
from tests.core.mail.test_faults import assert_each_delivered_once
from tests.mailserver import smtp_server  # noqa: F401 — the fixture

ROOT = Path(__file__).resolve().parents[3]
SENT = re.compile(r"Courriels : (\d+) envoyés?")


def database_url_of_this_test() -> str:
    """The URL of the test's database as another process reaches it (PostgreSQL: its schema)."""
    engine = db_engine.get_engine()
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.scalar(text("SELECT current_schema()"))
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    return url


def test_two_send_mail_processes_deliver_each_message_exactly_once(db, smtp_server):  # noqa: F811
    ids = add_messages(300)
    smtp_server.behaviour.delay = 0.02  # a slow server: the second process starts while the first sends
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENMAP_")} | {
        "DATABASE_URL": database_url_of_this_test(), "OPENMAP_MAIL_TRANSPORT": "smtp",
        "OPENMAP_SMTP_HOST": "127.0.0.1", "OPENMAP_SMTP_PORT": str(smtp_server.port),
        "OPENMAP_SMTP_SECURITY": "none"}
    senders = [subprocess.Popen([sys.executable, "manage.py", "send-mail"], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [sender.communicate(timeout=180) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], outputs
    sent = [int(SENT.search(out).group(1)) if SENT.search(out) else 0 for out, _ in outputs]
    assert sum(sent) == 300 and all(sent), outputs  # both processes took part, nothing twice
    assert_each_delivered_once(smtp_server, ids)
