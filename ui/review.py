"""Showing review data: a candidacy as reviewers read it, the board's typed table with its
French headings and formats, a candidacy's reviews, history and earlier editions."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.audit import ACTION_LABELS
from core.clock import PARIS
from core.reference import kind_label
from core.review.board import Detail, ReviewView
from core.review.facts import CriterionInfo, Facts
from core.review.scoring import criterion_column, round_score, rounded
from ui.audit import changes, object_label
from ui.format import when
from ui.forms import escape_md, literal_md
from ui.tables import MISSING

SCORE_RANGE = {"min_value": 1.0, "max_value": 5.0}


def _text(value) -> str:
    return escape_md(str(value)) if value not in (None, "") else MISSING


def _address(value: str | None) -> str:
    return literal_md(value) if value else MISSING


def show_facts(facts: Facts) -> None:
    """The whole candidacy: structure and contact on the left, the pitch on the right."""
    st.subheader(escape_md(facts.name), anchor=False)  # no anchor named after user text
    st.caption(escape_md(f"{kind_label(facts.kind) if facts.kind else '—'} · SIRET {facts.siret} · "
                         f"proposée par {facts.network} · déposée le {when(facts.submitted_at)}"))
    left, right = st.columns(2)
    with left:
        st.markdown("**Structure**")
        address = ", ".join(part for part in (facts.address, " ".join(filter(None, (facts.postcode, facts.city))))
                            if part)
        st.markdown(f"Adresse : {_text(address)}  \nDépartement : {_text(facts.departement)}  \n"
                    f"Site internet : {_address(facts.website)}  \n"
                    f"Salariés en insertion : {_text(facts.insertion_workforce)}")
        st.markdown(f"Secteurs : {_text(', '.join(facts.sectors))}")
        st.markdown("**Contact et présentation**")
        st.markdown(f"Contact : {_text(facts.contact_name)} — {_address(facts.contact_email)} — "
                    f"{_text(facts.contact_phone)}  \nPrésentera : {_text(facts.presenter_name)}"
                    + (f" ({escape_md(facts.presenter_role)})" if facts.presenter_role else ""))
    with right:
        st.markdown(f"**Présentation : {_text(facts.pitch_title)}**")
        st.markdown(_text(facts.pitch_summary))
        st.markdown("**Ce que la structure propose aux acheteurs sur ce thème**")
        st.markdown(_text(facts.buyer_offer))
        st.markdown("**Références de marchés publics**")
        st.markdown(_text(facts.public_references))


# ---------------------------------------------------------------- the board's table


def _mean_heading(criterion: CriterionInfo) -> str:
    return f"{criterion.label} (moy.)"


def board_view(frame: pd.DataFrame, criteria: Sequence[CriterionInfo]) -> pd.DataFrame:
    """The board's rows with French headings, typed, the figures first, then what the
    structure is: every column, for the exports; the screen shows BOARD_SHOWN at first."""
    view = pd.DataFrame({
        "Structure": frame["structure"], "Note pondérée": rounded(frame["weighted"]),
        "Rang normalisé": frame["rank"], "Avancement": frame["progress"], "Évaluations": frame["reviews_done"],
        "Attendues": frame["reviews_expected"], "Écart": rounded(frame["spread"]), "Contestée": frame["contested"],
        "Médiane": rounded(frame["median"]), "Score normalisé": rounded(frame["normalised"]),
        "Évaluée par moi": frame["mine"],
    })
    for criterion in criteria:
        view[_mean_heading(criterion)] = rounded(frame[criterion_column(criterion.id)])
    view["Type"], view["Dépt"], view["Réseau"] = frame["kind"], frame["departement"], frame["network"]
    view["Secteurs"], view["SIRET"], view["Attribuée à"] = frame["sectors"], frame["siret"], frame["assigned_to"]
    view["Déposée le"] = frame["submitted_at"]
    view["Décision"] = frame["decision"]
    return view.reset_index(drop=True)


# What the board shows at first: beside the sidebar at 1,400 px the table has about 940 px,
# so these fit without scrolling (their widths add up to BOARD_WIDTH, plus the tick column).
# The others (médiane, score normalisé, each criterion's mean, type, département, secteurs,
# SIRET...) stay in the exports and come back from the table's column menu (the eye icon).
BOARD_SHOWN = ("Structure", "Note pondérée", "Rang normalisé", "Avancement", "Évaluations", "Écart", "Contestée",
               "Réseau", "Décision")


def board_columns(criteria: Sequence[CriterionInfo]) -> dict:
    """Column settings of `board_view`: short headings on screen (the full name in the help
    and in the exports), widths that keep BOARD_SHOWN beside the sidebar."""
    score = {"format": "%.2f", **SCORE_RANGE}
    columns = {
        "Structure": st.column_config.TextColumn(width=190, pinned=True),
        "Note pondérée": st.column_config.ProgressColumn(
            "Note", width=90, help="Note pondérée : moyenne des notes des évaluateurs, pondérée par les critères "
                                   "(sur 5)", **score),
        "Rang normalisé": st.column_config.NumberColumn(
            "Rang", format="%d", width=55,
            help="Rang normalisé : sur les notes centrées-réduites de chaque évaluateur (1 = meilleure)"),
        "Avancement": st.column_config.ProgressColumn(
            format="percent", min_value=0.0, max_value=1.0, width=95, help="Évaluations soumises sur attendues"),
        "Évaluations": st.column_config.NumberColumn(
            "Éval.", format="%d", width=55, help="Évaluations soumises (les attendues : colonne « Attendues »)"),
        "Écart": st.column_config.NumberColumn(format="%.2f", width=60, help="Note la plus haute moins la plus basse"),
        "Contestée": st.column_config.CheckboxColumn(width=80, help="Écart de 2 points ou plus"),
        "Réseau": st.column_config.TextColumn(width=120),
        "Décision": st.column_config.TextColumn(width=135, help="Retenue, liste d'attente (avec son rang) ou "
                                                                 "non retenue ; vide : en attente de décision"),
        "Attendues": st.column_config.NumberColumn(format="%d", width=80,
                                                   help="Évaluateurs attendus (sans abstention ni conflit)"),
        "Médiane": st.column_config.NumberColumn(format="%.2f", width=75),
        "Score normalisé": st.column_config.NumberColumn(
            "Score norm.", format="%.2f", width=90, help="Score normalisé : moyenne des notes centrées-réduites"),
        "Évaluée par moi": st.column_config.CheckboxColumn("Par moi", width=70, help="Évaluée par moi"),
        "Type": st.column_config.TextColumn(width=55),
        "Dépt": st.column_config.TextColumn(width=50, help="Département"),
        "Secteurs": st.column_config.ListColumn(width=140),
        "SIRET": st.column_config.TextColumn(width=120),
        "Attribuée à": st.column_config.ListColumn(width=140),
        "Déposée le": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", timezone="Europe/Paris", width=130),
    }
    for criterion in criteria:
        columns[_mean_heading(criterion)] = st.column_config.ProgressColumn(
            width=120, help=f"{criterion.label} : moyenne des notes, poids {criterion.weight}", **score)
    return columns


def reviews_view(reviews: pd.DataFrame, names: pd.Series, criteria: Sequence[CriterionInfo]) -> pd.DataFrame:
    """Every counted review of the board, one row each: the board's export « with all scores »."""
    view = pd.DataFrame({
        "Structure": reviews["candidacy_id"].map(names), "Évaluateur": reviews["reviewer"],
        "Note pondérée": rounded(reviews["total"]),
    })
    for criterion in criteria:
        view[criterion.label] = reviews[criterion_column(criterion.id)].astype("Int64")
    return view


# ---------------------------------------------------------------- a candidacy's reviews and detail


def reviews_table(views: Sequence[ReviewView], criteria: Sequence[CriterionInfo], *, states: bool = True
                  ) -> pd.DataFrame:
    table = pd.DataFrame({
        "Évaluateur": pd.Series([v.reviewer for v in views], dtype="object"),
        "État": pd.Series([v.state.label + ("" if v.counted or not states else " (non comptée)") for v in views],
                          dtype="object"),
        "Note pondérée": pd.Series([round_score(v.total) for v in views],
                                   dtype="float64"),
    })
    for criterion in criteria:
        table[criterion.label] = pd.Series([v.scores.get(criterion.id) for v in views], dtype="Int64")
    table["Commentaire pour la cheffe de projet"] = [v.comment for v in views]
    table["Commentaire pour la structure"] = [v.shared_comment for v in views]
    table["Raison de l'abstention"] = [v.abstention_reason for v in views]
    table["Mise à jour"] = pd.to_datetime([v.updated_at for v in views], utc=True).tz_convert(PARIS)
    if not states:
        table = table.drop(columns=["État", "Raison de l'abstention"])
    return table


REVIEW_COLUMNS = {
    "Note pondérée": st.column_config.ProgressColumn(format="%.2f", **SCORE_RANGE, width=110),
    "Commentaire pour la cheffe de projet": st.column_config.TextColumn(width="large"),
    "Commentaire pour la structure": st.column_config.TextColumn(width="large"),
    "Mise à jour": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", timezone="Europe/Paris"),
}


def history_table(detail: Detail) -> pd.DataFrame:
    return pd.DataFrame({
        "Quand": pd.to_datetime([h.at for h in detail.history], utc=True).tz_convert(PARIS),
        "Qui": pd.Series([h.actor or "" for h in detail.history], dtype="object"),
        "Action": pd.Series([ACTION_LABELS.get(h.action, h.action) for h in detail.history], dtype="object"),
        "Objet": pd.Series([object_label(h.object_type, h.object_id) for h in detail.history], dtype="object"),
        "Changements": pd.Series([changes(h.before, h.after, detail.networks) for h in detail.history], dtype="object"),
    })


def earlier_table(detail: Detail) -> pd.DataFrame:
    return pd.DataFrame({
        "Rencontre": pd.Series([e.edition_number for e in detail.earlier], dtype="int64"),
        "Date": pd.Series([e.event_date for e in detail.earlier], dtype="object"),
        "Thème": pd.Series([e.theme_title for e in detail.earlier], dtype="object"),
        "Réseau": pd.Series([e.network for e in detail.earlier], dtype="object"),
        "Issue": pd.Series([e.outcome for e in detail.earlier], dtype="object"),
    })


# ---------------------------------------------------------------- progress (dashboard)

DONE, LEFT = "Évaluées", "À faire"


def progress_bars(part: pd.DataFrame) -> pd.DataFrame:
    """One call's progress (core.review.board.progress rows) as the chart draws it: per
    reviewer, « 12 / 20 · Nom » (the figures first, so that a long name cut short on the axis
    keeps them), the reviews done and left."""
    repeated = part["reviewer"].duplicated(keep=False)
    names = part["reviewer"].where(~repeated, part["reviewer"] + " (" + part["email"] + ")")
    label = part["done"].astype(str) + " / " + part["expected"].astype(str) + " · " + names
    done = pd.DataFrame({"Évaluateur": label, "État": DONE, "Évaluations": part["done"]})
    left = pd.DataFrame({"Évaluateur": label, "État": LEFT, "Évaluations": part["expected"] - part["done"]})
    bars = pd.concat([done, left], ignore_index=True)
    return bars.astype({"Évaluateur": "object", "État": "object", "Évaluations": "int64"})
