"""Pieces of the template editor: the placeholders beside the text, the message preview."""

from __future__ import annotations

import streamlit as st

from core.mail.preview import MessagePreview
from ui.forms import escape_md

# The preview's iframe runs nothing and loads nothing: the HTML part is escaped text already,
# this is one more lock. Its links open outside the app.
_LOCKED = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
           '<base target="_blank">')


def placeholders_list(placeholders: dict[str, str]) -> None:
    """Each placeholder as it is written in a text, with what it holds."""
    st.markdown("**Champs disponibles**")
    st.caption("Écrivez-les tels quels dans l'objet ou le texte ; tout autre nom est refusé à l'enregistrement.")
    st.markdown("\n".join(f"- `{{{{ {name} }}}}` : {escape_md(description)}"
                          for name, description in placeholders.items()))


def show_preview(preview: MessagePreview) -> None:
    """The subject, the text and the HTML part as the recipient will see them, or why not."""
    st.caption(escape_md(f"Aperçu sur {preview.on}."))
    for message in preview.errors.values():
        st.warning(escape_md(f"Ce texte serait refusé à l'enregistrement : {message}"))
    if preview.rendered is None:
        st.info("Aperçu indisponible tant que le texte contient une erreur.")
        return
    st.markdown(f"**Objet :** {escape_md(preview.rendered.subject)}")
    text, html = st.tabs(["Texte", "HTML"])
    with text:
        st.code(preview.rendered.text, language="text", wrap_lines=True)
    with html:
        st.iframe(preview.rendered.html.replace("<head>", "<head>" + _LOCKED, 1), height=520)
