"""The review board: its figures through the database (weights, abstentions, conflicts,
revisions, drafts, assignments), its typed columns, filters, sorts and query count; a
candidacy's detail; the progress per call and reviewer."""

import math
from dataclasses import replace

import pandas as pd
import pytest

from core.calls import calls
from core.errors import NotAllowed
from core.review import assignment, board, reviews
from core.review.board import BoardFilter, filter_board, sort_board
from core.review.reviewers import declare_conflict
from db.engine import read_only, unit_of_work
from db.models import Call, CallState, Candidacy, Deliberation, Role, StructureKind, Submission
from tests.core.review.builders import bulk_reviews, make_candidacy, name_reviewers, score
from tests.factories import make_call, make_edition, make_user
from tests.querycount import counting


def read(scene, actor=None):
    with read_only() as session:
        return board.board(session, actor=actor or scene.lead, call_id=scene.call)


def test_weighted_total_uses_the_call_weights(scene):
    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (5, 4, 3, 2), criteria=scene.criteria)  # (15 + 8 + 6 + 2) / 8
    score(scene.bruno, candidacy, (3, 3, 3, 3), criteria=scene.criteria)
    row = read(scene).frame.loc[candidacy]
    assert row["weighted"] == pytest.approx((31 / 8 + 3) / 2)
    assert row["median"] == pytest.approx((31 / 8 + 3) / 2)
    assert row["spread"] == pytest.approx(31 / 8 - 3)
    assert (row["reviews_done"], row["reviews_expected"], row["progress"]) == (2, 2, 1.0)
    assert row[f"criterion_{scene.criteria[0]}"] == 4.0


def test_changing_a_weight_recomputes_the_board(scene):
    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (5, 1, 1, 1), criteria=scene.criteria)
    before = read(scene).frame.loc[candidacy, "weighted"]
    from db.models import Criterion

    with unit_of_work() as session:
        session.get(Criterion, scene.criteria[0]).weight = 1
    assert (before, read(scene).frame.loc[candidacy, "weighted"]) == (pytest.approx(20 / 8), pytest.approx(10 / 6))


def test_changing_weights_through_the_call_form_recomputes_totals_and_order(scene):
    heavy_first, heavy_last = scene.candidacy(), scene.candidacy()
    score(scene.alice, heavy_first, (5, 1, 1, 1), criteria=scene.criteria)  # weights 3,2,2,1: 20 / 8
    score(scene.alice, heavy_last, (1, 1, 1, 5), criteria=scene.criteria)  # 12 / 8
    first = read(scene).frame
    with read_only() as session:
        detail = calls.call_detail(session, actor=scene.lead, call_id=scene.call)
    reversed_weights = tuple((label, weight) for (label, _), weight in zip(detail.data.criteria, (1, 2, 2, 3),
                                                                           strict=True))
    with unit_of_work() as session:
        calls.save_call(session, actor=scene.lead, call_id=scene.call, expected_version=detail.version,
                        data=replace(detail.data, eligible_kinds=("EI",), eligible_departements=("95",),
                                     criteria=reversed_weights))
    second = read(scene).frame
    assert list(first.loc[[heavy_first, heavy_last], "weighted"]) == [pytest.approx(2.5), pytest.approx(1.5)]
    assert list(second.loc[[heavy_first, heavy_last], "weighted"]) == [pytest.approx(1.5), pytest.approx(2.5)]
    assert list(sort_board(first).index) == [heavy_first, heavy_last]
    assert list(sort_board(second).index) == [heavy_last, heavy_first]


def test_draft_reviews_are_not_counted_and_abstentions_are_not_expected(scene):
    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (5, 5, 5, 5), criteria=scene.criteria, submit=False)
    with unit_of_work() as session:
        reviews.abstain(session, actor=scene.bruno, candidacy_id=candidacy, reason="Ancien client",
                        expected_version=None)
    row = read(scene).frame.loc[candidacy]
    assert (row["reviews_done"], row["reviews_expected"]) == (0, 1)
    assert math.isnan(row["weighted"]) and pd.isna(row["rank"])


def test_a_conflict_declared_after_reviewing_removes_the_review_from_the_figures(scene):
    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (1, 1, 1, 1), criteria=scene.criteria)
    score(scene.bruno, candidacy, (5, 5, 5, 5), criteria=scene.criteria)
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, network_id=scene.network)
    row = read(scene).frame.loc[candidacy]
    assert (row["reviews_done"], row["reviews_expected"], row["weighted"]) == (1, 1, 5.0)
    assert [r["reviewer_id"] for _, r in read(scene).reviews.iterrows()] == [scene.bruno.user_id]


def test_a_revision_changes_the_figures(scene):
    candidacy = scene.candidacy()
    version = score(scene.alice, candidacy, (2, 2, 2, 2), criteria=scene.criteria)
    score(scene.alice, candidacy, (4, 4, 4, 4), criteria=scene.criteria, version=version)
    assert read(scene).frame.loc[candidacy, "weighted"] == 4.0


def test_normalised_rank_undoes_a_harsh_reviewer(scene):
    a, b, c, d = (scene.candidacy() for _ in range(4))
    with unit_of_work() as session:
        session.get(Call, scene.call).assigned_reviews = 1
    for candidacy, reviewer in ((a, scene.alice), (b, scene.alice), (c, scene.bruno), (d, scene.bruno)):
        with unit_of_work() as session:
            from db.models import ReviewAssignment

            session.add(ReviewAssignment(candidacy_id=candidacy, reviewer_id=reviewer.user_id))
    for candidacy, reviewer, value in ((a, scene.alice, 1), (b, scene.alice, 2), (c, scene.bruno, 4),
                                       (d, scene.bruno, 5)):
        score(reviewer, candidacy, (value,) * 4, criteria=scene.criteria)
    frame = read(scene).frame
    assert frame.loc[[a, b, c, d], "rank"].tolist() == [3, 1, 3, 1]
    assert frame.loc[[a, b, c, d], "reviews_expected"].tolist() == [1, 1, 1, 1]  # assigned: one each
    assert list(sort_board(frame, "weighted").index) == [d, c, b, a]
    assert list(sort_board(frame, "normalised").index)[:2] == sorted([b, d], key=lambda i: frame.loc[i, "structure"])


def test_board_frame_is_typed_and_lists_only_submitted_candidacies(scene):
    submitted = scene.candidacy(name="Bâti'Insert 95")
    scene.candidacy(submission=Submission.DRAFT)
    scene.candidacy(submission=Submission.WITHDRAWN)
    result = read(scene)
    frame = result.frame
    assert list(frame.index) == [submitted]
    assert str(frame["submitted_at"].dtype).endswith(", Europe/Paris]")
    dtypes = frame.dtypes.astype(str).to_dict()
    assert {dtypes[c] for c in ("reviews_done", "reviews_expected")} == {"int64"}
    assert {dtypes[c] for c in ("weighted", "median", "spread", "normalised", "progress")} == {"float64"}
    assert dtypes["rank"] == "Int64" and dtypes["contested"] == "bool" and dtypes["mine"] == "bool"
    assert frame.loc[submitted, "sectors"] == ["Bâtiment et travaux publics"]
    assert frame.loc[submitted, "decision"] is None
    assert result.criteria[0].label == "Adéquation avec le thème"


def test_decision_column_shows_the_decision_with_the_waiting_rank(scene):
    chosen, waiting = scene.candidacy(), scene.candidacy()
    with unit_of_work() as session:
        session.get(Candidacy, chosen).deliberation = Deliberation.SELECTED
        row = session.get(Candidacy, waiting)
        row.deliberation, row.waitlist_rank = Deliberation.WAITLISTED, 2
    frame = read(scene).frame
    assert frame.loc[[chosen, waiting], "decision"].tolist() == ["Retenue", "Liste d'attente (2)"]


def test_each_row_carries_the_version_and_decision_a_decision_must_name(scene):
    pending, waiting = scene.candidacy(), scene.candidacy()
    with unit_of_work() as session:
        row = session.get(Candidacy, waiting)
        row.deliberation, row.waitlist_rank, row.version = Deliberation.WAITLISTED, 1, 7
    frame = read(scene).frame
    assert frame.loc[[pending, waiting], "version"].tolist() == [1, 7]
    assert str(frame["version"].dtype) == "int64" and str(frame["waitlist_rank"].dtype) == "Int64"
    assert frame.loc[[pending, waiting], "deliberation"].tolist() == ["pending", "waitlisted"]
    assert frame.loc[waiting, "waitlist_rank"] == 1 and pd.isna(frame.loc[pending, "waitlist_rank"])


def test_an_empty_call_gives_an_empty_typed_board(scene):
    frame = read(scene).frame
    assert frame.empty and "weighted" in frame.columns and str(frame["rank"].dtype) == "Int64"


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_sees_the_board_detail_and_progress(scene, role):
    candidacy = scene.candidacy()
    someone = make_user(role)
    with read_only() as session:
        for read_it in (lambda: board.board(session, actor=someone, call_id=scene.call),
                        lambda: board.detail(session, actor=someone, candidacy_id=candidacy),
                        lambda: board.progress(session, actor=someone, call_ids=[scene.call])):
            with pytest.raises(NotAllowed):
                read_it()


# ---------------------------------------------------------------- filters and search


@pytest.fixture
def varied(scene):
    ids = {
        "bati": scene.candidacy(name="Bâti'Insert 95", siret="73282932000074"),
        "ecole": scene.candidacy(name="École du Numérique", kind=StructureKind.EA, departement="93",
                                 sectors=("Prestations informatiques",), network=scene.other_network),
        "jardin": scene.candidacy(name="Jardins de Cocagne", kind=StructureKind.ACI, departement="77",
                                  sectors=("Espaces verts et extérieurs", "Restauration")),
    }
    score(scene.alice, ids["bati"], (1, 1, 1, 1), criteria=scene.criteria)
    score(scene.bruno, ids["bati"], (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.alice, ids["ecole"], (4, 4, 4, 4), criteria=scene.criteria)
    return ids


def kept(scene, actor=None, **filters):
    frame = read(scene, actor).frame
    names = dict(frame["structure"].items())
    return sorted(names[i] for i in filter_board(frame, BoardFilter(**filters)).index)


def test_filters_by_network_kind_departement_and_sector(scene, varied):
    with read_only() as session:
        other = session.get(Call, scene.call).invited_networks  # names of the two networks
    other_name = next(n.name for n in other if n.id == scene.other_network)
    assert kept(scene, networks=(other_name,)) == ["École du Numérique"]
    assert kept(scene, kinds=("ACI", "EA")) == ["Jardins de Cocagne", "École du Numérique"]
    assert kept(scene, departements=("95",)) == ["Bâti'Insert 95"]
    assert kept(scene, sectors=("Restauration", "Prestations informatiques")) == ["Jardins de Cocagne",
                                                                                  "École du Numérique"]


def test_filters_reviewed_by_me_and_contested(scene, varied):
    assert kept(scene, reviewed=True) == ["Bâti'Insert 95"]
    assert kept(scene, reviewed=False) == ["Jardins de Cocagne", "École du Numérique"]
    name_reviewers(scene.call, scene.lead)
    score(scene.lead, varied["jardin"], (2, 2, 2, 2), criteria=scene.criteria)
    assert kept(scene, by_me=True) == ["Jardins de Cocagne"]
    assert kept(scene, by_me=False) == ["Bâti'Insert 95", "École du Numérique"]
    assert kept(scene, contested=True) == ["Bâti'Insert 95"]  # 1 and 3: spread 2


@pytest.mark.parametrize(("text", "expected"), [
    ("bati insert", ["Bâti'Insert 95"]), ("ÉCOLE", ["École du Numérique"]), ("732 829 320", ["Bâti'Insert 95"]),
    ("73282932000074", ["Bâti'Insert 95"]), ("cocagne", ["Jardins de Cocagne"]), ("zzz", []),
])
def test_search_on_name_and_siret(scene, varied, text, expected):
    assert kept(scene, search=text) == expected


def test_sort_puts_candidacies_without_reviews_last_and_ties_by_french_name(scene, varied):
    frame = read(scene).frame
    names = list(sort_board(frame, "weighted")["structure"])
    assert names == ["École du Numérique", "Bâti'Insert 95", "Jardins de Cocagne"]
    with pytest.raises(ValueError):
        sort_board(frame, "name")


# ---------------------------------------------------------------- query count


def test_board_statement_count_is_the_same_for_3_and_300_candidacies(db):
    lead = make_user(Role.PILOTE)
    reviewers = [make_user(Role.EVALUATEUR) for _ in range(3)]
    from tests.core.review.builders import make_criteria
    from tests.factories import make_network

    network = make_network()
    call = make_call(make_edition(), networks=(network,))
    criteria = make_criteria(call)
    name_reviewers(call, *reviewers)

    def count() -> int:
        with counting(db) as statements, read_only() as session:
            result = board.board(session, actor=lead, call_id=call)
        return len(statements), len(result.frame)

    bulk_reviews(call, network, reviewers, criteria, 3)
    few = count()
    bulk_reviews(call, network, reviewers, criteria, 297)
    many = count()
    assert (few[1], many[1]) == (3, 300)
    assert few[0] == many[0] <= 9


# ---------------------------------------------------------------- detail and progress


def test_detail_has_every_review_with_comments_the_history_and_earlier_editions(scene):
    earlier_call = make_call(make_edition(number=6))
    candidacy = scene.candidacy(siret="73282932000074", name="Bâti'Insert 95")
    with read_only() as session:
        structure_id = session.get(Candidacy, candidacy).structure_id
    make_candidacy(earlier_call, scene.network, structure_id=structure_id)
    score(scene.alice, candidacy, (5, 4, 3, 2), criteria=scene.criteria, comment="Solide",
          shared_comment="Belle offre")
    with unit_of_work() as session:
        reviews.abstain(session, actor=scene.bruno, candidacy_id=candidacy, reason="Ancien client",
                        expected_version=None)
        session.get(Call, scene.call).assigned_reviews = 2
    with unit_of_work() as session:
        assignment.set_assignees(session, actor=scene.lead, candidacy_id=candidacy,
                                 reviewer_ids=[scene.alice.user_id])
    with read_only() as session:
        found = board.detail(session, actor=scene.lead, candidacy_id=candidacy)
    assert found.facts.name == "Bâti'Insert 95" and found.facts.siret == "73282932000074"
    by_state = {v.state.value: v for v in found.reviews}
    assert by_state["submitted"].comment == "Solide" and by_state["submitted"].shared_comment == "Belle offre"
    assert by_state["submitted"].total == pytest.approx(31 / 8) and by_state["submitted"].counted
    assert by_state["abstained"].abstention_reason == "Ancien client" and not by_state["abstained"].counted
    assert found.assignees == [scene.alice.full_name]
    assert [h.action for h in found.history] == ["review_assigned", "review_abstained", "review_submitted"]
    assert [(e.edition_number, e.outcome) for e in found.earlier] == [(6, "Déposée")]


def test_progress_per_call_and_reviewer(scene):
    first, second = scene.candidacy(), scene.candidacy()
    score(scene.alice, first, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.alice, second, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.bruno, first, (3, 3, 3, 3), criteria=scene.criteria, submit=False)
    other_call = make_call(make_edition())
    with read_only() as session:
        figures = board.progress(session, actor=scene.lead, call_ids=[scene.call, other_call])
    assert figures[["reviewer_id", "done", "expected"]].values.tolist() == [
        [scene.alice.user_id, 2, 2], [scene.bruno.user_id, 0, 2]]
    assert figures.dtypes["done"] == "int64"


def test_board_names_the_reviewers_assigned_to_each_candidacy(scene):
    first, second = scene.candidacy(), scene.candidacy()
    with unit_of_work() as session:
        assignment.distribute(session, actor=scene.lead, call_id=scene.call, per_candidacy=2)
    frame = read(scene).frame
    assert frame.loc[first, "assigned_to"] == sorted([scene.alice.full_name, scene.bruno.full_name])
    assert frame.loc[second, "reviews_expected"] == 2


def test_review_calls_lists_every_call_with_its_state_for_the_lead(scene):
    draft = make_call(make_edition(), state=CallState.DRAFT)
    with read_only() as session:
        choices = {c.id: c for c in board.review_calls(session, actor=scene.lead)}
    assert choices[draft].draft and not choices[scene.call].draft and not choices[scene.call].closed
    assert choices[draft].label.endswith("(brouillon)")


def test_a_link_declared_after_the_decisions_are_published_leaves_that_call_s_figures_alone(scene):
    from core.errors import ValidationFailed
    from core.review.reviewers import withdraw_conflict
    from tests.core.review.builders import publish_decisions

    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (1, 1, 1, 1), criteria=scene.criteria)
    score(scene.bruno, candidacy, (5, 5, 5, 5), criteria=scene.criteria)
    frozen = read(scene).frame.loc[candidacy, ["reviews_done", "weighted"]].tolist()
    publish_decisions(scene.call)
    with unit_of_work() as session:
        conflict_id = declare_conflict(session, actor=scene.alice, network_id=scene.network)
    assert read(scene).frame.loc[candidacy, ["reviews_done", "weighted"]].tolist() == frozen == [2, 3.0]
    with unit_of_work() as session:  # a link that never counted on a published call may go
        withdraw_conflict(session, actor=scene.alice, conflict_id=conflict_id)
    # One that did count there stays: withdrawing it would rewrite that call's figures.
    scene2_candidacy = scene.candidacy(network=scene.other_network)
    with unit_of_work() as session:
        session.get(Call, scene.call).decisions_published_at = None
        earlier = declare_conflict(session, actor=scene.bruno, network_id=scene.other_network)
    score(scene.alice, scene2_candidacy, (2, 2, 2, 2), criteria=scene.criteria)
    publish_decisions(scene.call)
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        withdraw_conflict(session, actor=scene.bruno, conflict_id=earlier)
