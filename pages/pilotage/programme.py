"""Programme editor: the edition's morning (template, add, move, resize, remove), the
pitch sessions fed by the selection and their order, the warnings, the timeline, and the
publication of numbered versions."""

from collections import Counter

import pandas as pd
import streamlit as st

from core.clock import format_date, format_datetime
from core.programme import editing, editor, publishing
from core.programme.editing import ItemData, item_form_values
from core.programme.exports import span
from core.programme.public import read_content
from db.engine import read_only, unit_of_work
from db.models import Confirmation, ItemKind
from ui import forms
from ui.choices import sticky_row, sticky_selectbox
from ui.forms import escape_md
from ui.programme import pitch_labels, show_published, show_timeline
from ui.session import require_actor
from ui.tables import show_table

ITEM = "element"
NEW_ITEM = "nouvel-element"
PUBLISH = "publier-programme"
ORDER = "ordre-presentations"
STEP = 5  # minutes of the move and resize buttons

actor = require_actor()
st.title("Programme")
notice = st.session_state.pop("programme_notice", None)
if notice:
    st.success(notice)

with read_only() as session:
    choices = editor.programme_editions(session, actor=actor)
if not choices:
    st.info("Créez d'abord une rencontre (page « Rencontres et appels »).")
    st.stop()
labels = {c.id: f"n° {c.number} — {c.title} ({format_date(c.event_date)})" for c in choices}
edition_id = sticky_selectbox("Rencontre", list(labels), key="programme_edition", labels=labels)
with read_only() as session:
    view = editor.editor_view(session, actor=actor, edition_id=edition_id)
programme = view.programme


def done(message: str) -> None:
    st.session_state["programme_notice"] = message
    st.rerun()


# ---------------------------------------------------------------- warnings and timeline

forms.form_error(ITEM)
forms.form_error(ORDER)
if not programme.items:
    st.info("Le programme de cette rencontre est vide. Partez d'une matinée type (accueil, plénière, atelier, "
            "présentations express, rendez-vous bilatéraux, clôture) dans les horaires de la rencontre, puis "
            "modifiez-la.")
    if st.button("Proposer une matinée type", type="primary"):
        def propose():
            with unit_of_work() as session:
                return editing.apply_template(session, actor=actor, edition_id=edition_id)
        forms.submit(ITEM, propose)
        done("Matinée type ajoutée : adaptez-la à votre rencontre.")
for warning in view.warnings:
    st.warning(escape_md(warning.message), icon=":material/warning:")
other_day = any(warning.code == "other_day" for warning in view.warnings)
if other_day and st.button("Replacer ces éléments au jour de la rencontre (mêmes heures)"):
    def align():
        with unit_of_work() as session:
            return editing.align_to_edition_day(session, actor=actor, edition_id=edition_id)
    moved = forms.submit(ITEM, align)
    done(f"{moved} élément(s) replacé(s) au jour de la rencontre.")
if programme.items and not view.warnings:
    st.success("Aucune alerte : le programme tient dans les horaires, sans chevauchement.")
show_timeline(programme.items)

# ---------------------------------------------------------------- the items

st.header("Éléments du programme")
frame = pd.DataFrame({
    "Horaire": [span(i.starts_at, i.ends_at) for i in programme.items],
    "Type": [i.kind.label for i in programme.items],
    "Titre": [i.title for i in programme.items],
    "Salle": [i.room for i in programme.items],
    "Intervenants": [i.speakers for i in programme.items],
    "Présentations": pd.array([len(i.pitches) if i.kind == ItemKind.PITCHES else None for i in programme.items],
                              dtype="Int64"),
})
chosen = sticky_row(frame, [i.id for i in programme.items], key="programme_items",
                    empty="Aucun élément pour l'instant.",
                    column_config={"Horaire": st.column_config.TextColumn(width=150),
                                   "Type": st.column_config.TextColumn(width=150),
                                   "Titre": st.column_config.TextColumn(width=230),
                                   "Salle": st.column_config.TextColumn(width=120),
                                   "Intervenants": st.column_config.TextColumn(width=150),
                                   "Présentations": st.column_config.NumberColumn(width=100)})
selected = next((i for i in programme.items if i.id == chosen), None)
# A save is checked against the version the form opened with; once the lead leaves an item,
# forget it, so that reopening it later checks against what the form then shows.
left = st.session_state.get("programme_opened_item")
if left is not None and left != chosen:
    st.session_state.pop(f"version:programme-item:{left}", None)
st.session_state["programme_opened_item"] = chosen
kinds = {kind.value: kind.label for kind in ItemKind}
# A selectbox holds its choice by label: two calls of one theme need two labels.
themes = Counter(view.calls.values())
call_labels = {i: title if themes[title] == 1 else f"{title} (appel n° {i})" for i, title in view.calls.items()}


def item_fields(form: str, current, key: str) -> ItemData:
    """The item's fields, each with its message under it; returns what was typed."""
    start_text, end_text = item_form_values(current.starts_at, current.ends_at) if current else ("", "")
    cols = st.columns([1, 2])
    with cols[0]:
        kind = st.selectbox("Type *", list(kinds), format_func=kinds.get, key=f"{key}-kind",
                            index=list(kinds).index(current.kind.value) if current else 0)
        forms.field_error(form, "kind")
    with cols[1]:
        title = st.text_input("Titre *", value=current.title if current else "", key=f"{key}-title")
        forms.field_error(form, "title")
    cols = st.columns(3)
    with cols[0]:
        start = st.text_input("Début * (HH:MM)", value=start_text, key=f"{key}-start", placeholder="09:30")
        forms.field_error(form, "start")
    with cols[1]:
        end = st.text_input("Fin * (HH:MM)", value=end_text, key=f"{key}-end", placeholder="10:00")
        forms.field_error(form, "end")
    with cols[2]:
        room = st.text_input("Salle", value=(current.room or "") if current else "", key=f"{key}-room")
        forms.field_error(form, "room")
    speakers = st.text_input("Intervenants", value=(current.speakers or "") if current else "", key=f"{key}-speakers")
    forms.field_error(form, "speakers")
    description = st.text_area("Description", value=(current.description or "") if current else "",
                               key=f"{key}-description", height=80)
    forms.field_error(form, "description")
    calls = [None, *view.calls]
    cols = st.columns(2)
    with cols[0]:
        call_id = st.selectbox("Appel présenté (présentations express)", calls, key=f"{key}-call",
                               index=calls.index(current.call_id) if current and current.call_id in calls else 0,
                               format_func=lambda c: "—" if c is None else call_labels[c])
        forms.field_error(form, "call_id")
    with cols[1]:
        changeover = st.number_input("Changement entre deux présentations (min)", min_value=0,
                                     max_value=editing.MAX_CHANGEOVER, step=1, key=f"{key}-changeover",
                                     value=current.changeover_minutes if current else 1)
        forms.field_error(form, "changeover_minutes")
    return ItemData(kind=kind, title=title, start=start, end=end, description=description, speakers=speakers,
                    room=room, call_id=call_id, changeover_minutes=int(changeover))


if selected is not None:
    record = f"programme-item:{selected.id}"
    version = forms.opened_version(record, selected.version)
    with st.container(border=True):
        st.subheader(f"Modifier « {escape_md(selected.title)} »")
        with st.form(f"{ITEM}:{selected.id}", enter_to_submit=False):
            # Keyed by version: after a move or a colleague's save the fields show the stored values again.
            data = item_fields(ITEM, selected, f"edit-{selected.id}-v{selected.version}")
            save = st.form_submit_button("Enregistrer l'élément", type="primary")
        if save:
            def store():
                with unit_of_work() as session:
                    return editing.update_item(session, actor=actor, item_id=selected.id, data=data,
                                               expected_version=version)
            forms.submit(ITEM, store, record=record)
            done("Élément enregistré.")
        moves = {f"Avancer de {STEP} min": (-STEP, -STEP), f"Retarder de {STEP} min": (STEP, STEP),
                 f"Raccourcir de {STEP} min": (0, -STEP), f"Allonger de {STEP} min": (0, STEP)}
        with st.container(horizontal=True):
            clicked = [label for label in moves if st.button(label, key=f"shift-{label}-{selected.id}")]
            remove = st.button("Supprimer l'élément", icon=":material/delete:", key=f"remove-{selected.id}")
        if clicked:
            start_minutes, end_minutes = moves[clicked[0]]

            def shift():
                with unit_of_work() as session:
                    return editing.shift_item(session, actor=actor, item_id=selected.id, expected_version=version,
                                              start_minutes=start_minutes, end_minutes=end_minutes)
            forms.submit(ITEM, shift, record=record)
            done("Horaire modifié.")
        if remove:
            def delete():
                with unit_of_work() as session:
                    editing.remove_item(session, actor=actor, item_id=selected.id, expected_version=version)
            forms.submit(ITEM, delete, record=record)
            done("Élément supprimé.")
else:
    st.caption("Sélectionnez une ligne du tableau pour modifier, déplacer, redimensionner ou supprimer l'élément.")

forms.form_error(NEW_ITEM)
with st.expander("Ajouter un élément", expanded=bool(forms.errors(NEW_ITEM))):
    with st.form(NEW_ITEM, enter_to_submit=False):
        new_data = item_fields(NEW_ITEM, None, "new")
        add = st.form_submit_button("Ajouter l'élément", type="primary")
    if add:
        def create():
            with unit_of_work() as session:
                return editing.add_item(session, actor=actor, edition_id=edition_id, data=new_data)
        forms.submit(NEW_ITEM, create)
        done("Élément ajouté.")

# ---------------------------------------------------------------- pitch sessions

CONFIRMATION = {Confirmation.CONFIRMED: "Confirmée", Confirmation.PENDING: "En attente de confirmation"}
for session_item in (i for i in programme.items if i.kind == ItemKind.PITCHES):
    st.header(f"Présentations express : {escape_md(session_item.call_title or session_item.title)}")
    st.caption(f"{span(session_item.starts_at, session_item.ends_at)} · {session_item.pitch_minutes} min par "
               f"présentation, {session_item.changeover_minutes} min de changement. La liste suit la sélection : "
               "une structure qui décline ou se retire en sort, une structure promue de la liste d'attente y entre.")
    current = [timed.pitch.candidacy_id for timed in session_item.pitches]
    seen_key = f"seen-order:{session_item.id}"
    seen = st.session_state.get(seen_key, current)  # the order the lead was looking at when she clicked
    pitches = pd.DataFrame({
        "Ordre": pd.array(range(1, len(current) + 1), dtype="Int64"),
        "Horaire": [span(t.starts_at, t.ends_at) for t in session_item.pitches],
        "Structure": [t.pitch.structure for t in session_item.pitches],
        "Présentée par": [t.pitch.presenter for t in session_item.pitches],
        "Type": [t.pitch.kind.value if t.pitch.kind else None for t in session_item.pitches],
        "Département": [t.pitch.departement for t in session_item.pitches],
        "Confirmation": [CONFIRMATION[t.pitch.confirmation] for t in session_item.pitches],
    })
    show_table(pitches, file_stem=None, key=f"pitches-{session_item.id}",
               empty="Aucune structure retenue pour cet appel pour l'instant.")
    if len(current) > 1:
        # Every name seen here: a chosen structure that has left (a decline) stays chosen, by
        # its name, rather than the box falling back on the first one for the buttons to move.
        names = st.session_state.setdefault(f"pitch-names:{session_item.id}", {})
        names.update(pitch_labels([t.pitch for t in session_item.pitches]))
        cols = st.columns([3, 1, 1], vertical_alignment="bottom")
        with cols[0]:
            moved = sticky_selectbox("Structure à déplacer", current, key=f"moved-{session_item.id}", labels=names)
            if moved not in current:
                st.caption(f"{escape_md(names[moved])} ne fait plus partie des présentations : "
                           "choisissez-en une autre.")
        with cols[1]:
            up = st.button("Monter", icon=":material/arrow_upward:", key=f"up-{session_item.id}")
        with cols[2]:
            down = st.button("Descendre", icon=":material/arrow_downward:", key=f"down-{session_item.id}")
        if up or down:
            def reorder(call_id=session_item.call_id, candidacy_id=moved, offset=-1 if up else 1, expected=seen):
                with unit_of_work() as session:
                    editing.move_pitch(session, actor=actor, call_id=call_id, candidacy_id=candidacy_id,
                                       offset=offset, expected=expected)
            st.session_state.pop(seen_key, None)
            forms.submit(ORDER, reorder)
            done("Ordre des présentations modifié.")
    st.session_state[seen_key] = current

# ---------------------------------------------------------------- publication

st.header("Publication")
publish_record = f"programme-versions:{edition_id}"
expected_number = forms.opened_version(publish_record, view.latest_number)
pending = sum(1 for i in programme.items for t in i.pitches if t.pitch.confirmation == Confirmation.PENDING)
st.markdown(f"Dernière version publiée : **{view.latest_number or 'aucune'}**. Les modifications restent dans "
            "cette copie de travail jusqu'à la prochaine publication. Seules les présentations confirmées "
            "apparaissent dans la version publiée"
            + (f" ({pending} en attente de confirmation n'y figureront pas)." if pending else "."))
forms.form_error(PUBLISH)
with st.form(PUBLISH, enter_to_submit=False):
    note = st.text_input("Note de version *", placeholder="Ex. : ajout de l'atelier, horaires des présentations",
                         max_chars=publishing.NOTE_LENGTH)
    forms.field_error(PUBLISH, "note")
    publish = st.form_submit_button(f"Publier la version {view.latest_number + 1}", type="primary",
                                    disabled=not programme.items)
if publish:
    def release():
        with unit_of_work() as session:
            return publishing.publish_programme(session, actor=actor, edition_id=edition_id, note=note,
                                                expected_number=expected_number)
    version_id = forms.submit(PUBLISH, release, record=publish_record)
    # A double click's second run gets back the version its first run published.
    number = next((row.number for row in view.versions if row.id == version_id), view.latest_number + 1)
    done(f"Version {number} publiée : la page publique et l'agenda la montrent.")
st.page_link("pages/public/programme.py", label="Voir la page publique", icon=":material/open_in_new:")

for row in view.versions:
    with st.expander(f"Version {row.number} — {format_datetime(row.published_at)} — {escape_md(row.note or '')}"):
        show_published(read_content(row.content, number=row.number, note=row.note, published_at=row.published_at),
                       key=f"version-{row.id}")
