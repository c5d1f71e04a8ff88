"""The home pages of the project lead, the reviewers and the network referents."""

from datetime import UTC, datetime, timedelta

from db.engine import unit_of_work
from db.models import Call, CallState, Role
from tests.core.review.builders import name_reviewers
from tests.factories import make_call, make_edition, make_network
from tests.pages.conftest import ROOM_AT_1400, no_exception, open_app, shown_widths, texts
from ui.forms import escape_md


def test_pilotage_home_without_editions_says_so(as_role):
    at = open_app(as_role(Role.PILOTE), "pages/pilotage/accueil.py")
    no_exception(at)
    assert texts(at.title) == ["Tableau de bord"]
    assert texts(at.info) == ["Aucune rencontre n'est encore créée : commencez par « Rencontres et appels »."]


def test_pilotage_home_lists_every_call(as_role):
    make_call(make_edition(7), state=CallState.DRAFT)
    make_call(make_edition(8))
    at = open_app(as_role(Role.PILOTE))
    no_exception(at)
    assert texts(at.title) == ["Tableau de bord"]
    assert texts(at.subheader)[0] == "Thème de test"  # the open call's figures come first
    assert [m.value for m in at.metric][:2] == ["0", "0"]
    table = at.dataframe[-1].value  # then every call
    assert len(table) == 2
    assert set(table["Rencontre"]) == {"n° 7 — Rencontre de test", "n° 8 — Rencontre de test"}
    assert set(table["État"]) == {"Brouillon", "Ouvert"}


def test_evaluateur_home_lists_only_the_calls_she_reviews(as_role):
    reviewer = as_role(Role.EVALUATEUR)
    retitle(make_call(), "Autre appel")
    name_reviewers(retitle(make_call(), "Appel qu'elle évalue"), reviewer)
    at = open_app(reviewer, "pages/evaluateur/accueil.py")
    no_exception(at)
    assert texts(at.title) == ["Évaluation"]
    assert list(at.dataframe[0].value["Appel"]) == ["Appel qu'elle évalue"]


def test_evaluateur_home_table_fits_beside_the_sidebar_at_1400_px(as_role):
    reviewer = as_role(Role.EVALUATEUR)
    name_reviewers(retitle(make_call(), "Propreté, entretien des espaces et gestion des déchets"), reviewer)
    at = open_app(reviewer, "pages/evaluateur/accueil.py")
    widths = shown_widths(at.dataframe[0])
    assert "Évaluations closes" in widths and sum(widths.values()) <= ROOM_AT_1400


def test_evaluateur_home_without_calls_says_so(as_role):
    make_call()  # a call she was not named for
    at = open_app(as_role(Role.EVALUATEUR))
    no_exception(at)
    assert texts(at.title) == ["Évaluation"]
    assert texts(at.info) == ["Vous n'évaluez aucun appel pour le moment."]


def retitle(call_id: int, title: str) -> int:
    with unit_of_work() as session:
        session.get(Call, call_id).theme_title = title
    return call_id


def test_reseau_home_shows_only_published_calls_its_network_is_invited_to(as_role):
    own, other = make_network("Réseau Nord"), make_network("Réseau Sud")
    now = datetime.now(UTC)
    retitle(make_call(make_edition(1), networks=(own,)), "Appel ouvert")
    retitle(make_call(make_edition(2), networks=(own,), state=CallState.DRAFT), "Appel brouillon")
    retitle(make_call(make_edition(3), networks=(other,)), "Appel d'un autre réseau")
    retitle(make_call(make_edition(4), networks=(own, other), opens_at=now + timedelta(days=2),
                      closes_at=now + timedelta(days=9)), "Appel à venir")
    at = open_app(as_role(Role.RESEAU, network_id=own), "pages/reseau/accueil.py")
    no_exception(at)
    assert texts(at.title) == ["Réseau Nord"]
    assert sorted(texts(at.subheader)) == ["Appel ouvert", "Appel à venir"]
    states = " ".join(texts(at.main.markdown))
    assert "**Ouvert** — il reste 9 j" in states and "Ouvre le " in states
    assert [p.proto.label for p in at.main.get("page_link")] == ["Proposer une structure"]


def test_reseau_home_without_calls_says_so(as_role):
    name = "Réseau (Val-d'Oise)"
    at = open_app(as_role(Role.RESEAU, network_id=make_network(name)))
    no_exception(at)
    assert texts(at.title) == [escape_md(name)]
    assert texts(at.info) == [f"{escape_md(name)} n'est invité à aucun appel pour le moment."]


def test_pilotage_pages_run_for_a_project_lead(as_role):
    lead = as_role(Role.PILOTE)
    for page, title in [("pages/pilotage/appels.py", "Rencontres et appels"),
                        ("pages/pilotage/annuaire.py", "Annuaire des structures")]:
        at = open_app(lead, page)
        no_exception(at)
        assert texts(at.title) == [title]


def test_reseau_new_candidacy_page_runs_without_open_call(as_role):
    at = open_app(as_role(Role.RESEAU), "pages/reseau/candidature.py")
    no_exception(at)
    assert texts(at.title) == ["Nouvelle candidature"]
    assert texts(at.info) == ["Aucun appel ouvert pour votre réseau en ce moment."]
