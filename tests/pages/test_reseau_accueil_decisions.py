"""A network's home shows the outcome of its own candidacies, with the waiting-list rank,
only once the call's decisions are published; never another network's, nor any score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.selection import decisions, publication
from db.engine import read_only, unit_of_work
from db.models import Call, Role
from tests.core.selection.builders import Spec, make_candidacies, version
from tests.factories import make_call, make_network, make_user
from tests.pages.conftest import no_exception, open_app
from ui.forms import escape_md

PAGE = "pages/reseau/accueil.py"


@pytest.fixture
def scene(sqlite_db):
    """A closed call: the network's Alpha retained, Bravo waiting at rank 2; another
    network's Zulu waiting at rank 1."""
    ours, theirs = make_network("Urtie"), make_network("PLIE Nord")
    now = datetime.now(UTC)
    call_id = make_call(networks=(ours, theirs), opens_at=now - timedelta(days=30),
                        closes_at=now - timedelta(days=1))
    with unit_of_work() as session:
        session.get(Call, call_id).pitch_slots = 1
    alpha, zulu, bravo = make_candidacies(call_id, [Spec(name="Alpha", network="Urtie"),
                                                    Spec(name="Zulu", network="PLIE Nord"),
                                                    Spec(name="Bravo", network="Urtie")])
    lead = make_user(Role.PILOTE)
    for candidacy_id, decision in ((alpha, "selected"), (zulu, "waitlisted"), (bravo, "waitlisted")):
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                             decision=decision)
    return {"call": call_id, "lead": lead, "referent": make_user(Role.RESEAU, network_id=ours)}


def publish(scene):
    with read_only() as session:
        shown = publication.preview(session, actor=scene["lead"], call_id=scene["call"])
    with unit_of_work() as session:
        publication.publish(session, actor=scene["lead"], call_id=scene["call"], fingerprint=shown.fingerprint)


def own_table(scene):
    at = open_app(scene["referent"], PAGE)
    no_exception(at)
    [table] = at.dataframe
    return table.value.set_index("Structure")


def links(scene) -> list[str]:
    at = open_app(scene["referent"], PAGE)
    return sorted(link.label for link in at.get("page_link"))


def test_the_network_reads_only_the_submission_status_before_publication(scene):
    table = own_table(scene)
    assert sorted(table.index) == ["Alpha", "Bravo"]
    assert set(table["Statut"]) == {"Déposée"}
    assert "Rang en liste d'attente" not in table.columns  # the ranks stay private too
    assert links(scene) == [escape_md("Alpha — Déposée"), escape_md("Bravo — Déposée")]


def test_the_network_reads_its_outcomes_and_rank_once_published(scene):
    publish(scene)
    table = own_table(scene)
    assert sorted(table.index) == ["Alpha", "Bravo"]  # never Zulu, another network's
    assert table.loc["Alpha", "Statut"] == "Retenue" and table.loc["Bravo", "Statut"] == "Liste d'attente"
    assert table.loc["Bravo", "Rang en liste d'attente"] == 2 and str(table["Rang en liste d'attente"].dtype) == "Int64"
    assert not [c for c in table.columns if "ote" in c or "Score" in c or "omment" in c]
    assert links(scene) == [escape_md("Alpha — Retenue"), escape_md("Bravo — Liste d'attente (rang 2)")]
