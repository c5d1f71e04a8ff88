"""The French default texts of every message the app sends, with what each may say.

Each default names its placeholders (name → what it holds, in French: the editor lists
them beside the text, and a stored text using any other name is refused), a sample
context (previews, and the trial rendering when the lead saves) and whether the
submitting network's referents are in copy by default. A stored MailTemplate of the same
key replaces the subject and text (core.mail.rendering looks them up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db.models import Deliberation

SIGNATURE = "\n\n-- \nL'équipe OpenMap — Mission clauses sociales Île-de-France\n"


@dataclass(frozen=True)
class DefaultTemplate:
    key: str
    label: str
    subject: str
    body: str
    placeholders: dict[str, str]  # name → French description
    sample: dict
    copy_networks: bool = True
    audience: str = ""  # who receives it, in French, for the editor
    # Placeholders the text must keep (a reset without its link is no reset).
    required: tuple[str, ...] = field(default=())
    # About one candidacy (previewed on a real one; its network may be in copy), not an account or a network.
    about_candidacy: bool = True


# ---------------------------------------------------------------- shared pieces

_STRUCTURE = {"structure": "Nom de la structure candidate", "network": "Réseau qui a proposé la candidature",
              "theme": "Thème de l'appel à candidatures", "edition": "Titre de la rencontre",
              "event_date": "Date de la rencontre (« 18 mars 2027 »)"}
_RETAINED = {
    **_STRUCTURE,
    "venue": "Lieu de la rencontre (vide s'il n'est pas encore connu)",
    "address": "Adresse du lieu, avec la ville (vide si inconnue)",
    "start_time": "Heure de début de la rencontre (« 09 h 00 »)",
    "time_slot": "Horaire de passage de la structure (vide tant que le programme n'est pas établi)",
    "pitch_minutes": "Durée de la présentation express, en minutes",
    "confirm_link": "Lien personnel pour confirmer ou décliner la présentation (à usage unique)",
    "confirm_by": "Date limite de confirmation (« 11 mars 2027 à 23 h 59 », heure de Paris)",
}
_SAMPLE_STRUCTURE = {"structure": "Bâti-Insert 95", "network": "Urtie",
                     "theme": "Services liés aux chantiers et aux grands travaux",
                     "edition": "OpenMap n° 7 — Chantiers du Grand Paris", "event_date": "18 mars 2027"}
_SAMPLE_RETAINED = {
    **_SAMPLE_STRUCTURE, "venue": "Hôtel de Ville d'Argenteuil",
    "address": "12-14 boulevard Léon-Feix, 95100 Argenteuil",
    "start_time": "09 h 00", "time_slot": "", "pitch_minutes": 5,
    "confirm_link": "https://candidatures.openmap.exemple.fr/confirmation/exemple",
    "confirm_by": "11 mars 2027 à 23 h 59",
}
_INTRO = ("Bonjour,\n\n"
          "La candidature de {{ structure }}, proposée par {{ network }} pour l'appel « {{ theme }} » "
          "({{ edition }}, le {{ event_date }}), ")
_WHERE = ("{% if venue %}La rencontre aura lieu le {{ event_date }} à partir de {{ start_time }}, "
          "{{ venue }}{% if address %}, {{ address }}{% endif %}.{% else %}La rencontre aura lieu le "
          "{{ event_date }} à partir de {{ start_time }} ; le lieu vous sera précisé prochainement.{% endif %}\n"
          "{% if time_slot %}Votre présentation express est prévue à {{ time_slot }} et dure {{ pitch_minutes }} "
          "minutes.{% else %}Votre présentation express dure {{ pitch_minutes }} minutes ; l'horaire précis de "
          "votre passage vous sera communiqué avec le programme de la matinée.{% endif %}\n\n")
_PREPARE = ("Pour préparer votre intervention :\n"
            "- une présentation courte et concrète : votre activité, vos références auprès d'acheteurs publics, "
            "ce que vous proposez sur ce thème ;\n"
            "- au plus quelques diapositives, à nous envoyer la veille si vous en utilisez ;\n"
            "- la personne qui présentera, et des cartes de visite pour les rendez-vous avec les acheteurs.\n\n")
_CONFIRM = ("Merci de confirmer votre présentation, ou de nous dire si vous ne pouvez pas venir, avant le "
            "{{ confirm_by }}, en ouvrant ce lien personnel (sans création de compte) :\n{{ confirm_link }}\n\n"
            "Sans réponse de votre part à cette date, la place pourra être proposée à une autre structure.")


def _template(key, label, subject, body, placeholders, sample, **options) -> DefaultTemplate:
    return DefaultTemplate(key=key, label=label, subject=subject, body=body + SIGNATURE,
                           placeholders=placeholders, sample=sample, **options)


CATALOGUE: dict[str, DefaultTemplate] = {t.key: t for t in (
    _template(
        "invitation", "Invitation à créer un compte", "Votre accès à OpenMap candidatures",
        "Bonjour {{ full_name }},\n\n"
        "{{ inviter }} vous invite à rejoindre OpenMap candidatures en tant que {{ role }}"
        "{% if network %} pour le réseau {{ network }}{% endif %}.\n\n"
        "Pour choisir votre mot de passe, ouvrez ce lien (valable jusqu'au {{ expires }}, "
        "utilisable une seule fois) :\n{{ link }}\n\n"
        "Si vous n'attendiez pas cette invitation, ignorez ce message.",
        {"full_name": "Nom de la personne invitée", "inviter": "Nom de la personne qui invite",
         "role": "Rôle donné (« Réseau », « Évaluateur »…)", "network": "Réseau du compte (vide sinon)",
         "link": "Lien personnel pour choisir le mot de passe", "expires": "Fin de validité du lien"},
        {"full_name": "Camille Martin", "inviter": "Sophie Durand", "role": "Réseau", "network": "Urtie",
         "link": "https://candidatures.openmap.exemple.fr/lien/exemple", "expires": "8 mars 2027 à 09 h 00"},
        copy_networks=False, audience="La personne invitée.", required=("link",), about_candidacy=False,
    ),
    _template(
        "password_reset", "Réinitialisation du mot de passe", "Réinitialisation de votre mot de passe OpenMap",
        "Bonjour {{ full_name }},\n\n"
        "Une réinitialisation du mot de passe de votre compte OpenMap candidatures a été demandée.\n"
        "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable jusqu'au {{ expires }}, "
        "utilisable une seule fois) :\n{{ link }}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
        "votre mot de passe actuel reste valable.",
        {"full_name": "Nom du titulaire du compte", "link": "Lien personnel pour choisir le mot de passe",
         "expires": "Fin de validité du lien"},
        {"full_name": "Camille Martin", "link": "https://candidatures.openmap.exemple.fr/lien/exemple",
         "expires": "8 mars 2027 à 09 h 00"},
        copy_networks=False, audience="Le titulaire du compte.", required=("link",), about_candidacy=False,
    ),
    _template(
        "submission_ack", "Accusé de réception d'une candidature", "Candidature reçue : {{ structure }} — {{ theme }}",
        "Bonjour,\n\n"
        "La candidature de {{ structure }} (SIRET {{ siret }}) proposée par {{ network }} "
        "pour l'appel « {{ theme }} » ({{ edition }}) a bien été déposée le {{ submitted_at }} "
        "par {{ referent }}.\n\n"
        "Vous pouvez la modifier ou la retirer jusqu'à la clôture de l'appel, le {{ closes_at }}. "
        "Les décisions vous seront communiquées après l'examen des candidatures.",
        {"structure": "Nom de la structure candidate", "siret": "SIRET de la structure",
         "network": "Réseau qui a proposé la candidature", "theme": "Thème de l'appel à candidatures",
         "edition": "Titre de la rencontre", "submitted_at": "Date et heure du dépôt",
         "referent": "Nom du référent qui a déposé", "closes_at": "Date et heure de clôture de l'appel"},
        {"structure": "Bâti-Insert 95", "siret": "73282932000074", "network": "Urtie",
         "theme": "Services liés aux chantiers et aux grands travaux",
         "edition": "OpenMap n° 7 — Chantiers du Grand Paris", "submitted_at": "12 février 2027 à 10 h 15",
         "referent": "Camille Martin", "closes_at": "28 février 2027 à 18 h 00"},
        audience="Le réseau qui a déposé (son adresse de contact), le référent en copie.",
    ),
    _template(
        "call_opened", "Ouverture d'un appel à candidatures",
        "Appel à candidatures ouvert : {{ theme }} — {{ edition }}",
        "Bonjour,\n\n"
        "Un appel à candidatures est ouvert pour les présentations express de la rencontre {{ edition }}, "
        "le {{ event_date }}, sur le thème « {{ theme }} ». Votre réseau, {{ network }}, est invité à y proposer "
        "les structures qu'il accompagne.\n\n"
        "{% if description %}{{ description }}\n\n{% endif %}"
        "Structures éligibles : {{ eligibility }}.\n"
        "Départements : {{ departements }}.\n\n"
        "Les candidatures sont à déposer avant le {{ closes_at }}, depuis votre espace :\n{{ link }}\n\n"
        "Vous pourrez enregistrer un brouillon, le compléter puis le déposer, et modifier ou retirer une "
        "candidature jusqu'à la clôture. N'hésitez pas à nous écrire pour toute question.",
        {"network": "Réseau invité", "theme": "Thème de l'appel",
         "description": "Présentation de l'appel (peut être vide)",
         "eligibility": "Types de structures éligibles", "departements": "Départements ouverts",
         "edition": "Titre de la rencontre", "event_date": "Date de la rencontre",
         "closes_at": "Date et heure de clôture de l'appel", "link": "Adresse de l'application"},
        {"network": "Urtie", "theme": "Services liés aux chantiers et aux grands travaux",
         "description": "Nettoyage de chantier, gestion des déchets, second œuvre : présentez aux acheteurs "
                        "ce que vous savez faire.",
         "eligibility": "EI — Entreprise d'insertion, ACI — Atelier et chantier d'insertion, EA — Entreprise adaptée",
         "departements": "95 Val-d'Oise, 93 Seine-Saint-Denis", "edition": "OpenMap n° 7 — Chantiers du Grand Paris",
         "event_date": "18 mars 2027", "closes_at": "28 février 2027 à 18 h 00",
         "link": "https://candidatures.openmap.exemple.fr"},
        copy_networks=False, audience="Chaque référent actif des réseaux invités.", required=("link",),
        about_candidacy=False,
    ),
    _template(
        "call_closing_reminder", "Rappel avant la clôture d'un appel",
        "Rappel : l'appel « {{ theme }} » se clôt le {{ closes_at }}",
        "Bonjour,\n\n"
        "L'appel à candidatures « {{ theme }} » ({{ edition }}) se clôt le {{ closes_at }}.\n\n"
        "{% if drafts %}Votre réseau, {{ network }}, a {{ drafts }} candidature{{ 's' if drafts > 1 else '' }} "
        "en brouillon, pas encore déposée{{ 's' if drafts > 1 else '' }} : pensez à "
        "{{ 'les' if drafts > 1 else 'la' }} compléter et à {{ 'les' if drafts > 1 else 'la' }} déposer avant "
        "la clôture.{% else %}Votre réseau, {{ network }}, n'a encore déposé aucune candidature pour cet appel. "
        "Il est encore temps de proposer les structures que vous accompagnez.{% endif %}\n\n"
        "Votre espace : {{ link }}",
        {"network": "Réseau invité", "theme": "Thème de l'appel", "edition": "Titre de la rencontre",
         "closes_at": "Date et heure de clôture de l'appel",
         "drafts": "Nombre de candidatures du réseau en brouillon (0 : rien de déposé)",
         "link": "Adresse de l'application"},
        {"network": "Urtie", "theme": "Services liés aux chantiers et aux grands travaux",
         "edition": "OpenMap n° 7 — Chantiers du Grand Paris", "closes_at": "28 février 2027 à 18 h 00",
         "drafts": 2, "link": "https://candidatures.openmap.exemple.fr"},
        copy_networks=False, audience="Les référents actifs des réseaux invités qui ont des brouillons ou rien déposé.",
        required=("link",), about_candidacy=False,
    ),
    _template(
        "decision_selected", "Décision : candidature retenue", "Candidature retenue : {{ structure }} — {{ theme }}",
        _INTRO + "est retenue pour une présentation express devant les acheteurs publics. Félicitations !\n\n"
        + _WHERE + _PREPARE + _CONFIRM,
        _RETAINED, _SAMPLE_RETAINED,
        audience="Le contact de la structure, le réseau en copie.", required=("confirm_link",),
    ),
    _template(
        "decision_waitlisted", "Décision : liste d'attente", "Liste d'attente : {{ structure }} — {{ theme }}",
        _INTRO + "n'a pas pu être retenue d'emblée, le nombre de présentations express étant limité ; elle est "
        "inscrite sur la liste d'attente, au rang {{ rank }}.\n\n"
        "Si une place se libère, nous vous écrirons aussitôt pour vous la proposer. D'ici là, les rendez-vous "
        "avec les acheteurs restent ouverts à votre structure.",
        {**_STRUCTURE, "rank": "Rang sur la liste d'attente (1 : la première)"}, {**_SAMPLE_STRUCTURE, "rank": 2},
        audience="Le contact de la structure, le réseau en copie.",
    ),
    _template(
        "decision_not_selected", "Décision : candidature non retenue",
        "Candidature non retenue : {{ structure }} — {{ theme }}",
        _INTRO + "n'a pas été retenue pour les présentations express de cette rencontre. Les candidatures "
        "étaient nombreuses et de qualité, et le nombre de places limité.\n\n"
        "{% if shared_comments %}Voici les remarques du comité d'évaluation, qui pourront vous être utiles :\n"
        "{% for comment in shared_comments %}- {{ comment }}\n{% endfor %}\n{% endif %}"
        "Merci de votre intérêt ; les rendez-vous avec les acheteurs restent ouverts à votre structure, et nous "
        "espérons vous retrouver lors d'une prochaine rencontre.",
        {**_STRUCTURE, "shared_comments": "Commentaires des évaluateurs destinés à la structure (une liste, "
                                          "éventuellement vide) ; retirez-les du texte pour ne pas les partager"},
        {**_SAMPLE_STRUCTURE, "shared_comments": ["Des références publiques solides ; précisez vos capacités "
                                                  "d'intervention sur de grands chantiers."]},
        audience="Le contact de la structure, le réseau en copie.",
    ),
    _template(
        "confirmation_reminder", "Rappel de confirmation",
        "Rappel : merci de confirmer la présentation de {{ structure }} — {{ edition }}",
        "Bonjour,\n\n"
        "Votre structure, {{ structure }}, est retenue pour une présentation express sur le thème « {{ theme }} » "
        "lors de la rencontre {{ edition }}, le {{ event_date }}, et nous n'avons pas encore reçu votre réponse.\n\n"
        "Merci de confirmer votre présentation, ou de nous dire si vous ne pouvez pas venir, avant le "
        "{{ confirm_by }}, en ouvrant ce lien personnel :\n{{ confirm_link }}\n\n"
        "Sans réponse à cette date, la place pourra être proposée à une autre structure.",
        {"structure": _STRUCTURE["structure"], "theme": _STRUCTURE["theme"], "edition": _STRUCTURE["edition"],
         "event_date": _STRUCTURE["event_date"], "confirm_link": _RETAINED["confirm_link"],
         "confirm_by": _RETAINED["confirm_by"]},
        {key: _SAMPLE_RETAINED[key] for key in ("structure", "theme", "edition", "event_date", "confirm_link",
                                                "confirm_by")},
        audience="Le contact d'une structure retenue qui n'a pas répondu, le réseau en copie.",
        required=("confirm_link",),
    ),
    _template(
        "decision_revised", "Décision corrigée", "Décision modifiée : {{ structure }} — {{ theme }}",
        "Bonjour,\n\n"
        "La décision au sujet de la candidature de {{ structure }}, proposée par {{ network }} pour l'appel "
        "« {{ theme }} » ({{ edition }}, le {{ event_date }}), a changé depuis notre précédent message, "
        "qui n'est plus valable : la candidature est désormais {{ outcome }}.\n\n"
        "{% if selected %}" + _WHERE + _CONFIRM + "{% elif waitlisted %}Si une place se libère, nous vous "
        "écrirons aussitôt pour vous la proposer.{% else %}Nous sommes désolés de ce changement. Les rendez-vous "
        "avec les acheteurs restent ouverts à votre structure.{% endif %}\n\n"
        "Veuillez nous excuser pour ce message rectificatif.",
        {**_RETAINED, "outcome": "La nouvelle décision (« retenue pour une présentation express », « inscrite sur "
                                 "la liste d'attente, au rang 2 », « non retenue »)",
         "selected": "Vrai si la candidature est désormais retenue",
         "waitlisted": "Vrai si elle est en liste d'attente",
         "rank": "Rang sur la liste d'attente (vide sinon)",
         "confirm_link": "Lien personnel de confirmation (vide si la candidature n'est pas retenue)",
         "confirm_by": "Date limite de confirmation (vide si la candidature n'est pas retenue)"},
        {**_SAMPLE_RETAINED, "outcome": "retenue pour une présentation express", "selected": True,
         "waitlisted": False, "rank": ""},
        audience="Le contact de la structure, le réseau en copie, quand un premier message était parti.",
    ),
    _template(
        "decision_promoted", "Place libérée : candidature retenue depuis la liste d'attente",
        "Une place s'est libérée : {{ structure }} est retenue — {{ theme }}",
        "Bonjour,\n\n"
        "Une place de présentation express s'est libérée pour la rencontre {{ edition }}, le {{ event_date }}, "
        "sur le thème « {{ theme }} » : la candidature de {{ structure }}, proposée par {{ network }}, qui était "
        "sur la liste d'attente, est maintenant retenue. Félicitations !\n\n"
        + _WHERE + _PREPARE + _CONFIRM,
        _RETAINED, _SAMPLE_RETAINED,
        audience="Le contact de la structure promue, le réseau en copie.", required=("confirm_link",),
    ),
    _template(
        "programme_change", "Changement d'horaire au programme",
        "Changement d'horaire : {{ structure }} — {{ edition }}",
        "Bonjour,\n\n"
        "Le programme de la rencontre {{ edition }}, le {{ event_date }}, a changé : la présentation express de "
        "{{ structure }}, prévue à {{ old_time }}, aura lieu à {{ new_time }}.\n\n"
        "Merci d'en tenir compte ; si ce nouvel horaire vous pose problème, répondez simplement à ce message.",
        {"structure": _STRUCTURE["structure"], "edition": _STRUCTURE["edition"],
         "event_date": _STRUCTURE["event_date"], "old_time": "Horaire précédent (« 10 h 15 »)",
         "new_time": "Nouvel horaire (« 10 h 30 »)"},
        {"structure": "Bâti-Insert 95", "edition": "OpenMap n° 7 — Chantiers du Grand Paris",
         "event_date": "18 mars 2027", "old_time": "10 h 15", "new_time": "10 h 30"},
        audience="Le contact de la structure, le réseau en copie.",
    ),
)}

DEFAULT_TEMPLATES = CATALOGUE  # the name earlier code imports

#: The message that tells each outcome the first time.
OUTCOME_TEMPLATES: dict[Deliberation, str] = {
    Deliberation.SELECTED: "decision_selected",
    Deliberation.WAITLISTED: "decision_waitlisted",
    Deliberation.NOT_SELECTED: "decision_not_selected",
}
#: Messages that tell a candidacy's outcome (or act on it): a newer one replaces the unsent ones.
DECISION_TEMPLATES = frozenset({*OUTCOME_TEMPLATES.values(), "decision_revised", "decision_promoted",
                                "confirmation_reminder"})


def default_template(key: str) -> DefaultTemplate:
    """The default of `key`; KeyError for a key the app does not know."""
    return CATALOGUE[key]
