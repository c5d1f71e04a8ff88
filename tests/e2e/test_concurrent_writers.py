"""Twenty writers at once, in one Chromium, over two app processes on one PostgreSQL
database behind nginx running deploy/nginx/openmap.conf: eight network referents submit
candidacies through the form (two of them at a time the same structure), six reviewers
submit reviews, six lead tabs decide on three pitch slots through the review board. Then
the database holds exactly what the pages acknowledged, once each, the capacity and the
waiting-list ranks hold, no page showed a traceback or English, and both processes served.

The sample's ip_hash sends every browser of one address to one process: half the tabs
reach nginx on 127.0.0.1, half on [::1], which hashes to the other process.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from core.selection import decisions
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, Candidacy, Deliberation, Review, ReviewState, Role, Structure, User
from tests.core.review.builders import make_candidacy, make_criteria, name_reviewers, new_siret
from tests.core.selection.builders import version
from tests.e2e.conftest import engine_pointed_at
from tests.e2e.test_review import CRITERIA
from tests.e2e.test_several_processes import migrated_postgresql_database, two_apps_behind_nginx
from tests.e2e.writers import STEP_TIMEOUT_MS, Tab, Writing, choose, outcome, run_writers, settled, tick_only_row
from tests.factories import make_call, make_edition, make_network, make_session_token, make_user

pytestmark = pytest.mark.e2e
log = logging.getLogger(__name__)

WRITE_SECONDS = 60
SLOTS = 3
SEEDED = (Deliberation.SELECTED, Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.WAITLISTED)
OPEN_THEME = "Entretien et réemploi du mobilier public"
CLOSED_THEME = "Restauration collective en circuit court"
NETWORKS = ("Urtie (écritures)", "Initiatives 77 (écritures)", "Inclusiv'Essonne (écritures)",
            "PLIE du Val-d'Oise (écritures)", "Solidarités 93 (écritures)", "Coorace (écritures)",
            "SIAE des Hauts-de-Seine (écritures)", "EA du Val-de-Marne (écritures)")
# Distinct from their first word on: the board's search and the review form's list find each by it.
NAMES = ("Ardoise Insertion", "Bruyère Services", "Cèdre Solidaire", "Dauphine Emploi", "Églantine Atelier",
         "Fougère Travaux", "Genêt Propreté", "Hêtre Menuiserie", "Iris Restauration", "Jasmin Logistique",
         "Lavande Textile", "Mélèze Recyclage")
SUBMITTED = "Candidature déposée : un accusé de réception est envoyé à votre réseau."
REVIEWED = "Évaluation soumise."
DECIDED = "Décision enregistrée."
REDRAWN = "redessinée"  # not a refusal: the control showed a newer version before the click, which was not made
# Each refusal the rules may give under this load, by the start of its French message.
REFUSALS = {
    "submission": ("Cette structure a déjà été proposée pour cet appel",
                   "Cet élément a été modifié par quelqu'un d'autre"),
    "review": (),
    "decision": ("Le nombre de places de présentation est atteint", "Cette décision a été modifiée entre-temps"),
}
DECISIONS = {Deliberation.SELECTED: 5, Deliberation.WAITLISTED: 4, Deliberation.NOT_SELECTED: 1,
             Deliberation.PENDING: 1}  # how often a lead picks each; retaining is what contends
CONSENTS = ("La structure accepte le traitement de ses données pour cet appel à candidatures *",
            "La structure accepte que sa candidature soit communiquée aux acheteurs publics *")


@pytest.fixture(scope="module")
def database_url():
    with migrated_postgresql_database("openmap_writers") as url:
        yield url


@dataclass(frozen=True)
class Proposal:
    siret: str
    name: str
    title: str


@dataclass(frozen=True)
class Scene:
    open_call: int
    closed_call: int
    candidacies: dict[str, int]  # the closed call's, by name
    referents: list  # Actor, one per network
    reviewers: list
    leads: list


def seed() -> Scene:
    """An open call for the eight networks; a closed one with twelve submitted candidacies,
    four criteria, six reviewers named, three pitch slots of which two are taken and two on the
    waiting list; six lead accounts."""
    networks = [make_network(name) for name in NETWORKS]
    open_call = make_call(make_edition(), networks=tuple(networks))
    now = datetime.now(UTC)
    closed_call = make_call(make_edition(), networks=tuple(networks[:4]), opens_at=now - timedelta(days=30),
                            closes_at=now - timedelta(days=1))
    with unit_of_work() as session:
        session.get(Call, open_call).theme_title = OPEN_THEME
        closed = session.get(Call, closed_call)
        closed.theme_title, closed.pitch_slots = CLOSED_THEME, SLOTS
    make_criteria(closed_call)
    candidacies = {name: make_candidacy(closed_call, networks[i % 4], name=name) for i, name in enumerate(NAMES)}
    lead = make_user(Role.PILOTE, email="pilote.ecritures@exemple.fr")
    for name, decision in zip(NAMES, SEEDED, strict=False):  # one place left, two waiting: contended at once
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=candidacies[name],
                             expected_version=version(candidacies[name]), decision=decision)
    referents = [make_user(Role.RESEAU, network_id=n, email=f"referent{i}.ecritures@exemple.fr")
                 for i, n in enumerate(networks)]
    reviewers = [make_user(Role.EVALUATEUR, email=f"evaluateur{i}.ecritures@exemple.fr") for i in range(6)]
    name_reviewers(closed_call, *reviewers)
    leads = [make_user(Role.PILOTE, email=f"pilote{i}.ecritures@exemple.fr") for i in range(6)]
    return Scene(open_call, closed_call, candidacies, referents, reviewers, leads)


def proposals(referent: int, shared: list[str]) -> list[Proposal]:
    """First the structure its paired referent (4 apart) proposes at the same moment, then its own."""
    first = Proposal(shared[referent % 4], f"Structure partagée {referent % 4}", f"Offre {referent}-0")
    return [first, *(Proposal(new_siret(), f"Structure {referent}-{k}", f"Offre {referent}-{k}")
                     for k in range(1, 15))]


def score_of(reviewer: int, candidacy: int) -> int:
    return 1 + (reviewer + candidacy) % 5


# ---------------------------------------------------------------- the writers


async def submit_candidacies(w: Writing, *, call_id: int, structures: list[Proposal]) -> None:
    page = w.page

    async def new_form() -> None:
        await page.goto(f"{w.tab.base_url}/candidature?appel={call_id}")
        await settled(page, f"Candidature — {OPEN_THEME}")

    await new_form()
    await w.started()
    for proposal in structures:
        if not w.writing():
            return
        siret = page.get_by_label("SIRET *", exact=True)
        await siret.fill(proposal.siret)
        await siret.press("Tab")  # looked up in the directory: a known one fills the identity
        await settled(page)
        for label, value in {"Nom de la structure *": proposal.name, "Salariés en insertion": "12",
                             "Adresse *": "3 allée des Tilleuls", "Code postal *": "93200", "Ville *": "Saint-Denis",
                             "Nom du contact *": "Samia Benali", "E-mail du contact *": "samia@exemple.fr",
                             "Téléphone du contact *": "01 48 00 00 00", "Personne qui présentera *": "Samia Benali",
                             "Titre *": proposal.title, "Résumé *": "Entretien et réparation de mobilier.",
                             "Ce que la structure propose aux acheteurs sur ce thème *": "Lots réservés."}.items():
            await page.get_by_label(label, exact=True).fill(value)
        await choose(page, "Type de structure *", "EI — Entreprise d'insertion")
        await choose(page, "Département *", "93 — Seine-Saint-Denis")
        if "Hygiène et propreté" not in await page.get_by_test_id("stMultiSelect").inner_text():
            await choose(page, "Secteurs d'activité *", "Hygiène et propreté")  # a known structure has it
            await page.keyboard.press("Escape")
        for label in CONSENTS:
            await page.get_by_text(label, exact=True).click()
        await page.get_by_role("button", name="Déposer la candidature").click()
        done, message = await outcome(page, SUBMITTED)
        w.tab.tell("submission", (proposal.siret, proposal.title), done, message)
        await w.check(f"dépôt {proposal.title}")
        await new_form()


async def submit_reviews(w: Writing, *, reviewer: int) -> None:
    from playwright.async_api import expect

    page = w.page

    async def open_page() -> None:
        await page.goto(f"{w.tab.base_url}/evaluer")
        await settled(page, "Évaluer les candidatures")

    await open_page()
    await w.started()
    for k in range(len(NAMES)):
        if not w.writing():
            return
        index = (reviewer * 2 + k) % len(NAMES)  # each starts elsewhere: reviews of one candidacy overlap
        name = NAMES[index]
        await choose(page, "Candidature", name)
        await expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=STEP_TIMEOUT_MS)
        await expect(page.get_by_role("button", name="Soumettre", exact=True)).to_be_visible(timeout=STEP_TIMEOUT_MS)
        await settled(page)
        for label in CRITERIA:
            group = page.get_by_role("radiogroup", name=label)
            await group.locator("label").filter(has_text=str(score_of(reviewer, index))).first.click()
        await page.get_by_role("button", name="Soumettre", exact=True).click()
        done, message = await outcome(page, REVIEWED)
        w.tab.tell("review", (name,), done, message)
        await w.check(f"évaluation {name}")
        if not done:
            await open_page()  # the form's refusal would stay on the next candidacy's form


async def decide(w: Writing) -> None:
    """On the board: find a candidacy by its name, tick it, give it another decision than the
    one shown (on the waiting list at rank 1, or last), save, read what the page says."""
    page = w.page
    await page.goto(f"{w.tab.base_url}/evaluations")
    await settled(page, "Évaluations")
    await choose(page, "Appel", CLOSED_THEME)
    await settled(page, f"{len(NAMES)} candidature(s) sur {len(NAMES)} — cochez une ligne pour voir son détail.")
    await w.started()
    last = None
    while w.writing():
        name = w.rng.choice([n for n in NAMES if n != last])  # the same row again would untick it
        last = name
        search = page.get_by_label("Rechercher (nom de la structure ou SIRET)", exact=True)
        await search.fill(name)
        await search.press("Enter")
        await settled(page, f"1 candidature(s) sur {len(NAMES)} — cochez une ligne pour voir son détail.")
        await tick_only_row(page, name)
        group = page.get_by_role("radiogroup", name="Décision")
        shown = await checked(group)
        others = {decision: weight for decision, weight in DECISIONS.items() if decision != shown}
        wanted = w.rng.choices(list(others), list(others.values()))[0]
        await group.get_by_text(wanted.label, exact=True).click()
        await settled(page)
        rank = None
        if wanted == Deliberation.WAITLISTED and w.rng.random() < 0.5:
            box = page.get_by_label("Rang sur la liste d'attente", exact=True)
            await box.fill("1")
            await box.press("Enter")
            await settled(page)
            rank = 1
        if await checked(group) != wanted:  # drawn anew on a colleague's newer version: it shows that one
            w.tab.tell("decision", (name, wanted), False, REDRAWN)
            continue
        await page.get_by_role("button", name="Enregistrer la décision").click()
        done, message = await outcome(page, DECIDED)
        w.tab.tell("decision", (name, wanted, rank), done, message)
        await w.check(f"décision {name}")


async def checked(group) -> Deliberation:
    for decision in DECISIONS:
        if await group.get_by_role("radio", name=decision.label, exact=True).is_checked():
            return decision
    raise AssertionError("no decision is checked")


# ---------------------------------------------------------------- the test


def test_twenty_writers_over_both_processes_lose_nothing_duplicate_nothing_and_keep_the_rules(
        database_url, tmp_path):
    began = time.monotonic()
    with engine_pointed_at(database_url), two_apps_behind_nginx(tmp_path, database_url, ipv6=True) as (
            proxy, apps, access_log):
        scene = seed()
        addresses = [proxy, proxy.replace("127.0.0.1", "[::1]")]
        shared = [new_siret() for _ in range(4)]
        works, tabs = [], {}
        for kind, group, make_work in (
                ("referents", scene.referents, lambda i: partial(submit_candidacies, call_id=scene.open_call,
                                                                 structures=proposals(i, shared))),
                ("reviewers", scene.reviewers, lambda i: partial(submit_reviews, reviewer=i)),
                ("leads", scene.leads, lambda i: decide)):
            for i, actor in enumerate(group):  # every other tab through the other address: the other process
                tab = Tab(actor.email, make_session_token(actor), addresses[len(works) % 2])
                works.append((tab, make_work(i)))
                tabs.setdefault(kind, []).append(tab)
        run_writers(works, seconds=WRITE_SECONDS)
    every_tab = [tab for tab, _ in works]
    told = [t for tab in every_tab for t in tab.told]
    log.info("%.0f s in all; told: %s; served: %s", time.monotonic() - began, summary(told), served(access_log, apps))

    for tab in every_tab:
        log.debug("%s, at (s) and done: %s", tab.email, [(t.at, t.done) for t in tab.told])
    anomalies = [f"{tab.email}: {' / '.join(a.splitlines()[:6])}" for tab in every_tab for a in tab.anomalies]
    assert not anomalies, "\n".join(anomalies)
    unexpected = [(t.act, t.message) for t in told if not t.done and t.message != REDRAWN
                  and not t.message.startswith(REFUSALS[t.act])]
    assert unexpected == []
    # Each writer had at least one write answered, and each kind of write went through at least once.
    assert [tab.email for tab in every_tab if not any(t.message != REDRAWN for t in tab.told)] == []
    assert {t.act for t in told if t.done} == {"submission", "review", "decision"}
    with engine_pointed_at(database_url):
        check_submissions(scene, told)
        check_reviews(scene, tabs["reviewers"])
        check_decisions(scene, tabs["leads"])
    assert len(served(access_log, apps)) == 2  # each process served writers


def summary(told) -> dict:
    return dict(Counter((t.act, "faite" if t.done else t.message[:40]) for t in told))


def served(access_log: Path, apps) -> Counter:
    """How many of the tabs' WebSocket sessions each process served (nginx logs one as it closes)."""
    ports = Counter()
    for line in access_log.read_text().splitlines():
        if line.startswith("/_stcore/stream"):
            ports[int(line.split()[-1].rsplit(":", 1)[-1])] += 1
    assert set(ports) <= set(apps)
    return ports


def check_submissions(scene: Scene, told) -> None:
    """Every acknowledged candidacy is stored once, as typed, and nothing else is."""
    with read_only() as session:
        stored = session.execute(select(Structure.siret, Candidacy.pitch_title, Candidacy.network_id)
                                 .join(Structure, Structure.id == Candidacy.structure_id)
                                 .where(Candidacy.call_id == scene.open_call)).all()
    assert [s for s, n in Counter(siret for siret, _, _ in stored).items() if n > 1] == []
    acknowledged = {t.key for t in told if t.act == "submission" and t.done}
    assert {(siret, title) for siret, title, _ in stored} == acknowledged
    refused = {t.key[0] for t in told if t.act == "submission" and not t.done}
    assert refused <= {siret for siret, _, _ in stored}  # refused only because another network proposed it


def check_reviews(scene: Scene, tabs) -> None:
    """Every acknowledged review is stored once per reviewer and candidacy, with its scores."""
    wanted = {}
    for reviewer, tab in enumerate(tabs):
        for t in tab.told:
            if t.done:
                wanted[(tab.email, t.key[0])] = score_of(reviewer, NAMES.index(t.key[0]))
    names = {i: name for name, i in scene.candidacies.items()}
    with read_only() as session:
        stored = Counter()
        scores = {}
        for review, email in session.execute(select(Review, User.email).join(User, User.id == Review.reviewer_id)
                                             .where(Review.candidacy_id.in_(list(names)))):
            key = (email, names[review.candidacy_id])
            stored[key] += 1
            scores[key] = (review.state, sorted(s.value for s in review.scores))
    assert [k for k, n in stored.items() if n > 1] == []
    assert set(stored) == set(wanted)
    assert all(scores[k] == (ReviewState.SUBMITTED, [v] * len(CRITERIA)) for k, v in wanted.items()), scores


def check_decisions(scene: Scene, tabs) -> None:
    """No more retained than the slots, ranks 1..n, and each lead's acknowledged decisions are
    exactly its audit rows: none lost, none written twice, none written unacknowledged."""
    with read_only() as session:
        rows = session.execute(select(Candidacy.id, Candidacy.deliberation, Candidacy.waitlist_rank)
                               .where(Candidacy.call_id == scene.closed_call)).all()
        audit = session.execute(select(AuditEntry.actor_label, AuditEntry.object_id, AuditEntry.after)
                                .where(AuditEntry.action == "decision_set",
                                       AuditEntry.object_id.in_(list(scene.candidacies.values())))
                                .order_by(AuditEntry.id)).all()
        last = {}
        for row in session.execute(select(AuditEntry.object_id, AuditEntry.after)
                                   .where(AuditEntry.action.in_(("decision_set", "waitlist_shifted")),
                                          AuditEntry.object_id.in_(list(scene.candidacies.values())))
                                   .order_by(AuditEntry.id)):
            last[row.object_id] = row.after
    assert sum(d == Deliberation.SELECTED for _, d, _ in rows) <= SLOTS
    ranks = sorted(r for _, d, r in rows if d == Deliberation.WAITLISTED)
    assert ranks == list(range(1, len(ranks) + 1))
    assert all(r is None for _, d, r in rows if d != Deliberation.WAITLISTED)
    for tab in tabs:
        acknowledged = Counter((scene.candidacies[t.key[0]], t.key[1].value) for t in tab.told if t.done)
        written = Counter((i, after["deliberation"]) for label, i, after in audit if label == tab.email)
        assert acknowledged == written, tab.email
    for candidacy, deliberation, rank in rows:  # the audit's last word on each is what is stored
        assert last.get(candidacy, {"deliberation": "pending", "waitlist_rank": None}) == {
            "deliberation": deliberation.value, "waitlist_rank": rank}
