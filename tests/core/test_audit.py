"""The audit log: what record() stores and how list_entries() filters and orders it."""

import ast
import re
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path

import pytest
from sqlalchemy import select
from stdnum import luhn

from core import audit
from core.audit import AuditFilter
from core.candidacies import saving
from core.errors import NotAllowed
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Role
from tests.factories import complete_form, make_call, make_network, make_user
from tests.querycount import statements_of

ROOT = Path(__file__).resolve().parents[2]


def add(action="sign_in", *, at: datetime, actor_label="someone@exemple.fr", detail=None, ip="192.0.2.1") -> int:
    with unit_of_work() as session:
        entry = audit.record(session, actor=None, actor_label=actor_label, action=action, detail=detail,
                             ip_address=ip)
        entry.at = at
        session.flush()
        return entry.id


def ids(actor, **filters) -> list[int]:
    with read_only() as session:
        return [row.entry.id for row in audit.list_entries(session, actor=actor, filters=AuditFilter(**filters))]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN)


def test_record_stores_who_what_and_plain_before_after(admin):
    class Colour(Enum):
        RED = "rouge"

    with unit_of_work() as session:
        entry = audit.record(
            session, actor=admin, action="account_updated", object_type="user", object_id=12, network_id=None,
            before={"role": Role.PILOTE, "when": date(2030, 1, 2)}, after={"colour": Colour.RED, "tags": ("a", "b")},
        )
        session.flush()
        entry_id = entry.id
    with read_only() as session:
        [entry] = [row.entry for row in audit.list_entries(session, actor=admin) if row.entry.id == entry_id]
        assert (entry.actor_id, entry.actor_label, entry.action, entry.object_type, entry.object_id) == (
            admin.user_id, admin.email, "account_updated", "user", 12)
        assert entry.before == {"role": "pilote", "when": "2030-01-02"}
        assert entry.after == {"colour": "rouge", "tags": ["a", "b"]}
        assert entry.at.tzinfo is not None


def test_record_is_rolled_back_with_the_change(admin):
    with pytest.raises(RuntimeError), unit_of_work() as session:
        audit.record(session, actor=admin, action="network_created")
        raise RuntimeError("the use case failed after recording")
    assert ids(admin, actions=("network_created",)) == []


def test_list_entries_newest_first_then_by_id(admin):
    older = add(at=utc(2030, 3, 1, 9))
    newer = add(at=utc(2030, 3, 2, 9))
    same_time_a = add(at=utc(2030, 3, 1, 12))
    same_time_b = add(at=utc(2030, 3, 1, 12))
    assert ids(admin) == [newer, same_time_b, same_time_a, older]


def test_list_entries_limit_keeps_the_newest(admin):
    entries = [add(at=utc(2030, 3, day, 9)) for day in range(1, 6)]
    with read_only() as session:
        got = [row.entry.id for row in audit.list_entries(session, actor=admin, limit=2)]
    assert got == [entries[4], entries[3]]


def test_list_entries_filters_by_actions(admin):
    sign_in = add("sign_in", at=utc(2030, 3, 1, 9))
    failed = add("sign_in_failed", at=utc(2030, 3, 1, 10))
    add("sign_out", at=utc(2030, 3, 1, 11))
    assert ids(admin, actions=("sign_in", "sign_in_failed")) == [failed, sign_in]
    assert ids(admin, actions=("network_created",)) == []


def test_list_entries_text_matches_label_detail_or_ip_ignoring_case(admin):
    by_label = add(at=utc(2030, 3, 1, 9), actor_label="marie.curie@exemple.fr")
    by_detail = add(at=utc(2030, 3, 1, 10), detail="Lien créé par un administrateur")
    by_ip = add(at=utc(2030, 3, 1, 11), ip="198.51.100.77")
    add(at=utc(2030, 3, 1, 12), actor_label="autre@exemple.fr", detail="rien", ip="192.0.2.9")
    assert ids(admin, text="  CURIE ") == [by_label]
    assert ids(admin, text="CRÉÉ PAR") == [by_detail]
    assert ids(admin, text="100.77") == [by_ip]
    assert ids(admin, text="introuvable") == []


def test_list_entries_text_folds_accented_capitals(admin):
    entry = add(at=utc(2030, 3, 1, 9), detail="Candidature de l'ÉCOLE du Val-d'Oise")
    assert ids(admin, text="école") == [entry]


def test_list_entries_text_percent_and_underscore_are_literal(admin):
    add(at=utc(2030, 3, 1, 9), detail="rien", actor_label="jeanxdupont@exemple.fr")
    percent = add(at=utc(2030, 3, 1, 10), detail="taux de 100 % atteint")
    underscore = add(at=utc(2030, 3, 1, 11), actor_label="jean_dupont@exemple.fr")
    # The user's text is a plain substring, not a LIKE pattern.
    assert ids(admin, text="%") == [percent]
    assert ids(admin, text="jean_d") == [underscore]


def test_list_entries_since_and_until_are_paris_days_in_winter(admin):
    # Paris is UTC+1 in March (before the last Sunday).
    late_on_9th = add(at=utc(2030, 3, 9, 22, 59))      # 9 March 23:59 Paris
    first_of_10th = add(at=utc(2030, 3, 9, 23, 0))     # 10 March 00:00 Paris
    last_of_10th = add(at=utc(2030, 3, 10, 22, 59))    # 10 March 23:59 Paris
    first_of_11th = add(at=utc(2030, 3, 10, 23, 0))    # 11 March 00:00 Paris
    assert ids(admin, since=date(2030, 3, 10), until=date(2030, 3, 10)) == [last_of_10th, first_of_10th]
    assert ids(admin, until=date(2030, 3, 9)) == [late_on_9th]
    assert ids(admin, since=date(2030, 3, 11)) == [first_of_11th]


def test_list_entries_since_and_until_are_paris_days_in_summer(admin):
    # Paris is UTC+2 in July.
    add(at=utc(2030, 7, 1, 21, 59))                    # 1 July 23:59 Paris
    first_of_2nd = add(at=utc(2030, 7, 1, 22, 0))      # 2 July 00:00 Paris
    last_of_2nd = add(at=utc(2030, 7, 2, 21, 59))      # 2 July 23:59 Paris
    add(at=utc(2030, 7, 2, 22, 0))                     # 3 July 00:00 Paris
    assert ids(admin, since=date(2030, 7, 2), until=date(2030, 7, 2)) == [last_of_2nd, first_of_2nd]


def test_list_entries_filters_combine(admin):
    wanted = add("sign_in_failed", at=utc(2030, 3, 10, 9), actor_label="cible@exemple.fr")
    add("sign_in", at=utc(2030, 3, 10, 9), actor_label="cible@exemple.fr")
    add("sign_in_failed", at=utc(2030, 3, 12, 9), actor_label="cible@exemple.fr")
    add("sign_in_failed", at=utc(2030, 3, 10, 9), actor_label="autre@exemple.fr")
    assert ids(admin, text="cible", actions=("sign_in_failed",), since=date(2030, 3, 10),
               until=date(2030, 3, 11)) == [wanted]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PILOTE])
def test_list_entries_allowed_with_view_audit(db, role):
    entry = add(at=utc(2030, 3, 1, 9))
    assert ids(make_user(role)) == [entry]


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU])
def test_list_entries_without_view_audit_is_not_allowed(db, role):
    add(at=utc(2030, 3, 1, 9))
    with read_only() as session, pytest.raises(NotAllowed):
        audit.list_entries(session, actor=make_user(role))


# An audit action is written object_verb ("candidacy_submitted"): lower case, at least one "_".
AUDIT_ACTION = re.compile(r"[a-z]+(_[a-z]+)+")


def recorded_actions() -> set[str]:
    """Every audit action the code writes, read from its source: the strings given as `action=`
    to a call (audit.record and its wrappers), assigned to a variable `action`, or put under an
    "action" key (the import's bulk-inserted rows)."""
    found = set()
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("routes/**/*.py"), ROOT / "server.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values = []
            if isinstance(node, ast.Call):
                values = [k.value for k in node.keywords if k.arg == "action"]
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "action" for t in node.targets):
                values = [node.value]
            elif isinstance(node, ast.Dict):
                values = [v for k, v in zip(node.keys, node.values, strict=True)
                          if isinstance(k, ast.Constant) and k.value == "action"]
            found |= {c.value for value in values for c in ast.walk(value)
                      if isinstance(c, ast.Constant) and isinstance(c.value, str) and AUDIT_ACTION.fullmatch(c.value)}
    return found


def test_action_labels_are_exactly_the_actions_the_code_records():
    recorded = recorded_actions()
    # The walk finds the direct calls, the wrappers, the conditional names and the bulk rows.
    assert {"sign_in", "csrf_rejected", "call_closed", "edition_created", "candidacy_created",
            "candidacy_submitted", "candidacies_imported"} <= recorded
    assert sorted(recorded - set(audit.ACTION_LABELS)) == [], "recorded actions without a French label"
    assert sorted(set(audit.ACTION_LABELS) - recorded) == [], "labels of actions nothing records"
    assert all(label and label[0].isupper() for label in audit.ACTION_LABELS.values())


# ---------------------------------------------------------------- the structure a candidacy row is about


@pytest.fixture
def candidacy_rows(db):
    """Two candidacies saved through the use case, each leaving its audit row, and an unrelated sign-in."""
    network = make_network()
    referent = make_user(Role.RESEAU, network_id=network)
    call = make_call(networks=(network,))
    with unit_of_work() as session:
        bati = saving.save(session, actor=referent, call_id=call, form=complete_form(), submit=False)
        ecole = saving.save(session, actor=referent, call_id=call, submit=True, form=complete_form(
            siret="44306184100047", name="École du Numérique Solidaire", website="www.ecole.exemple.fr"))
    add(at=utc(2030, 3, 1, 9), actor_label="autre@exemple.fr")
    return {"bati": bati, "ecole": ecole}


def structure_ids(admin, text) -> list[int]:
    with read_only() as session:
        return [row.entry.object_id for row in audit.list_entries(session, actor=admin, filters=AuditFilter(text=text))]


def test_list_entries_text_finds_candidacy_rows_by_structure_name(admin, candidacy_rows):
    assert structure_ids(admin, "bâti'insert") == [candidacy_rows["bati"]]
    assert structure_ids(admin, "ÉCOLE DU NUM") == [candidacy_rows["ecole"]]


@pytest.mark.parametrize("typed", ["44306184100047", "443 061 841 00047", "443061841"])
def test_list_entries_text_finds_candidacy_rows_by_siret(admin, candidacy_rows, typed):
    assert structure_ids(admin, typed) == [candidacy_rows["ecole"]]


def test_list_entries_names_the_structure_of_candidacy_rows(admin, candidacy_rows):
    with read_only() as session:
        rows = audit.list_entries(session, actor=admin)
    about = {row.entry.action: (row.structure_name, row.siret) for row in rows}
    assert about == {"candidacy_created": ("Bâti'Insert 95", "73282932000074"),
                     "candidacy_submitted": ("École du Numérique Solidaire", "44306184100047"),
                     "sign_in": (None, None)}


def test_list_entries_runs_one_query_whatever_the_number_of_rows(db, admin):
    network = make_network()
    referent = make_user(Role.RESEAU, network_id=network)
    call = make_call(networks=(network,))

    def propose(count: int, start: int) -> None:
        with unit_of_work() as session:
            for i in range(start, start + count):
                saving.save(session, actor=referent, call_id=call, submit=False,
                            form=complete_form(siret=valid_siret(i), name=f"Structure {i}"))

    def search() -> None:
        with read_only() as session:
            assert audit.list_entries(session, actor=admin, filters=AuditFilter(text="structure"))

    propose(2, 0)
    few = statements_of(db, search)
    propose(20, 2)
    assert statements_of(db, search) == few <= 2  # the query (and SQLite's BEGIN)


def valid_siret(i: int) -> str:
    siren = f"{10000000 + i:08d}"
    siren += luhn.calc_check_digit(siren)
    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


@pytest.mark.parametrize("action", ["review_submitted", "conflict_declared", "reviews_distributed", "decision_set"])
def test_review_and_decision_entries_are_for_the_lead_not_the_administrator(admin, action):
    confidential = add(action, at=utc(2026, 5, 1, 10), detail="commentaire pour la cheffe de projet")
    public = add("sign_in", at=utc(2026, 5, 1, 9))
    assert ids(admin) == [public]
    assert ids(make_user(Role.PILOTE)) == [confidential, public]


def test_refusals_are_recorded_up_to_a_bound_per_kind_address_and_window(db):
    from datetime import timedelta

    def refuse(action="link_rejected", ip="192.0.2.9"):
        with unit_of_work() as session:
            return audit.record_refusal(session, action=action, ip_address=ip, detail="lien inconnu")

    kept = [refuse() for _ in range(audit.REFUSALS_PER_WINDOW + 3)]
    assert sum(entry is not None for entry in kept) == audit.REFUSALS_PER_WINDOW
    assert refuse(ip="198.51.100.4") is not None  # another address
    assert refuse(action="csrf_rejected") is not None  # another kind of refusal
    with unit_of_work() as session:  # the window passed for the first ones
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.ip_address == "192.0.2.9")):
            entry.at -= audit.REFUSAL_WINDOW + timedelta(seconds=1)
    assert refuse() is not None
