"""A synthetic data set at a chosen scale, seeded into a fresh, migrated database (part of
`make bench SCALE=…`, issue 12).

`fresh_database(scale)` yields a `Seeded`: an SQLite file in a temporary directory, or, when
DATABASE_URL names a PostgreSQL server, a database of its own created there and dropped at
the end. Every row goes in through bulk Core inserts (one executemany, or insertmanyvalues
batches, per table and chunk) with ids chosen here, so nothing waits for a RETURNING; the
PostgreSQL sequences are moved past them afterwards so the app can still insert.

The data holds every constraint of db/models.py: valid SIRETs (Luhn), one candidacy per
structure and call, 3 submitted reviews × 4 criteria per submitted candidacy, decisions
within the slots with waiting-list ranks 1..n per call, a programme per edition (a pitch
session of its call) published as a version built by core.programme.snapshot, mail in
the outbox under unique keys.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, make_url, select, text
from sqlalchemy.orm import Session
from stdnum import luhn

from core.clock import paris_to_utc
from core.programme.snapshot import programme_snapshot
from core.programme.working import working_programme
from db import engine as db_engine
from db.bulk import collector_paused
from db.migrate import upgrade
from db.models import (
    AuditEntry,
    Call,
    CallReviewer,
    CallState,
    Candidacy,
    Confirmation,
    Criterion,
    Deliberation,
    Edition,
    ItemKind,
    MailStatus,
    Network,
    OutboxMessage,
    PitchPosition,
    ProgrammeItem,
    ProgrammeVersion,
    Publication,
    Review,
    ReviewState,
    Role,
    Score,
    Sector,
    SignInSession,
    Structure,
    StructureKind,
    Submission,
    User,
    call_networks,
    structure_sectors,
)


@dataclass(frozen=True)
class Scale:
    name: str
    networks: int
    structures: int
    editions: int
    candidacies: int
    outbox: int
    reviews_per_candidacy: int = 3


SCALES = {
    "small": Scale("small", networks=20, structures=500, editions=4, candidacies=1_000, outbox=200),
    "national10": Scale("national10", networks=1_000, structures=50_000, editions=200, candidacies=100_000,
                        outbox=10_000),
}


def rows_scale(rows: int) -> Scale:
    """`rows` rows in every page's main table: `rows` editions (published programmes), each call
    with `rows` candidacies, `rows` of them from the first network, `rows` messages. The data
    sets on which the statements per page are counted (3, 300)."""
    n = max(rows, 1)
    return Scale(f"{rows}", networks=n, structures=n, editions=n, candidacies=rows * rows, outbox=rows)


KINDS = list(StructureKind)
DEPARTEMENTS = ("75", "77", "78", "91", "92", "93", "94", "95")
CITIES = {"75": ("75011", "Paris"), "77": ("77100", "Meaux"), "78": ("78000", "Versailles"),
          "91": ("91000", "Évry-Courcouronnes"), "92": ("92000", "Nanterre"), "93": ("93200", "Saint-Denis"),
          "94": ("94000", "Créteil"), "95": ("95100", "Argenteuil")}
FIRST = ("Samia", "Jean", "Awa", "Karim", "Lucie", "Mehdi", "Chloé", "Ousmane", "Inès", "Théo")
LAST = ("Benali", "Martin", "Diallo", "Haddad", "Lefèvre", "Nguyen", "Moreau", "Traoré", "Petit", "Roux")
CRITERIA = (("Pertinence de l'offre pour le thème", 3), ("Capacité à répondre aux marchés", 2),
            ("Impact social et parcours d'insertion", 2), ("Qualité de la présentation", 1))
SUMMARY = ("Nous accompagnons chaque année des salariés en parcours d'insertion vers l'emploi durable, encadrés "
           "par des professionnels du métier. Nos équipes interviennent sur des chantiers publics et privés de "
           "toute l'Île-de-France, avec un encadrement technique et un accompagnement socioprofessionnel qui font "
           "la qualité de nos prestations et la réussite des parcours. ")
OFFER = ("Réponse aux lots réservés (L2113-13) et aux clauses sociales d'insertion (L2112-2) ; interventions "
         "sous 48 heures, devis sous une semaine, reporting des heures d'insertion réalisées pour les acheteurs. ")
REFERENCES = ("Commune de Saint-Denis, entretien des espaces verts (2023) ; Département du Val-d'Oise, "
              "second œuvre des collèges (2024) ; Grand Paris Aménagement, tri des déchets de chantier (2025).")
BODY = ("Bonjour,\n\nNous avons le plaisir de vous informer de la suite donnée à la candidature de votre structure "
        "à l'appel « {theme} » de la rencontre OpenMap. Vous trouverez ci-dessous les informations utiles pour "
        "préparer votre intervention : horaires, lieu, durée de la présentation express et contact de l'équipe.\n\n"
        "Merci de confirmer votre présence avant la date indiquée.\n\n-- \nL'équipe OpenMap — Mission clauses "
        "sociales Île-de-France\n")
# The app reads the real clock: the data is dated around today (one upcoming edition, the others past).
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SLOTS, WAITING = 8, 5
CHUNK = 20_000


def siret(n: int) -> str:
    """The n-th synthetic SIRET: a Luhn-valid SIREN, an establishment number, a Luhn check digit."""
    siren = f"{10_000_000 + n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + f"{1 + n % 9:04d}"
    return body + luhn.calc_check_digit(body)


@dataclass
class Seeded:
    """A seeded database: its engine, its URL, where an SQLite file lies (None on PostgreSQL),
    signed-in tokens (lead, reviewer, a network referent) and the ids the pages are shown."""

    scale: Scale
    engine: Engine
    url: str
    path: Path | None
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    call_id: int = 0
    edition_id: int = 0
    network_id: int = 0
    open_call_id: int = 0  # a second call of the upcoming edition, open, the first network invited
    draft_id: int = 0  # the first network's draft on it

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


# ---------------------------------------------------------------- databases


@contextmanager
def fresh_database(scale: Scale, directory: Path | None = None, server: str | None = None) -> Iterator[Seeded]:
    """A fresh, migrated, seeded database; removed (file) or dropped (PostgreSQL) at the end.

    `server` (DATABASE_URL unless given) names a PostgreSQL server to create the database on;
    anything else: an SQLite file in `directory` (a temporary one by default)."""
    server = os.environ.get("DATABASE_URL", "") if server is None else server
    with tempfile.TemporaryDirectory(prefix="openmap-bench-national-") as tmp:
        if server.startswith("postgresql"):
            with _postgres_database(server) as url:
                yield _seeded(scale, url, None)
        else:
            path = Path(directory or tmp) / f"national-{scale.name}.sqlite3"
            yield _seeded(scale, f"sqlite:///{path}", path)


@contextmanager
def _postgres_database(server: str) -> Iterator[str]:
    name = f"openmap_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server.replace("postgresql://", "postgresql+psycopg://", 1)),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seeded(scale: Scale, url: str, path: Path | None) -> Seeded:
    engine = db_engine.make_engine(url)
    upgrade(engine)
    seeded = Seeded(scale=scale, engine=engine, url=url, path=path)
    start = time.perf_counter()
    seed(seeded)
    # As a deployed database has them (the app's engine gathers missing statistics on each new
    # connection; PostgreSQL's autovacuum analyses): seeded through one connection, it has none yet.
    db_engine.analyze(engine)
    seeded.seconds = time.perf_counter() - start
    return seeded


# ---------------------------------------------------------------- seeding


def seed(seeded: Seeded) -> None:
    """Every table of the scale, in one transaction; counts of rows per table in `seeded.counts`."""
    with collector_paused(), Session(seeded.engine) as session, session.begin():
        writer = _Writer(session, seeded.counts)
        _accounts(writer, seeded)
        _structures(writer, seeded.scale)
        calls = _editions(writer, seeded.scale)
        _candidacies(writer, seeded.scale, calls, seeded.user_ids)
        _programmes(writer, seeded.scale, calls)
        _outbox(writer, seeded.scale, calls)
        seeded.open_call_id, seeded.draft_id = _open_call(writer, seeded.scale, calls)
        if seeded.backend == "postgresql":
            _move_sequences(session)
        seeded.call_id, seeded.edition_id = calls[-1][0], calls[-1][1]
        _versions(session, writer, calls, seeded.user_ids["lead"])
    if seeded.backend == "postgresql":
        # Autovacuum would gather the planner's statistics of the freshly loaded tables soon after;
        # without them PostgreSQL plans the first hours as if the tables were empty. (SQLite has
        # none unless someone runs ANALYZE, which the app never does: left as a deployment has it.)
        with seeded.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    seeded.engine.dispose()


class _Writer:
    """Bulk Core inserts in chunks (parameter lists of bounded size), counting rows per table."""

    def __init__(self, session: Session, counts: dict[str, int]) -> None:
        self.session, self.counts = session, counts

    def insert(self, table, rows) -> None:
        table = getattr(table, "__table__", table)
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                self._flush(table, chunk)
                chunk = []
        self._flush(table, chunk)

    def _flush(self, table, chunk: list[dict]) -> None:
        if chunk:
            self.session.execute(insert(table), chunk)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(chunk)


def _token(writer: _Writer, seeded: Seeded, role: str, user_id: int) -> None:
    token = secrets.token_urlsafe(32)
    writer.insert(SignInSession, [{"token_hash": hashlib.sha256(token.encode()).hexdigest(), "user_id": user_id,
                                   "created_at": datetime.now(UTC), "last_seen_at": datetime.now(UTC)}])
    seeded.tokens[role], seeded.user_ids[role] = token, user_id


def _accounts(writer: _Writer, seeded: Seeded) -> None:
    """Networks, one referent each (ids 1..n), the lead, the admin and 3 reviewers after them."""
    n = seeded.scale.networks
    writer.insert(Network, ({"id": i, "name": f"Réseau d'insertion n° {i}", "contact_email": f"contact@reseau-{i}.fr",
                             "description": "Réseau d'accompagnement des structures inclusives du territoire.",
                             "active": True, "created_at": NOW, "version": 1} for i in range(1, n + 1)))
    writer.insert(User, ({"id": i, "email": f"referent@reseau-{i}.fr", "full_name": _person(i), "role": Role.RESEAU,
                          "network_id": i, "active": True, "created_at": NOW, "version": 1} for i in range(1, n + 1)))
    staff = [("lead", Role.PILOTE, "pilote"), ("admin", Role.ADMIN, "admin")]
    staff += [(f"reviewer{k}", Role.EVALUATEUR, f"evaluateur{k}") for k in range(seeded.scale.reviews_per_candidacy)]
    writer.insert(User, ({"id": n + 1 + k, "email": f"{mail}@banc.exemple.fr", "full_name": _person(k + 7),
                          "role": role, "active": True, "created_at": NOW, "version": 1}
                         for k, (_, role, mail) in enumerate(staff)))
    for k, (key, _, _) in enumerate(staff):
        seeded.user_ids[key] = n + 1 + k
    seeded.network_id = 1
    for key in ("lead", "reviewer0"):
        _token(writer, seeded, key, seeded.user_ids[key])
    _token(writer, seeded, "network", 1)


def _person(n: int) -> str:
    return f"{FIRST[n % 10]} {LAST[(n // 10) % 10]}"


def _structures(writer: _Writer, scale: Scale) -> None:
    sectors = list(writer.session.scalars(select(Sector.id).order_by(Sector.position)))
    writer.insert(Structure, (_structure(i) for i in range(1, scale.structures + 1)))
    writer.insert(structure_sectors, ({"structure_id": i, "sector_id": sectors[(i + k * 7) % len(sectors)]}
                                      for i in range(1, scale.structures + 1) for k in range(1 + i % 2)))


def _structure(i: int) -> dict:
    departement = DEPARTEMENTS[i % 8]
    postcode, city = CITIES[departement]
    return {"id": i, "siret": siret(i), "name": f"Structure d'insertion n° {i}", "kind": KINDS[i % 9],
            "address": f"{i % 200 + 1} rue de la République", "postcode": postcode, "city": city,
            "departement": departement, "website": f"https://www.structure-{i}.exemple.fr",
            "insertion_workforce": i % 120, "contact_name": _person(i),
            "contact_email": f"contact@structure-{i}.exemple.fr", "contact_phone": f"01 {40 + i % 50} 00 00 00",
            "created_at": NOW, "updated_at": NOW, "version": 1}


def _editions(writer: _Writer, scale: Scale) -> list[tuple[int, int, date]]:
    """The last edition in 30 days (its call closed, decisions taken, not published), the others
    every 45 days before today (decisions published); each with one call of 4 criteria, 3
    reviewers and a share of the networks invited. Returns (call id, edition id, day)."""
    calls = [(e, e, (NOW + timedelta(days=30 - 45 * (scale.editions - e))).date())
             for e in range(1, scale.editions + 1)]
    writer.insert(Edition, ({"id": e, "number": e, "title": f"{e}e rencontre OpenMap : achats inclusifs et territoires",
                             "event_date": day, "start_time": time_of_day(8, 30), "end_time": time_of_day(13, 0),
                             "venue": "Salle des fêtes Jean Vilar", "address": "9 boulevard Héloïse, 95100 Argenteuil",
                             "city": "Argenteuil", "description": SUMMARY, "created_at": NOW, "version": 1}
                            for _, e, day in calls))
    writer.insert(Call, ({"id": c, "edition_id": e, "theme_title": f"Services liés aux chantiers, thème n° {c}",
                          "theme_description": SUMMARY + OFFER, "state": CallState.CLOSED,
                          "opens_at": paris_to_utc(day - timedelta(days=80), time_of_day(9, 0)),
                          "closes_at": paris_to_utc(day - timedelta(days=40), time_of_day(18, 0)),
                          "pitch_slots": SLOTS, "pitch_minutes": 5, "created_at": NOW, "version": 1,
                          "decisions_published_at": paris_to_utc(day - timedelta(days=30), time_of_day(10, 0))
                          if day < NOW.date() else None}
                         for c, e, day in calls))
    writer.insert(Criterion, ({"id": (c - 1) * 4 + k + 1, "call_id": c, "label": label, "weight": weight,
                               "position": k} for c, _, _ in calls for k, (label, weight) in enumerate(CRITERIA)))
    invited = max(1, min(scale.networks, 20))
    writer.insert(call_networks, ({"call_id": c, "network_id": 1 + (c * invited + k) % scale.networks}
                                  for c, _, _ in calls for k in range(invited)))
    first = scale.networks + 3
    writer.insert(CallReviewer, ({"call_id": c, "reviewer_id": first + k, "named_at": NOW}
                                 for c, _, _ in calls for k in range(scale.reviews_per_candidacy)))
    return calls


def _candidacies(writer: _Writer, scale: Scale, calls: list, users: dict[str, int]) -> None:
    """The candidacies spread evenly over the calls; per call: 1 in 20 a draft, 1 in 20 withdrawn,
    the others submitted with 3 reviews; the first 8 submitted retained, the next 5 on the waiting
    list (ranks 1..5), the rest not retained (past calls) or pending (the upcoming one)."""
    per_call = -(-scale.candidacies // len(calls))
    reviewers = [users[f"reviewer{k}"] for k in range(scale.reviews_per_candidacy)]
    rows, reviews = [], []
    cid = 0
    for c, _, day in calls:
        past = day < NOW.date()
        submitted = 0
        for k in range(min(per_call, scale.candidacies - cid)):
            cid += 1
            row = _candidacy(cid, c, 1 + (c + k) % scale.structures, scale)
            if k % 20 == 18:
                row.update(submission=Submission.DRAFT, submitted_at=None)
            elif k % 20 == 19:
                row.update(submission=Submission.WITHDRAWN, withdrawn_at=NOW - timedelta(days=50),
                           withdrawal_reason="La structure ne peut pas être présente à cette date.")
            else:
                _decide(row, submitted, past)
                submitted += 1
                reviews.append((cid, c))
            rows.append(row)
    writer.insert(Candidacy, rows)
    writer.insert(Review, ({"id": (n * len(reviewers)) + r + 1, "candidacy_id": cid, "reviewer_id": reviewer,
                            "state": ReviewState.SUBMITTED, "submitted_at": NOW, "created_at": NOW,
                            "updated_at": NOW, "version": 1,
                            "comment": "Offre solide, références publiques vérifiées." if cid % 3 == 0 else None}
                           for n, (cid, _) in enumerate(reviews) for r, reviewer in enumerate(reviewers)))
    writer.insert(Score, ({"review_id": review, "criterion_id": (c - 1) * 4 + k + 1,
                           "value": 1 + (review * 7 + k * 3) % 5}
                          for n, (_, c) in enumerate(reviews)
                          for review in range(n * len(reviewers) + 1, (n + 1) * len(reviewers) + 1)
                          for k in range(len(CRITERIA))))


def _candidacy(cid: int, call_id: int, structure: int, scale: Scale) -> dict:
    s = _structure(structure)
    network = 1 + cid % scale.networks
    return {"id": cid, "call_id": call_id, "structure_id": structure, "network_id": network,
            **{k: s[k] for k in ("name", "kind", "address", "postcode", "city", "departement", "website",
                                 "insertion_workforce", "contact_name", "contact_email", "contact_phone")},
            "sectors": ["Bâtiment et travaux publics", "Hygiène et propreté"][: 1 + cid % 2],
            "presenter_name": _person(cid + 3), "presenter_role": "Direction",
            "pitch_title": f"Second œuvre et propreté de chantier, offre n° {cid}", "pitch_summary": SUMMARY,
            "buyer_offer": OFFER, "public_references": REFERENCES if cid % 2 else None,
            "consent_processing": True, "consent_sharing": True, "submission": Submission.SUBMITTED,
            "submitted_at": NOW - timedelta(days=45, minutes=cid % 1000), "withdrawn_at": None,
            "withdrawal_reason": None, "deliberation": Deliberation.PENDING, "waitlist_rank": None,
            "decision_version": 0, "publication": Publication.UNPUBLISHED, "confirmation": Confirmation.PENDING,
            "created_by_id": network, "created_at": NOW, "updated_at": NOW, "version": 1}


def _decide(row: dict, submitted: int, past: bool) -> None:
    if submitted < SLOTS:
        row.update(deliberation=Deliberation.SELECTED, decision_version=1,
                   confirmation=Confirmation.CONFIRMED if past or submitted % 2 else Confirmation.PENDING)
    elif submitted < SLOTS + WAITING:
        row.update(deliberation=Deliberation.WAITLISTED, waitlist_rank=submitted - SLOTS + 1, decision_version=1)
    elif past:
        row.update(deliberation=Deliberation.NOT_SELECTED, decision_version=1)
    if past:
        row.update(publication=Publication.PUBLISHED)


def _programmes(writer: _Writer, scale: Scale, calls: list) -> None:
    """Per edition: welcome, plenary, workshop, the pitch session of its call, break, bilateral
    meetings, closing; the pitch positions of its retained candidacies."""
    plan = ((ItemKind.WELCOME, 30), (ItemKind.PLENARY, 45), (ItemKind.WORKSHOP, 45), (ItemKind.PITCHES, 60),
            (ItemKind.BREAK, 15), (ItemKind.BILATERAL, 45), (ItemKind.CLOSING, 15))
    items = []
    for c, e, day in calls:
        start = paris_to_utc(day, time_of_day(8, 30))
        for kind, minutes in plan:
            items.append({"id": len(items) + 1, "edition_id": e, "kind": kind, "title": f"{kind.label} de la rencontre",
                          "description": "Échanges entre acheteurs publics et structures inclusives d'Île-de-France.",
                          "speakers": "Juriste de la commande publique ; facilitatrice", "room": "Grande salle",
                          "starts_at": start, "ends_at": start + timedelta(minutes=minutes),
                          "call_id": c if kind == ItemKind.PITCHES else None, "changeover_minutes": 1,
                          "created_at": NOW, "version": 1})
            start += timedelta(minutes=minutes)
    writer.insert(ProgrammeItem, items)
    selected = writer.session.execute(select(Candidacy.call_id, Candidacy.id).where(
        Candidacy.deliberation == Deliberation.SELECTED).order_by(Candidacy.call_id, Candidacy.id)).all()
    rows, previous, position = [], None, 0
    for c, cid in selected:
        position = position + 1 if c == previous else 1
        rows.append({"call_id": c, "candidacy_id": cid, "position": position})
        previous = c
    writer.insert(PitchPosition, rows)


def _versions(session: Session, writer: _Writer, calls: list, lead: int) -> None:
    """Each edition's programme published once, its content built as publishing builds it."""
    writer.insert(ProgrammeVersion, ({"edition_id": e, "number": 1, "note": "Première version publiée",
                                      "content": programme_snapshot(working_programme(session, e).only_confirmed()),
                                      "published_at": NOW, "published_by_id": lead} for _, e, _ in calls))


def _outbox(writer: _Writer, scale: Scale, calls: list) -> None:
    """Decision messages, mostly sent, some queued or failed, on the candidacies in turn."""
    statuses = [MailStatus.SENT] * 7 + [MailStatus.QUEUED, MailStatus.FAILED, MailStatus.DISCARDED]
    per_call = max(1, -(-scale.candidacies // len(calls)))
    rows = []
    for m in range(1, scale.outbox + 1):
        cid = 1 + (m - 1) % max(scale.candidacies, 1) if scale.candidacies else None
        status = statuses[m % 10]
        call = calls[min((cid - 1) // per_call, len(calls) - 1)][0] if cid else None
        rows.append({"id": m, "idempotency_key": f"decision:{cid}:{m}", "template_key": "decision_selected",
                     "to_address": f"contact@structure-{m}.exemple.fr",
                     "cc_addresses": f"referent@reseau-{1 + m % scale.networks}.fr",
                     "subject": f"Votre candidature à la rencontre OpenMap n° {call}",
                     "body_text": BODY.format(theme=f"Services liés aux chantiers, thème n° {call}"),
                     "status": status, "attempts": 0 if status == MailStatus.QUEUED else 1,
                     "last_error": "550 boîte inconnue" if status == MailStatus.FAILED else None,
                     "status_note": "Remplacé par un message plus récent." if status == MailStatus.DISCARDED else None,
                     "candidacy_id": cid, "call_id": call, "created_at": NOW - timedelta(minutes=m),
                     "sent_at": NOW if status == MailStatus.SENT else None, "version": 1})
    writer.insert(OutboxMessage, rows)
    writer.insert(AuditEntry, ({"at": NOW, "actor_id": None, "actor_label": "banc d'essai", "action": "bench_seeded",
                                "object_type": "edition", "object_id": e} for _, e, _ in calls))


def _open_call(writer: _Writer, scale: Scale, calls: list) -> tuple[int, int]:
    """A second call of the upcoming edition, open today until in 10 days, the first network invited,
    with one draft of that network: what the candidacy form and the import page are shown on."""
    call_id, (_, edition, _) = len(calls) + 1, calls[-1]
    writer.insert(Call, [{"id": call_id, "edition_id": edition, "theme_title": "Entretien des espaces verts publics",
                          "theme_description": SUMMARY + OFFER, "state": CallState.OPEN,
                          "opens_at": NOW - timedelta(days=10), "closes_at": NOW + timedelta(days=10),
                          "pitch_slots": SLOTS, "pitch_minutes": 5, "created_at": NOW, "version": 1}])
    writer.insert(call_networks, [{"call_id": call_id, "network_id": 1}])
    draft = scale.candidacies + 1
    row = _candidacy(draft, call_id, 1, scale)
    row.update(network_id=1, created_by_id=1, submission=Submission.DRAFT, submitted_at=None)
    writer.insert(Candidacy, [row])
    return call_id, draft


def _move_sequences(session: Session) -> None:
    """Ids were chosen here: PostgreSQL's sequences must start after them."""
    for table in ("networks", "users", "structures", "editions", "calls", "criteria", "candidacies", "reviews",
                  "programme_items", "outbox_messages"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"coalesce((SELECT max(id) FROM {table}), 1))"))
