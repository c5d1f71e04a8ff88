"""Every status users see carries its French label, one per value, in one place."""

import pytest

from core.calls.listing import Phase
from db.models import CallState, Confirmation, Deliberation, Labelled, Publication, Submission

STATUSES = [CallState, Phase, Submission, Deliberation, Publication, Confirmation]


@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.__name__)
def test_every_value_has_a_french_label(status: type[Labelled]):
    assert list(status.labels()) == [member.value for member in status]
    assert all(member.label and member.label[0].isupper() for member in status)


def test_call_state_and_phase_agree_where_they_overlap():
    stored = {s.value for s in CallState}
    assert {s.value: s.label for s in CallState} == {p.value: p.label for p in Phase if p.value in stored}
