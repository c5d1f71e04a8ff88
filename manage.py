"""Operator commands: python manage.py migrate | create-admin | seed-demo | check | send-mail | backup | restore."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from core.errors import ValidationFailed
from core.startup import StartupError, _redacted
from db.backup import BackupFailed
from db.engine import analyze, database_url, get_engine, unit_of_work


def cmd_migrate(_args) -> int:
    from db.migrate import upgrade

    upgrade(get_engine())
    print(f"Base à jour ({_redacted(database_url())}).")
    return 0


def cmd_create_admin(args) -> int:
    from core.accounts.administration import ensure_admin

    password = args.password or getpass.getpass("Mot de passe : ")
    with unit_of_work() as session:
        created = ensure_admin(session, email=args.email, password=password, full_name=args.name)
    print("Administrateur créé." if created else "Un compte existe déjà avec cette adresse : rien n'a changé.")
    return 0


def cmd_seed_demo(args) -> int:
    from demo.data import DEMO_PASSWORD
    from demo.seed import database_is_empty, seed_demo

    with unit_of_work() as session:
        if not database_is_empty(session):
            print("Données de démonstration : la base contient déjà des données, rien n'a été ajouté.")
            return 0 if args.if_empty else 1
        accounts = seed_demo(session)
    analyze(get_engine())  # a bulk load: the planner's statistics follow it
    print("Données de démonstration créées. Comptes (démonstration uniquement) :")
    for role, email in accounts:
        print(f"  {role:<22} {email:<40} mot de passe : {DEMO_PASSWORD}")
    return 0


def cmd_check(_args) -> int:
    from core.startup import check_database

    check_database()
    print("Base de données joignable et initialisée.")
    return 0


def cmd_send_mail(_args) -> int:
    """Queue the reminders due, then send what is due (queued, and failed rows whose next
    attempt has come). Meant for cron or a systemd timer: exits non-zero only when the mail
    configuration is wrong; a server down or refusing is reported and retried next run."""
    from core.clock import utcnow
    from core.mail.due import queue_due_messages
    from core.mail.sending import send_queued
    from core.settings import MailSettingsError, mail_settings

    try:
        settings = mail_settings()
    except MailSettingsError as error:
        print(f"Configuration du courriel incorrecte : {error}", file=sys.stderr)
        return 2
    with unit_of_work() as session:
        reminders = queue_due_messages(session, now=utcnow())
    if reminders:
        print(f"Rappels mis en file : {reminders}.")
    report = send_queued(unit_of_work, settings=settings)
    print(report.summary())
    return 0


def cmd_backup(args) -> int:
    from datetime import UTC, datetime

    from db.backup import backup
    from db.engine import PROJECT_ROOT

    url = database_url()
    suffix = "sqlite3" if url.startswith("sqlite") else "dump"
    target = Path(args.output) if args.output else (
        PROJECT_ROOT / "data" / "backups" / f"openmap-{datetime.now(UTC):%Y%m%d-%H%M%SZ}.{suffix}")
    backup(url, target)
    print(f"Sauvegarde écrite : {target}")
    return 0


def cmd_restore(args) -> int:
    from db.backup import restore

    if not args.yes:
        print("La restauration remplace toute la base par la sauvegarde : arrêtez l'application, "
              "puis relancez avec --oui.", file=sys.stderr)
        return 1
    restore(database_url(), Path(args.source))
    print(f"Base restaurée depuis {args.source} ({_redacted(database_url())}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage.py", description="Commandes d'exploitation d'OpenMap candidatures.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="appliquer les migrations Alembic").set_defaults(run=cmd_migrate)
    admin = commands.add_parser("create-admin", help="créer un compte administrateur")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrateur")
    admin.add_argument("--password", help="sinon demandé au clavier")
    admin.set_defaults(run=cmd_create_admin)
    seed = commands.add_parser("seed-demo", help="créer les données de démonstration")
    seed.add_argument("--if-empty", action="store_true", help="seulement si la base est vide")
    seed.set_defaults(run=cmd_seed_demo)
    commands.add_parser("check", help="vérifier que la base répond").set_defaults(run=cmd_check)
    send = commands.add_parser("send-mail", help="mettre en file les rappels dus et envoyer les courriels en attente")
    send.set_defaults(run=cmd_send_mail)
    saved = commands.add_parser("backup", help="sauvegarder la base (SQLite : copie en ligne ; PostgreSQL : pg_dump)")
    saved.add_argument("--output", help="fichier à écrire (par défaut data/backups/openmap-<date>.*)")
    saved.set_defaults(run=cmd_backup)
    restored = commands.add_parser("restore", help="remplacer la base par une sauvegarde")
    restored.add_argument("source", help="fichier écrit par backup")
    restored.add_argument("--oui", dest="yes", action="store_true", help="confirmer le remplacement de la base")
    restored.set_defaults(run=cmd_restore)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (StartupError, BackupFailed) as error:
        print(error, file=sys.stderr)
    except ValidationFailed as error:
        print("; ".join(error.errors.values()), file=sys.stderr)
    except Exception as error:  # one readable line for the operator
        from sqlalchemy.exc import OperationalError

        if not isinstance(error, OperationalError):
            raise
        reason = str(error.orig).splitlines()[0] if error.orig else str(error)
        print(f"Base de données injoignable (DATABASE_URL={_redacted(database_url())}) : {reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
