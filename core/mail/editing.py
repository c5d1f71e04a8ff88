"""The lead edits a message's text for one edition or for all: checked, versioned, audited.

A text is refused, with a French message next to its field, when it uses a placeholder
its message does not know (the message names those it does), does not parse (the message
names the line), is empty, drops a placeholder the message cannot do without (a link),
or fails a trial rendering on the message's sample (a sandbox refusal). A save against a
version that changed meanwhile is refused (StaleEdit); resetting to the default deletes
the stored row. Both leave an audit row with before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.clock import utcnow
from core.errors import NotFound, StaleEdit, ValidationFailed
from core.mail.catalogue import CATALOGUE, DefaultTemplate
from core.mail.rendering import ENVIRONMENT, SUBJECT_LIMIT, compile_text, lookup
from core.permissions import Action, Actor, require
from db.models import Edition, MailTemplate

BODY_LIMIT = 20_000
STALE = ("Ce modèle a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert : rechargez-le pour voir "
         "sa dernière version ; vos modifications n'ont pas été enregistrées.")
ORIGIN_LABELS = {"edition": "Texte propre à cette rencontre", "all": "Texte commun à toutes les rencontres",
                 "default": "Texte par défaut"}
AUDITED = ("key", "edition_id", "subject", "body", "copy_networks")


@dataclass(frozen=True)
class EditableTemplate:
    """What the editor starts from: the text that applies, where it comes from, and the
    version a save must expect (0: no text is stored for exactly this edition, or for all)."""

    key: str
    label: str
    audience: str
    subject: str
    body: str
    copy_networks: bool
    placeholders: dict[str, str]
    origin: str  # "edition", "all" or "default"
    version: int
    about_candidacy: bool  # else no network is in copy: the switch means nothing

    @property
    def origin_label(self) -> str:
        return ORIGIN_LABELS[self.origin]


def template_for_editing(session: Session, *, actor: Actor, key: str, edition_id: int | None) -> EditableTemplate:
    """The text of `key` that applies to the edition (None: to all), for the editor."""
    require(actor, Action.MANAGE_CALLS)
    default = _default(key)
    text = lookup(session, key, edition_id)
    origin = "default" if not text.stored else ("edition" if text.edition_id is not None else "all")
    own = text.stored and text.edition_id == edition_id
    return EditableTemplate(key, default.label, default.audience, text.subject, text.body, text.copy_networks,
                            dict(default.placeholders), origin, text.version if own else 0, default.about_candidacy)


def template_errors(key: str, subject: str, body: str) -> dict[str, str]:
    """The French message of each refused field ("subject", "body"); empty if the text may be saved."""
    default = _default(key)
    errors = {}
    for field, text, label in (("subject", subject, "L'objet"), ("body", body, "Le texte")):
        message = _field_error(default, text, label, SUBJECT_LIMIT if field == "subject" else BODY_LIMIT)
        if message is None and field == "subject" and re.search(r"[\r\n\x00-\x1f\x7f]", text):
            message = "L'objet tient sur une ligne : retirez les retours à la ligne et les caractères de contrôle."
        if message is not None:
            errors[field] = message
    if not errors:
        missing = [name for name in default.required if name not in _names(body) | _names(subject)]
        if missing:
            them = "lui" if len(missing) == 1 else "eux"
            errors["body"] = f"Le texte doit garder {_listed(missing)} : sans {them}, le message ne sert à rien."
    if not errors:
        errors.update(_trial_error(default, subject, body))
    return errors


def cheap_to_render(key: str, subject: str, body: str) -> bool:
    """Whether both texts parse and keep to the language of templates: rendering them then
    takes no more than their length and their values (the preview renders nothing else)."""
    try:
        return not any(_refused_construct(ENVIRONMENT.parse(text), _default(key)) for text in (subject, body))
    except TemplateSyntaxError:
        return False


def save_template(session: Session, *, actor: Actor, key: str, edition_id: int | None, subject: str, body: str,
                  copy_networks: bool, expected_version: int) -> int:
    """Store the text of `key` for the edition (None: for all); return its new version.

    `expected_version` is EditableTemplate.version as the editor showed it. Refuses:
    NotAllowed, NotFound (key or edition), ValidationFailed (`template_errors`), StaleEdit.
    Side effects: the stored row, one « mail_template_saved » audit row with before/after.
    """
    require(actor, Action.MANAGE_CALLS)
    default = _default(key)
    _check_edition(session, edition_id)
    subject, body = (subject or "").strip(), (body or "").replace("\r\n", "\n").replace("\r", "\n")
    errors = template_errors(key, subject, body)
    if errors:
        raise ValidationFailed(errors)
    row = _stored(session, key, edition_id)
    if (row.version if row else 0) != expected_version:
        raise StaleEdit(STALE)
    before = audit.snapshot(row, list(AUDITED)) if row else None
    values = {"subject": subject, "body": body, "copy_networks": bool(copy_networks), "updated_at": utcnow(),
              "updated_by_id": actor.user_id}
    if row is None:
        row = MailTemplate(key=key, edition_id=edition_id, label=default.label, version=1, **values)
        session.add(row)
        try:
            session.flush()
        except IntegrityError as error:  # the same text created at the same instant by someone else
            raise StaleEdit(STALE) from error
    else:
        changed = session.execute(update(MailTemplate).where(MailTemplate.id == row.id,
                                                             MailTemplate.version == expected_version)
                                  .values(version=expected_version + 1, **values)).rowcount
        if changed != 1:
            raise StaleEdit(STALE)
        session.refresh(row)
    audit.record(session, actor=actor, action="mail_template_saved", object_type="mail_template", object_id=row.id,
                 before=before, after=audit.snapshot(row, list(AUDITED)), detail=_detail(session, default, edition_id))
    return row.version


def reset_template(session: Session, *, actor: Actor, key: str, edition_id: int | None,
                   expected_version: int) -> bool:
    """Back to the text that applies without this stored row (for an edition: the app-wide
    one or the default; for all: the default). Returns False if nothing was stored.
    Refuses: NotAllowed, NotFound, StaleEdit. Side effects: the row deleted, one
    « mail_template_reset » audit row with what it held."""
    require(actor, Action.MANAGE_CALLS)
    default = _default(key)
    _check_edition(session, edition_id)
    row = _stored(session, key, edition_id)
    if row is None:
        return False
    if row.version != expected_version:
        raise StaleEdit(STALE)
    before = audit.snapshot(row, list(AUDITED))
    if session.execute(delete(MailTemplate).where(MailTemplate.id == row.id,
                                                  MailTemplate.version == expected_version)).rowcount != 1:
        raise StaleEdit(STALE)
    audit.record(session, actor=actor, action="mail_template_reset", object_type="mail_template", object_id=row.id,
                 before=before, after=None, detail=_detail(session, default, edition_id))
    return True


# ---------------------------------------------------------------- checks


def _field_error(default: DefaultTemplate, text: str, label: str, limit: int) -> str | None:
    if not (text or "").strip():
        return f"{label} est vide : écrivez-le, ou revenez au texte par défaut."
    if len(text) > limit:
        return f"{label} est trop long : {limit} caractères au plus."
    try:
        parsed = ENVIRONMENT.parse(text)
        # Checked first: finding the placeholders compiles the text, which folds constants ('x' * 10**9).
        refused = _refused_construct(parsed, default)
        if not refused:
            unknown = sorted((meta.find_undeclared_variables(parsed) | _globals_used(parsed))
                             - set(default.placeholders))
            ENVIRONMENT.from_string(text)  # unknown filters and tests are found at compilation
    except TemplateSyntaxError as error:
        return (f"{label} contient une erreur de syntaxe à la ligne {error.lineno} : {_syntax(error.message)}. "
                "Une valeur s'écrit {{ nom }}, une condition {% if nom %}…{% endif %}.")
    if refused == _INTERNAL:
        return (f"{label} tente d'accéder à des éléments internes, ce qui est interdit : n'utilisez que les champs "
                f"disponibles ({_allowed(default)}).")
    if refused:
        return (f"{label} utilise {refused} : ce n'est pas permis dans un modèle. Seuls le sont les champs, les "
                "conditions {% if %}, une boucle {% for x in champ %} (pas dans une autre boucle), les comparaisons "
                f"et les filtres {', '.join(sorted(_FILTERS))}.")
    if unknown:
        names = ", ".join("{{ " + name + " }}" for name in unknown)
        return (f"{label} utilise {'un champ inconnu' if len(unknown) == 1 else 'des champs inconnus'} de ce "
                f"message : {names}. Champs disponibles : {_allowed(default)}.")
    return None


# The language of a text: values, conditions, one loop over a placeholder, comparisons, +, ~ and
# a few filters. Nothing that multiplies (*, **, %, a loop in a loop, a call, a variable set in
# the text): a text of 20,000 characters could otherwise ask for gigabytes or hours of
# rendering, at each save, each keystroke of the preview and each message.
_PLAIN = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If, nodes.CondExpr,
          nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub,
          nodes.Div, nodes.FloorDiv, nodes.Concat, nodes.List, nodes.Tuple, nodes.Test)
_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim", "default", "length"})
_LOOP = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length"})
_INTERNAL = "internal"
_NAMED = {nodes.Mul: "la multiplication (*)", nodes.Pow: "la puissance (**)", nodes.Mod: "l'opérateur %",
          nodes.Call: "un appel de fonction", nodes.Assign: "{% set %}", nodes.AssignBlock: "{% set %}",
          nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}", nodes.FilterBlock: "{% filter %}",
          nodes.With: "{% with %}", nodes.Include: "{% include %}", nodes.Extends: "{% extends %}",
          nodes.Import: "{% import %}", nodes.FromImport: "{% import %}", nodes.Getitem: "un accès par crochets",
          nodes.Slice: "un accès par crochets"}


def _refused_construct(node: nodes.Node, default: DefaultTemplate, in_loop: bool = False) -> str | None:
    """What the text uses that a template may not (a French phrase), or _INTERNAL, or None."""
    if isinstance(node, nodes.Getattr):
        loop_attr = in_loop and isinstance(node.node, nodes.Name) and node.node.name == "loop" and node.attr in _LOOP
        return None if loop_attr else _INTERNAL
    if isinstance(node, nodes.For):
        if in_loop:
            return "une boucle dans une autre boucle"
        if not (isinstance(node.iter, nodes.Name) and node.iter.name in default.placeholders):
            return "une boucle qui ne parcourt pas un champ"
    elif isinstance(node, nodes.Filter | nodes.Test) and node.dyn_args is None and node.dyn_kwargs is None:
        if isinstance(node, nodes.Filter) and node.name in ENVIRONMENT.filters and node.name not in _FILTERS:
            return f"le filtre « {node.name} »"
    elif not isinstance(node, _PLAIN):
        return _NAMED.get(type(node), "cette construction")
    inner = in_loop or isinstance(node, nodes.For)
    for child in node.iter_child_nodes():
        refused = _refused_construct(child, default, inner)
        if refused:
            return refused
    return None


def _trial_error(default: DefaultTemplate, subject: str, body: str) -> dict[str, str]:
    """The text rendered on the message's sample: a refusal there is a refusal at sending."""
    try:
        compile_text(subject, body)(default.sample)
    except SecurityError:
        return {"body": "Le texte tente d'accéder à des éléments internes, ce qui est interdit : n'utilisez que "
                        f"les champs disponibles ({_allowed(default)})."}
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
        return {"body": "Le texte ne peut pas être rendu avec des valeurs d'exemple "
                        f"({type(error).__name__}) : vérifiez les conditions et les opérations sur les champs."}
    return {}


_SYNTAX = (
    (re.compile(r"Unexpected end of template"), lambda m: "le texte se termine alors qu'un bloc n'est pas fermé "
                                                          "({% endif %} ou {% endfor %} manquant)"),
    (re.compile(r"unexpected '(.+)'"), lambda m: f"« {m.group(1)} » inattendu"),
    (re.compile(r"expected token 'end of print statement'"), lambda m: "« }} » attendu pour fermer la valeur"),
    (re.compile(r"Encountered unknown tag '(.+?)'"), lambda m: f"bloc {{% {m.group(1)} %}} inconnu ou mal placé"),
    (re.compile(r"No filter named '(.+?)'"), lambda m: f"filtre « {m.group(1)} » inconnu"),
    (re.compile(r"No test named '(.+?)'"), lambda m: f"test « {m.group(1)} » inconnu"),
)


def _syntax(message: str | None) -> str:
    for pattern, french in _SYNTAX:
        match = pattern.search(message or "")
        if match:
            return french(match)
    return "construction non reconnue"


def _globals_used(parsed: nodes.Template) -> set[str]:
    """Jinja's own names (range, lipsum…) the text reads: not placeholders, though defined."""
    return {name.name for name in parsed.find_all(nodes.Name)
            if name.ctx == "load" and name.name in ENVIRONMENT.globals}


def _names(text: str) -> set[str]:
    return meta.find_undeclared_variables(ENVIRONMENT.parse(text))


def _allowed(default: DefaultTemplate) -> str:
    return ", ".join("{{ " + name + " }}" for name in default.placeholders)


def _listed(names: list[str]) -> str:
    return ", ".join("{{ " + name + " }}" for name in names)


def _default(key: str) -> DefaultTemplate:
    if key not in CATALOGUE:
        raise NotFound("Modèle de courriel inconnu.")
    return CATALOGUE[key]


def _check_edition(session: Session, edition_id: int | None) -> None:
    if edition_id is not None and session.get(Edition, edition_id) is None:
        raise NotFound("Rencontre introuvable.")


def _stored(session: Session, key: str, edition_id: int | None) -> MailTemplate | None:
    scope = MailTemplate.edition_id.is_(None) if edition_id is None else MailTemplate.edition_id == edition_id
    return session.scalar(select(MailTemplate).where(MailTemplate.key == key, scope))


def _detail(session: Session, default: DefaultTemplate, edition_id: int | None) -> str:
    if edition_id is None:
        return f"{default.label} (toutes les rencontres)"
    return f"{default.label} ({session.get(Edition, edition_id).title})"
