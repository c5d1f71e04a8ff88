"""The selection page's pieces: balance charts with their numbers, the tables of a proposal,
and the limits form turned into core's `LimitInput`s (each message kept for its field)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from core.errors import ValidationFailed
from core.reference import STRUCTURE_KINDS
from core.selection.balance import DIMENSIONS, OUTCOMES, Balance
from core.selection.diff import ProposalDiff
from core.selection.frames import DISABILITY, FAMILY_LABELS, IAE
from core.selection.limits import Limit, LimitInput, parse_limits
from core.selection.proposal import Proposal
from db.models import Deliberation
from ui.charts import show_chart

STEP = 20  # px per bar (Vega-Lite steps the offset band): a group holds two, retained and waiting list
_OUTCOME_ORDER = list(OUTCOMES.values())
_COLOURS = ["#1f6f50", "#e0a030"]  # retained, waiting list


SHARE_LABELS = {IAE: "Part insertion (IAE)", DISABILITY: "Part handicap (EA, EATT, ESAT)"}


def _french_percent(share: float) -> str:
    return f"{round(share * 100):d} %"


def balance_chart(frame: pd.DataFrame, title: str, *, with_share: bool = False) -> alt.LayerChart:
    """Grouped bars per group (retained, waiting list), each labelled with its count (and its
    share of that outcome's total with `with_share`), in the frame's group order."""
    data = frame.rename(columns={"group": title, "outcome": "Décision", "count": "Candidatures", "share": "Part"})
    data["Libellé"] = data["Candidatures"].astype(str)
    if with_share:
        data["Libellé"] = [f"{count} ({_french_percent(share)})" for count, share in
                           zip(data["Candidatures"], data["Part"], strict=True)]
    longest = float(max([1, *data["Candidatures"]]))
    y = alt.Y(field=title, type="nominal", sort=list(dict.fromkeys(data[title])), title=title,
              axis=alt.Axis(labelLimit=180))
    offset = alt.YOffset(field="Décision", type="nominal", sort=_OUTCOME_ORDER)
    x = alt.X(field="Candidatures", type="quantitative", title="Nombre de candidatures",
              scale=alt.Scale(domain=[0, longest * 1.3], nice=False),
              axis=alt.Axis(format="d", tickMinStep=1))
    colour = alt.Color(field="Décision", type="nominal", sort=_OUTCOME_ORDER,
                       scale=alt.Scale(domain=_OUTCOME_ORDER, range=_COLOURS),
                       legend=alt.Legend(title=None, orient="bottom"))
    tooltip = [alt.Tooltip(field=title), alt.Tooltip(field="Décision"), alt.Tooltip(field="Candidatures"),
               alt.Tooltip(field="Part", format=".0%")]
    bars = alt.Chart(data).mark_bar().encode(y=y, yOffset=offset, x=x, color=colour, tooltip=tooltip)
    labels = alt.Chart(data).mark_text(align="left", dx=4).encode(y=y, yOffset=offset, x=x,
                                                                   text=alt.Text(field="Libellé"))
    return alt.layer(bars, labels).properties(height=alt.Step(STEP), title=title)


def show_balance(figures: Balance, *, what: str, totals: bool = True) -> None:
    """The balance panel: totals (unless the page shows them already), the family shares
    among the retained, then one chart per dimension, two a row."""
    family = figures.by_family
    cols = st.columns(4)
    if totals:
        cols[0].metric("Retenues", figures.retained)
        cols[1].metric("Liste d'attente", figures.waitlisted)
    retained = Deliberation.SELECTED.label
    shares = {group: share for group, outcome, share in zip(family["group"].tolist(), family["outcome"].tolist(),
                                                           family["share"].tolist(), strict=True)
              if outcome == retained}  # plain lists: a handful of rows, and pandas filters cost more than the panel
    for col, code in zip(cols[2:] if totals else cols[:2], (IAE, DISABILITY), strict=True):
        share = float(shares.get(FAMILY_LABELS[code], 0.0))
        col.metric(SHARE_LABELS[code], _french_percent(share), help=f"Part des retenues : {FAMILY_LABELS[code]}.")
    charts = [(DIMENSIONS[name], frame) for name, frame in figures.frames().items() if not frame.empty]
    for start in range(0, len(charts), 2):
        cols = st.columns(2)
        for col, (title, frame) in zip(cols, charts[start:start + 2], strict=False):
            with col:
                show_chart(balance_chart, frame, title, with_share=title == DIMENSIONS["family"],
                           description=f"{what} : candidatures retenues et en liste d'attente par {title.lower()}")


def proposed_outcomes(candidates: pd.DataFrame, proposal: Proposal) -> pd.DataFrame:
    """The candidates frame with a `proposed` column (selected, waitlisted or pending) for `balance`."""
    proposed = pd.Series(Deliberation.PENDING.value, index=candidates.index, dtype="string")
    proposed[candidates["candidacy_id"].isin(proposal.selected)] = Deliberation.SELECTED.value
    proposed[candidates["candidacy_id"].isin(proposal.waitlist)] = Deliberation.WAITLISTED.value
    return candidates.assign(proposed=proposed)


# ---------------------------------------------------------------- tables

_ROW_NAMES = {"name": "Structure", "network": "Réseau", "kind": "Type", "departement": "Département",
              "score": "Score", "now": "Décision actuelle"}
ROW_COLUMNS = {"Score": st.column_config.NumberColumn(format="%.2f", width=80),
               "Type": st.column_config.TextColumn(width=70), "Département": st.column_config.TextColumn(width=100)}
WAITLIST_COLUMNS = {**ROW_COLUMNS, "Rang proposé": st.column_config.NumberColumn(format="%d", width=110),
                    "Rang actuel": st.column_config.NumberColumn(format="%d", width=100),
                    "Remplacements possibles": st.column_config.NumberColumn(
                        format="%d", help="Parmi les retenues, combien cette candidature pourrait en remplacer "
                                          "(après un désistement) en respectant toutes les contraintes.")}


def rows_view(frame: pd.DataFrame) -> pd.DataFrame:
    """A diff's rows (comes in, goes out, stays) with French column names, typed."""
    return frame[list(_ROW_NAMES)].rename(columns=_ROW_NAMES)


def proposed_waitlist_view(the_diff: ProposalDiff) -> pd.DataFrame:
    names = {"rank": "Rang proposé", "name": "Structure", "network": "Réseau", "kind": "Type",
             "departement": "Département", "score": "Score", "current_rank": "Rang actuel",
             "covers": "Remplacements possibles"}
    return the_diff.waitlist[list(names)].rename(columns=names)


def current_waitlist_view(waitlist: pd.DataFrame) -> pd.DataFrame:
    """The waiting list as stored, by rank."""
    return pd.DataFrame({
        "Rang": waitlist["waitlist_rank"].astype("Int64"),
        "Structure": waitlist["name"], "Réseau": waitlist["network"], "Type": waitlist["kind"],
        "Département": waitlist["departement"],
    })


# ---------------------------------------------------------------- the limits form

NONE, EACH = "", "*"
EACH_FAMILY = "family:*"
KIND_CHOICES = {NONE: "Aucune contrainte", EACH: "Chaque type de structure", EACH_FAMILY: "Chaque famille",
                f"family:{IAE}": FAMILY_LABELS[IAE],
                f"family:{DISABILITY}": FAMILY_LABELS[DISABILITY],
                **{f"kind:{code}": f"{code} — {label}" for code, label in STRUCTURE_KINDS.items()}}


@dataclass(frozen=True)
class LimitRow:
    """One line of the limits form: its field prefix (messages are keyed « <prefix>.at_least »…),
    the limit it asks for, or the message of a line that cannot be one."""

    prefix: str
    limit: LimitInput | None
    error: str | None = None


def kind_row(prefix: str, choice: str, at_least: str, at_most: str) -> LimitRow | None:
    """A « type or family » line; None when nothing is asked of it."""
    if choice == NONE:
        return _unchosen(prefix, at_least, at_most, "un type ou une famille")
    if choice == EACH:
        return LimitRow(prefix, LimitInput("kind", None, at_least, at_most))
    dimension, value = choice.split(":", 1)
    return LimitRow(prefix, LimitInput(dimension, None if value == "*" else value, at_least, at_most))


def departement_row(prefix: str, choice: str, at_least: str, at_most: str) -> LimitRow | None:
    if choice == NONE:
        return _unchosen(prefix, at_least, at_most, "un département")
    return LimitRow(prefix, LimitInput("departement", None if choice == EACH else choice, at_least, at_most))


def _unchosen(prefix: str, at_least: str, at_most: str, what: str) -> LimitRow | None:
    if (at_least or "").strip() or (at_most or "").strip():
        return LimitRow(prefix, None, f"Choisissez {what} pour cette contrainte, ou videz ses nombres.")
    return None


def network_row(prefix: str, at_most: str) -> LimitRow | None:
    if not (at_most or "").strip():
        return None
    return LimitRow(prefix, LimitInput("network", None, None, at_most))


def read_limits(rows: Sequence[LimitRow | None], sectors: Sequence[str]) -> list[Limit]:
    """core's limits from the form's lines, plus « at least one » per sector chosen; else
    ValidationFailed with every message keyed by its line's prefix (« network.at_most »…)."""
    errors = {f"{row.prefix}.value": row.error for row in rows if row is not None and row.error}
    asked = [row for row in rows if row is not None and row.limit is not None]
    limits: list[Limit] = []
    try:
        limits = parse_limits([row.limit for row in asked])
    except ValidationFailed as error:
        errors.update({_field(asked, key): message for key, message in error.errors.items()})
    try:
        covered = parse_limits([LimitInput("sector", sector, 1, None) for sector in sectors])
    except ValidationFailed as error:
        errors["sectors"] = next(iter(error.errors.values()))
    if errors:
        raise ValidationFailed(errors)
    return limits + covered


def _field(rows: Sequence[LimitRow], key: str) -> str:
    """« limits.2.at_most » → the prefix of the third line, « departement.at_most »."""
    _, index, name = key.split(".", 2)
    return f"{rows[int(index)].prefix}.{name}"
