"""The lead's decisions on the review board: the bar acting on the ticked rows, one
candidacy's decision (with its rank on the waiting list), their French refusals.

The buttons act through callbacks whose arguments were bound when the page was drawn, so a
decision names the candidacies and versions the lead saw: a colleague's change in between
is refused by core (StaleEdit), never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

import streamlit as st
from sqlalchemy.orm import Session

from core.errors import DomainError, ValidationFailed
from core.permissions import Actor
from core.selection import decisions
from db.engine import unit_of_work
from db.models import Deliberation
from ui.forms import escape_md
from ui.navigation import PAGES
from ui.session import SESSION_ENDED, actor_at_click

NOTICE, REFUSAL = "decision_notice", "decision_refusal"
BULK = {Deliberation.SELECTED: "Retenir", Deliberation.WAITLISTED: "Liste d'attente",
        Deliberation.NOT_SELECTED: "Non retenue", Deliberation.PENDING: "Remettre en attente de décision"}
CHOICES = [Deliberation.PENDING, Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.NOT_SELECTED]


def _act(place: str, shown: Actor, act: Callable[..., object], notice: str) -> None:
    """Button callback: the decision in one transaction (core writes all of it or nothing);
    keeps its French refusal for the control at `place`, or the notice, for the next run.
    It runs before the script's own session check: nothing is done once the session ended."""
    st.session_state.pop(REFUSAL, None)
    viewer = actor_at_click(shown)
    if viewer is None:
        st.session_state[REFUSAL] = (place, SESSION_ENDED)
        return
    try:
        with unit_of_work() as session:
            act(session, actor=viewer)
    except ValidationFailed as error:
        st.session_state[REFUSAL] = (place, " ".join(error.errors.values()) or error.message)
    except DomainError as error:
        st.session_state[REFUSAL] = (place, error.message)
    else:
        st.session_state[NOTICE] = notice


def _show_outcome(place: str | None = None) -> None:
    """The last decision's refusal (if made at `place`; any when None), or its notice; each shown once."""
    refusal = st.session_state.get(REFUSAL)
    if refusal and place in (None, refusal[0]):
        st.error(escape_md(st.session_state.pop(REFUSAL)[1]))
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice)  # our own sentences, no user text


def show_leftovers() -> None:
    """At the end of the page: the outcome of a decision whose control is no longer drawn
    (its rows left the board), so that it is neither lost nor shown later elsewhere."""
    _show_outcome()


def published_sentence() -> None:
    """Instead of the controls once the call's decisions are published: changes are revisions.
    A decision refused because the call was published meanwhile says so here."""
    _show_outcome()
    st.info("Les décisions de cet appel sont publiées : pour en changer une, passez par la page "
            "« Publication des décisions » (révision motivée, avec un message corrigé).")
    if "publication" in PAGES:  # built apart: linked once it is registered
        st.page_link(PAGES["publication"][0], label="Publication des décisions", icon=":material/send:")


def bulk_bar(*, actor: Actor, call_id: int, versions: Mapping[int, int]) -> None:
    """One button per decision, for exactly the ticked candidacies (`versions`: id → version shown)."""
    place = f"bulk-{call_id}"
    st.markdown(f"**Décision pour les {len(versions)} candidatures cochées**")
    for column, (decision, label) in zip(st.columns(len(BULK)), BULK.items(), strict=True):
        act = partial(decisions.decide_many, call_id=call_id, expected_versions=dict(versions), decision=decision)
        notice = f"Décision « {decision.label} » enregistrée pour {len(versions)} candidatures."
        column.button(label, key=f"{place}-{decision.value}", width="stretch", on_click=_act,
                      args=(place, actor, act, notice))
    _show_outcome(place)


def decision_control(*, actor: Actor, candidacy_id: int, version: int, deliberation: str,
                     rank: int | None, waitlist_size: int) -> None:
    """One candidacy's decision, and its rank when on the waiting list (empty: last).

    The widgets' keys carry the version: once the decision is saved they show the stored one."""
    place = f"decision-{candidacy_id}"
    key = f"{place}-{version}"
    current = Deliberation(deliberation)
    cols = st.columns([3, 1], vertical_alignment="bottom")
    choice = cols[0].radio("Décision", CHOICES, index=CHOICES.index(current), format_func=lambda d: d.label,
                           horizontal=True, key=f"{key}-choice")
    largest = waitlist_size + (0 if current == Deliberation.WAITLISTED else 1)
    if choice == Deliberation.WAITLISTED:
        cols[1].number_input("Rang sur la liste d'attente", min_value=1, max_value=max(largest, 1), step=1,
                             value=rank, placeholder="En dernier", key=f"{key}-rank",
                             help="1 : tête de la liste d'attente ; vide : en dernier. Les suivantes descendent.")

    def act(session: Session, *, actor: Actor):
        chosen = st.session_state[f"{key}-choice"]
        wanted = st.session_state.get(f"{key}-rank") if chosen == Deliberation.WAITLISTED else None
        return decisions.decide(session, actor=actor, candidacy_id=candidacy_id, expected_version=version,
                                decision=chosen, rank=wanted)

    st.button("Enregistrer la décision", key=f"{key}-save", type="primary", on_click=_act,
              args=(place, actor, act, "Décision enregistrée."))
    _show_outcome(place)
