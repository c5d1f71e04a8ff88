"""Writing the demonstration data set (`data`) into a database.

`seed_demo` writes in the caller's session and does not commit; `manage.py seed-demo`
runs it in one unit of work. No audit rows are written for seed data.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from core.accounts.passwords import hash_password
from core.clock import paris_to_utc, to_paris, utcnow
from core.departements import departement_of_postcode
from core.permissions import ROLE_LABELS
from core.programme.snapshot import programme_snapshot
from core.programme.working import working_programme
from core.reference import ILE_DE_FRANCE, SECTORS, STRUCTURE_KINDS
from db.models import (
    Call,
    CallDepartement,
    CallKind,
    CallReviewer,
    CallState,
    Candidacy,
    Confirmation,
    Criterion,
    Deliberation,
    Edition,
    ItemKind,
    Network,
    PitchPosition,
    ProgrammeItem,
    ProgrammeVersion,
    Publication,
    Review,
    ReviewState,
    Score,
    Sector,
    Structure,
    StructureKind,
    Submission,
    User,
)
from demo.data import (
    ACCOUNTS,
    DEFAULT_CRITERIA,
    DEMO_PASSWORD,
    EDITION_6_CANDIDACIES,
    EDITION_6_PROGRAMME,
    EDITION_7_CANDIDACIES,
    INCLUSIV_ESSONNE,
    INITIATIVES_77,
    INSER_ECO_93,
    MAIN_ROOM,
    NETWORKS,
    PROGRAMME_ROOMS,
    STRUCTURES,
    URTIE,
    CandidacySeed,
)

# ============================================================== helpers


def _slug(text: str) -> str:
    """« Bâti'Insert 95 » → « bati-insert-95 »."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def demo_siret(index: int) -> str:
    """A valid, deterministic, invented SIRET: Luhn-valid SIREN, head-office NIC 0001x."""
    body = f"{81_200_000 + 7_919 * index:08d}"
    siren = body + luhn.calc_check_digit(body)
    head = siren + "0001"
    number = head + luhn.calc_check_digit(head)
    if not stdnum_siret.is_valid(number):  # never expected: the two keys make it valid
        raise AssertionError(f"invalid demo SIRET {number}")
    return number


def demo_phone(index: int) -> str:
    """A number of the range ARCEP reserves for fiction: 01 99 00 00 00 to 01 99 00 99 99."""
    return f"01 99 00 {index // 100 % 100:02d} {index % 100:02d}"


def _person_email(person: str, domain: str) -> str:
    return f"{_slug(person).replace('-', '.')}@{domain}"


def _paris(day: date, hour: int, minute: int = 0) -> datetime:
    return paris_to_utc(day, time(hour, minute))


# ============================================================== public functions


def database_is_empty(session: Session) -> bool:
    """True when there is no user, no network and no edition (sectors do not count)."""
    return all(session.scalar(select(model.id).limit(1)) is None for model in (User, Network, Edition))


def seed_demo(session: Session) -> list[tuple[str, str]]:
    """Create the demonstration data in the session, without committing.

    Returns (French role label, e-mail) of each demo account, whose password is
    DEMO_PASSWORD. Expects a database without these networks, accounts or editions
    (see database_is_empty); unique constraints refuse a second run.
    """
    now = utcnow()
    sectors = _ensure_sectors(session)
    networks = _create_networks(session)
    users = _create_accounts(session, networks)
    structures = _create_structures(session, sectors)
    session.flush()
    _seed_edition_6(session, networks, users, structures)
    _seed_edition_7(session, networks, users, structures, now)
    session.flush()
    return [(_account_label(user), user.email) for user in users.values()]


# ============================================================== builders


def _ensure_sectors(session: Session) -> dict[str, Sector]:
    """The sector rows by label. Migration 0002 inserts them; any missing (a table
    emptied by hand or by the test fixtures) is added back here."""
    by_label = {sector.label: sector for sector in session.scalars(select(Sector))}
    for position, label in enumerate(SECTORS, start=1):
        if label not in by_label:
            by_label[label] = Sector(label=label, position=position)
            session.add(by_label[label])
    return by_label


def _create_networks(session: Session) -> dict[str, Network]:
    networks = {}
    for name, slug, description in NETWORKS:
        networks[name] = Network(
            name=name,
            description=f"{description} (données de démonstration)",
            contact_email=f"contact@{slug}.exemple.fr",
            website=f"https://www.{slug}.exemple.fr",
        )
        session.add(networks[name])
    return networks


def _create_accounts(session: Session, networks: dict[str, Network]) -> dict[str, User]:
    """One account per role and one referent per network in ACCOUNTS, keyed by e-mail."""
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once
    users = {}
    for email, full_name, role, network_name in ACCOUNTS:
        users[email] = User(
            email=email,
            full_name=full_name,
            role=role,
            network=networks[network_name] if network_name else None,
            password_hash=password_hash,
        )
        session.add(users[email])
    return users


def _account_label(user: User) -> str:
    label = ROLE_LABELS[user.role]
    return f"{label} {user.network.name}" if user.network else label


def _create_structures(session: Session, sectors: dict[str, Sector]) -> dict[str, Structure]:
    structures = {}
    for index, seed in enumerate(STRUCTURES, start=1):
        slug = _slug(seed.name)
        structures[seed.name] = Structure(
            siret=demo_siret(index),
            name=seed.name,
            kind=StructureKind(seed.kind),
            address=seed.address,
            postcode=seed.postcode,
            city=seed.city,
            departement=departement_of_postcode(seed.postcode),
            website=f"https://www.{slug}.exemple.fr",
            insertion_workforce=seed.workforce,
            contact_name=seed.contact,
            contact_email=_person_email(seed.contact, f"{slug}.exemple.fr"),
            contact_phone=demo_phone(index),
            sectors=[sectors[label] for label in seed.sectors],
        )
        session.add(structures[seed.name])
    return structures


def _new_call(
    edition: Edition,
    *,
    theme_title: str,
    theme_description: str,
    opens_at: datetime,
    closes_at: datetime,
    state: CallState,
    pitch_slots: int,
    invited: list[Network],
) -> Call:
    """A call open to every structure kind of Île-de-France, with the default criteria."""
    return Call(
        edition=edition,
        theme_title=theme_title,
        theme_description=theme_description,
        opens_at=opens_at,
        closes_at=closes_at,
        state=state,
        pitch_slots=pitch_slots,
        pitch_minutes=5,
        criteria=[
            Criterion(label=label, description=description, weight=weight, position=position)
            for position, (label, description, weight) in enumerate(DEFAULT_CRITERIA, start=1)
        ],
        eligible_kinds=[CallKind(kind=StructureKind(code)) for code in STRUCTURE_KINDS],
        eligible_departements=[CallDepartement(departement=code) for code in ILE_DE_FRANCE],
        invited_networks=invited,
    )


def _new_candidacy(
    call: Call, seed: CandidacySeed, structure: Structure, network: Network, author: User | None, at: datetime
) -> Candidacy:
    return Candidacy(
        call=call,
        structure=structure,
        network=network,
        name=structure.name,
        kind=structure.kind,
        address=structure.address,
        postcode=structure.postcode,
        city=structure.city,
        departement=structure.departement,
        website=structure.website,
        insertion_workforce=structure.insertion_workforce,
        sectors=[sector.label for sector in structure.sectors],
        contact_name=structure.contact_name,
        contact_email=structure.contact_email,
        contact_phone=structure.contact_phone,
        presenter_name=seed.presenter,
        presenter_role=seed.presenter_role,
        pitch_title=seed.pitch_title,
        pitch_summary=seed.pitch_summary,
        buyer_offer=seed.buyer_offer,
        public_references=seed.public_references,
        consent_processing=seed.submitted,
        consent_sharing=seed.submitted,
        submission=Submission.SUBMITTED if seed.submitted else Submission.DRAFT,
        submitted_at=at if seed.submitted else None,
        created_by_id=author.id if author else None,
        created_at=at - timedelta(hours=2),
        updated_at=at,
    )


def _referents(users: dict[str, User]) -> dict[str, User]:
    """The referent account of each network that has one, by network name."""
    return {user.network.name: user for user in users.values() if user.network}


def _seed_edition_6(
    session: Session, networks: dict[str, Network], users: dict[str, User], structures: dict[str, Structure]
) -> None:
    """The 6th edition: call closed, reviewed, decided and published; programme published."""
    edition = Edition(
        number=6,
        title="6e rencontre OpenMap",
        event_date=date(2019, 11, 21),
        start_time=time(9, 0),
        end_time=time(12, 30),
        venue="Salle des fêtes Jean Vilar",
        address="9 boulevard Héloïse, 95100 Argenteuil",
        city="Argenteuil",
        description=(
            "Sixième rencontre entre acheteurs publics et structures inclusives (SIAE, entreprises adaptées, "
            "ESAT), consacrée aux services liés aux chantiers et aux grands travaux : plénière, atelier sur les "
            "marchés réservés, présentations express et rendez-vous bilatéraux."
        ),
    )
    call = _new_call(
        edition,
        theme_title="Services liés aux chantiers et aux grands travaux",
        theme_description=(
            "Gros œuvre et second œuvre, travaux publics, logistique et propreté de chantier, gestion des "
            "déchets du bâtiment, gardiennage, mise à disposition de personnel : les SIAE et EA qui "
            "interviennent sur les chantiers présentent leur offre aux acheteurs publics."
        ),
        opens_at=_paris(date(2019, 9, 16), 9),
        closes_at=_paris(date(2019, 10, 18), 18),
        state=CallState.CLOSED,
        pitch_slots=6,
        invited=list(networks.values()),
    )
    call.decisions_published_at = _paris(date(2019, 10, 25), 10)
    session.add_all([edition, call])

    referents = _referents(users)
    reviewer = users["evaluateur@openmap.exemple.fr"]
    selected: list[Candidacy] = []
    scored: list[tuple[Candidacy, tuple[int, ...]]] = []
    waitlist_rank = 0
    for index, seed in enumerate(EDITION_6_CANDIDACIES):
        structure = structures[seed.structure]
        network = networks[_network_of(seed.structure)]
        submitted_at = _paris(date(2019, 9, 20) + timedelta(days=2 * index), 10 + index % 6, 15)
        candidacy = _new_candidacy(call, seed, structure, network, referents.get(network.name), submitted_at)
        candidacy.deliberation = seed.decision
        candidacy.publication = Publication.PUBLISHED
        if seed.decision == Deliberation.WAITLISTED:
            waitlist_rank += 1
            candidacy.waitlist_rank = waitlist_rank
        if seed.decision == Deliberation.SELECTED:
            candidacy.confirmation = Confirmation.CONFIRMED
            candidacy.confirmation_answered_at = _paris(date(2019, 10, 28), 9 + len(selected))
            selected.append(candidacy)
        session.add(candidacy)
        scored.append((candidacy, seed.scores or ()))
    session.flush()
    lead = users["pilote@openmap.exemple.fr"]
    session.add(CallReviewer(call_id=call.id, reviewer_id=reviewer.id, named_by_id=lead.id))
    # Only fully scored candidacies have a (submitted) review: a review is submitted with every criterion.
    session.add_all(_review(candidacy, call, reviewer, values) for candidacy, values in scored
                    if len(values) == len(call.criteria))
    _seed_programme(session, edition, call, selected, users["pilote@openmap.exemple.fr"])


def _network_of(structure_name: str) -> str:
    return next(seed.network for seed in STRUCTURES if seed.name == structure_name)


def _review(candidacy: Candidacy, call: Call, reviewer: User, values: tuple[int, ...]) -> Review:
    """The reviewer's scores, one per criterion in order (rows must have ids)."""
    return Review(
        candidacy_id=candidacy.id,
        reviewer_id=reviewer.id,
        state=ReviewState.SUBMITTED,
        created_at=_paris(date(2019, 10, 22), 14),
        updated_at=_paris(date(2019, 10, 22), 14),
        submitted_at=_paris(date(2019, 10, 22), 14),
        scores=[Score(criterion_id=criterion.id, value=value)
                for criterion, value in zip(call.criteria, values, strict=True)],
    )


def _seed_programme(
    session: Session, edition: Edition, call: Call, pitches: list[Candidacy], publisher: User
) -> None:
    """Programme items of the 6th edition back to back from its start, the pitch order, and
    the published version 1 (its pitches read from the selection, as the editor does)."""
    start = paris_to_utc(edition.event_date, edition.start_time)
    for kind, title, description, speakers, minutes in EDITION_6_PROGRAMME:
        end = start + timedelta(minutes=minutes)
        session.add(ProgrammeItem(edition_id=edition.id, kind=kind, title=title, description=description,
                                  speakers=speakers, room=PROGRAMME_ROOMS.get(kind, MAIN_ROOM), starts_at=start,
                                  ends_at=end, call_id=call.id if kind == ItemKind.PITCHES else None,
                                  changeover_minutes=1))
        start = end
    session.add_all(PitchPosition(call_id=call.id, candidacy_id=candidacy.id, position=position)
                    for position, candidacy in enumerate(pitches, start=1))
    session.flush()
    content = programme_snapshot(working_programme(session, edition.id).only_confirmed())
    session.add(
        ProgrammeVersion(
            edition_id=edition.id,
            number=1,
            note="Programme de la rencontre.",
            content=content,
            published_at=_paris(date(2019, 11, 4), 11),
            published_by_id=publisher.id,
        )
    )


def _seed_edition_7(
    session: Session,
    networks: dict[str, Network],
    users: dict[str, User],
    structures: dict[str, Structure],
    now: datetime,
) -> None:
    """The 7th edition, whose call opened a few days ago and closes in about a month."""
    today = to_paris(now).date()
    opens_at = _paris(today - timedelta(days=5), 9)
    closes_at = _paris(today + timedelta(days=30), 18)
    # 18 March 2027, or later if the demo is seeded so late that the call would end after it.
    event_date = max(date(2027, 3, 18), closes_at.date() + timedelta(weeks=4))
    edition = Edition(
        number=7,
        title="7e rencontre OpenMap",
        event_date=event_date,
        start_time=time(9, 0),
        end_time=time(12, 30),
        venue="Salle de l'Agora",
        address="Place de l'Agora, 91000 Évry-Courcouronnes",
        city="Évry-Courcouronnes",
        description=(
            "Septième rencontre entre acheteurs publics et structures inclusives, consacrée à la propreté, à "
            "l'entretien des espaces et à la gestion des déchets."
        ),
    )
    call = _new_call(
        edition,
        theme_title="Propreté, entretien des espaces et gestion des déchets",
        theme_description=(
            "Nettoyage des locaux et des équipements publics, entretien des espaces verts et des espaces "
            "publics, collecte, tri, réemploi et recyclage des déchets : les SIAE et EA présentent leur offre "
            "aux acheteurs publics."
        ),
        opens_at=opens_at,
        closes_at=closes_at,
        state=CallState.OPEN,
        pitch_slots=5,
        invited=[networks[name] for name in (URTIE, INITIATIVES_77, INCLUSIV_ESSONNE, INSER_ECO_93)],
    )
    session.add_all([edition, call])

    referents = _referents(users)
    for index, seed in enumerate(EDITION_7_CANDIDACIES):
        network = networks[_network_of(seed.structure)]
        at = opens_at + timedelta(hours=3 + 14 * index)
        session.add(_new_candidacy(call, seed, structures[seed.structure], network, referents.get(network.name), at))
    session.flush()
    # The demo reviewer is named for the open call: she can review what is already submitted.
    session.add(CallReviewer(call_id=call.id, reviewer_id=users["evaluateur@openmap.exemple.fr"].id,
                             named_by_id=users["pilote@openmap.exemple.fr"].id))
