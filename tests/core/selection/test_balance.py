"""The balance figures and the candidates frame they read."""

import pandas as pd
import pytest

from core.errors import NotAllowed
from core.selection import decisions, frames
from core.selection.balance import balance
from db.engine import read_only, unit_of_work
from db.models import Candidacy, Deliberation, Role, Submission
from tests.core.selection.builders import Spec, make_candidacies, make_selection_call, version
from tests.factories import make_user
from tests.querycount import statements_of


def record(candidacy_id, *, network="Urtie", kind="EI", departement="95", sectors=("Restauration",),
           deliberation="pending", score=None, rank=None):
    return {"candidacy_id": candidacy_id, "name": f"S{candidacy_id}", "network_id": hash(network) % 1000,
            "network": network, "kind": kind, "departement": departement, "sectors": list(sectors),
            "deliberation": deliberation, "waitlist_rank": rank, "version": 1, "score": score}


def counts(frame: pd.DataFrame, outcome: str = "Retenue") -> dict[str, int]:
    return dict(zip(frame[frame["outcome"] == outcome]["group"], frame[frame["outcome"] == outcome]["count"],
                    strict=True))


def test_balance_counts_retained_and_waitlisted_by_every_dimension_with_zeros():
    frame = frames.candidates_frame([
        record(1, network="Urtie", kind="ESAT", departement="93", deliberation="selected",
               sectors=("Restauration", "Médico-social")),
        record(2, network="Initiatives 77", kind="EI", departement="77", deliberation="selected"),
        record(3, network="Urtie", kind="ACI", departement="93", deliberation="waitlisted", rank=1),
        record(4, network="Écoles", kind="EA", departement="75", deliberation="not_selected"),
        record(5, network="Écoles", kind="EA", departement="75"),
    ])
    figures = balance(frame)
    assert (figures.retained, figures.waitlisted) == (2, 1)
    assert counts(figures.by_network) == {"Écoles": 0, "Initiatives 77": 1, "Urtie": 1}  # French order
    assert list(counts(figures.by_network)) == ["Écoles", "Initiatives 77", "Urtie"]
    assert counts(figures.by_network, "Liste d'attente") == {"Écoles": 0, "Initiatives 77": 0, "Urtie": 1}
    assert counts(figures.by_kind) == {"EI": 1, "ACI": 0, "EA": 0, "ESAT": 1}  # reference order
    assert counts(figures.by_departement) == {"75 (Paris)": 0, "77 (Seine-et-Marne)": 1,
                                              "93 (Seine-Saint-Denis)": 1}
    assert counts(figures.by_sector) == {"Restauration": 2, "Médico-social": 1}
    assert counts(figures.by_family) == {"Insertion (IAE)": 1, "Handicap (EA, EATT, ESAT)": 1}
    shares = figures.by_family[figures.by_family["outcome"] == "Liste d'attente"]
    assert list(shares["share"]) == [1.0, 0.0]
    assert dict(figures.by_kind.dtypes.astype(str)) == {"group": "string", "outcome": "string", "count": "int64",
                                                        "share": "float64"}


def test_balance_of_no_decision_is_all_zeros():
    figures = balance(frames.candidates_frame([record(1), record(2, network="PLIE")]))
    assert (figures.retained, figures.waitlisted) == (0, 0)
    assert figures.by_network["count"].sum() == 0 and set(figures.by_network["share"]) == {0.0}


def test_balance_of_an_empty_frame():
    figures = balance(frames.candidates_frame([]))
    assert all(frame.empty for frame in figures.frames().values() if frame is not figures.by_family)


def test_balance_reads_any_outcome_column_such_as_a_proposal():
    frame = frames.candidates_frame([record(1), record(2, network="PLIE")]).assign(
        proposed=["selected", "waitlisted"])
    figures = balance(frame, outcome="proposed")
    assert (figures.retained, figures.waitlisted) == (1, 1)


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def test_decisions_frame_holds_the_submitted_candidacies_typed(pilote):
    call_id = make_selection_call()
    ids = make_candidacies(call_id, [Spec(kind="ESAT", network="PLIE", sectors=("Restauration", "Médico-social")),
                                     Spec(), Spec(submission=Submission.DRAFT)])
    with unit_of_work() as session:
        decisions.decide(session, actor=pilote, candidacy_id=ids[1], expected_version=version(ids[1]),
                         decision=Deliberation.WAITLISTED)
    with read_only() as session:
        frame = frames.decisions_frame(session, actor=pilote, call_id=call_id)
    assert list(frame["candidacy_id"]) == ids[:2]
    assert list(frame["family"]) == ["handicap", "IAE"]
    assert frame["sectors"].iloc[0] == ["Restauration", "Médico-social"]
    assert list(frame["deliberation"]) == ["pending", "waitlisted"]
    assert list(frame["waitlist_rank"].astype("object").fillna(0)) == [0, 1]
    assert list(frame["version"]) == [1, 2]
    assert frame["score"].isna().all()
    assert dict(frame.dtypes.astype(str)) == {c: str(pd.Series(dtype=t).dtype) for c, t in frames.COLUMNS.items()}
    scored = frames.with_scores(frame, {ids[0]: 4.5})
    assert scored["score"].tolist()[0] == 4.5 and pd.isna(scored["score"].tolist()[1])


def test_decisions_frame_runs_one_query_whatever_the_rows(pilote, db):
    call_id = make_selection_call()

    def load():
        with read_only() as session:
            frames.decisions_frame(session, actor=pilote, call_id=call_id)

    make_candidacies(call_id, 2)
    few = statements_of(db, load)
    make_candidacies(call_id, 20)
    assert statements_of(db, load) == few


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_decisions_frame_is_for_the_lead_only(db, role):
    with pytest.raises(NotAllowed), read_only() as session:
        frames.decisions_frame(session, actor=make_user(role), call_id=1)


def test_decisions_frame_reads_missing_values_and_the_balance_counts_them(pilote):
    # Sectors stored as JSON null or an empty list, no kind, no name: the frame keeps its types, and a
    # retained candidacy without sector still counts, under « Non renseigné ».
    call_id = make_selection_call()
    ids = make_candidacies(call_id, [Spec(sectors=("Restauration",)), Spec(), Spec()])
    with unit_of_work() as session:
        bare, nulled = session.get(Candidacy, ids[1]), session.get(Candidacy, ids[2])
        bare.sectors, bare.kind, bare.name = None, None, None
        nulled.sectors = []
    with unit_of_work() as session:
        decisions.decide(session, actor=pilote, candidacy_id=ids[1], expected_version=version(ids[1]),
                         decision=Deliberation.SELECTED)
    with read_only() as session:
        frame = frames.decisions_frame(session, actor=pilote, call_id=call_id)
    assert list(frame["sectors"]) == [["Restauration"], [], []]
    assert frame["kind"].isna().tolist() == [False, True, False] and pd.isna(frame["family"].iloc[1])
    assert frame["name"].iloc[1] == ""
    assert dict(frame.dtypes.astype(str)) == {c: str(pd.Series(dtype=t).dtype) for c, t in frames.COLUMNS.items()}
    sectors = balance(frame).by_sector
    retained = sectors[sectors["outcome"] == Deliberation.SELECTED.label]
    assert dict(zip(retained["group"], retained["count"], strict=True)) == {"Restauration": 0, "Non renseigné": 1}
