"""Rendering: the edition's text, else the app-wide one, else the default; subjects of one
visible line; an HTML part in which nothing typed by anyone is markup (Hypothesis)."""

import unicodedata
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core import mail
from core.mail import rendering
from core.mail.catalogue import CATALOGUE
from core.mail.html import text_to_html
from core.mail.rendering import SUBJECT_LIMIT, clean_subject, compile_text, lookup, lookup_many
from db.engine import read_only, unit_of_work
from db.models import MailTemplate, OutboxMessage
from tests.factories import make_call, make_edition
from tests.querycount import statements_of

SAMPLE = CATALOGUE["decision_not_selected"].sample


def store(key, subject, body, edition_id=None, copy_networks=True):
    with unit_of_work() as session:
        session.add(MailTemplate(key=key, edition_id=edition_id, label="Test", subject=subject, body=body,
                                 copy_networks=copy_networks))


def test_lookup_prefers_the_edition_then_all_editions_then_the_default(db):
    edition, other = make_edition(), make_edition()
    with read_only() as session:
        assert lookup(session, "decision_waitlisted", edition).stored is False
    store("decision_waitlisted", "Pour toutes", "Texte commun", copy_networks=False)
    store("decision_waitlisted", "Pour celle-ci", "Texte propre", edition_id=edition)
    with read_only() as session:
        own, shared, everywhere = (lookup(session, "decision_waitlisted", e) for e in (edition, other, None))
        untouched = lookup(session, "decision_selected", edition)
    assert (own.subject, own.edition_id, own.version) == ("Pour celle-ci", edition, 1)
    assert (shared.subject, shared.edition_id, shared.copy_networks) == ("Pour toutes", None, False)
    assert everywhere.subject == "Pour toutes"
    assert (untouched.subject, untouched.stored) == (CATALOGUE["decision_selected"].subject, False)


def test_lookup_many_is_one_query_whatever_the_number_of_keys(db):
    edition = make_edition()
    store("decision_selected", "S", "B", edition_id=edition)
    with read_only() as session:
        engine = session.get_bind()
        session.execute(select(1))  # the transaction's own statements come first
        one = statements_of(engine, lambda: lookup_many(session, ["invitation"], edition))
        assert statements_of(engine, lambda: lookup_many(session, list(CATALOGUE), edition)) == one
        assert lookup_many(session, list(CATALOGUE), edition)["decision_selected"].subject == "S"


def test_render_gives_subject_text_and_html(db):
    with read_only() as session:
        rendered = mail.render(session, "decision_not_selected", {**SAMPLE, "structure": "Léa & <Co>"})
    assert rendered.subject == "Candidature non retenue : Léa & <Co> — " + SAMPLE["theme"]
    assert "Léa & <Co>" in rendered.text
    assert "Léa &amp; &lt;Co&gt;" in rendered.html and "<Co>" not in rendered.html
    assert rendered.html.count("<p>") >= 4 and "<br>" in rendered.html


def test_html_makes_web_addresses_clickable_and_nothing_else():
    html = text_to_html("Lien : https://exemple.fr/a?b=1&c=2.\nPas un lien : javascript:alert(1) ni "
                        "ftp://x.fr\n\n« http://x.fr/\"onmouseover=alert(1) »")
    assert '<a href="https://exemple.fr/a?b=1&amp;c=2">https://exemple.fr/a?b=1&amp;c=2</a>.' in html
    assert '<a href="http://x.fr/">' in html and "onmouseover=alert(1)" in html
    assert html.count("<a ") == 2 and 'href="javascript' not in html and 'href="ftp' not in html


def test_subject_collapses_line_breaks_controls_and_bidi_to_one_space():
    assert clean_subject("Bonjour\r\nBcc: x@y.fr\u202e\u200b\x00  fin") == "Bonjour Bcc: x@y.fr fin"
    long = clean_subject("x" * 1000)
    assert len(long) == SUBJECT_LIMIT and long.endswith("…")


# ---------------------------------------------------------------- hostile values

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["\r\nBcc: victime@exemple.fr", "<script>alert(1)</script>", "{{ 7 * 7 }}", "{% if %}",
                     "\u202eevil\u202c", "a\u200bb\u2066c", "<a href='x'>", "&amp;", "\x00\x1e\x1f", "x" * 5000,
                     "\u2028ligne\u2029", "]]>--><!--"]),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Po", "Sm"]), max_size=50),
)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


@settings(max_examples=150, deadline=None)
@given(structure=HOSTILE, network=HOSTILE, comment=HOSTILE)
def test_hostile_values_never_break_the_subject_nor_inject_markup(structure, network, comment):
    default = CATALOGUE["decision_not_selected"]
    render = compile_text(default.subject, default.body)
    rendered = render({**SAMPLE, "structure": structure, "network": network, "shared_comments": [comment]})
    subject = rendered.subject
    assert len(subject) <= SUBJECT_LIMIT and subject == subject.strip()
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in subject)
    assert "\r" not in rendered.text and not any(ch in rendered.text for ch in "\u202e\u2066\x00")
    parser = _Tags()
    parser.feed(rendered.html)
    assert set(parser.tags) <= {"html", "head", "meta", "body", "p", "br", "a"}
    assert set(parser.attributes) <= {"lang", "charset", "style", "href"}
    assert parser.tags.count("meta") == 1 and parser.tags.count("body") == 1


@settings(max_examples=100, deadline=None)
@given(value=HOSTILE)
def test_a_value_is_shown_as_typed_never_evaluated_as_a_template(value):
    rendered = compile_text("Objet {{ structure }}", "Texte {{ structure }}")({"structure": value})
    assert rendered.text.removeprefix("Texte ") == rendering.clean_body(value)


def test_queue_stores_the_html_part_and_the_call(db):
    call_id = make_call()
    store("decision_waitlisted", "Rang {{ rank }}", "Rang {{ rank }} pour <{{ structure }}>.")
    with unit_of_work() as session:
        message = mail.queue(session, idempotency_key="k", template_key="decision_waitlisted",
                             to_address="a@exemple.fr", context={**SAMPLE, "rank": 3, "structure": "<b>X</b>"},
                             call_id=call_id, network_copy=["reseau@exemple.fr"])
        message_id = message.id
    with read_only() as session:
        stored = session.get(OutboxMessage, message_id)
    assert stored.call_id == call_id and stored.subject == "Rang 3"
    assert "&lt;&lt;b&gt;X&lt;/b&gt;&gt;" in stored.body_html and "<b>" not in stored.body_html
    assert stored.cc_addresses == "reseau@exemple.fr"


def test_a_value_holding_template_code_is_not_evaluated():
    rendered = compile_text("{{ structure }}", "{{ structure }}")({"structure": "{{ 7 * 7 }}{% raw %}"})
    assert rendered == ("{{ 7 * 7 }}{% raw %}", "{{ 7 * 7 }}{% raw %}")
