"""Tests of the field validators: valid and invalid examples, and robustness properties."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.reference import SECTORS, STRUCTURE_KINDS
from core.validation import (
    FieldError,
    _normalised_url,  # the reference the fast path must match
    check_postcode_departement,
    clean_departement,
    clean_email,
    clean_int,
    clean_kind,
    clean_phone,
    clean_postcode,
    clean_sectors,
    clean_siret,
    clean_text,
    clean_url,
)


def message_of(function, *args, **kwargs) -> str:
    with pytest.raises(FieldError) as caught:
        function(*args, **kwargs)
    return caught.value.message


# --------------------------------------------------------------------------- FieldError


def test_field_error_is_value_error_with_message():
    error = FieldError("Le SIRET est obligatoire.")
    assert isinstance(error, ValueError)
    assert error.message == "Le SIRET est obligatoire."
    assert str(error) == "Le SIRET est obligatoire."


# --------------------------------------------------------------------------- SIRET


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("73282932000074", "73282932000074"),
        ("  73282932000074 ", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("732\u00a0829\u00a0320\u00a000074", "73282932000074"),
        ("732.829.320.00074", "73282932000074"),
        ("35600000009075", "35600000009075"),  # La Poste: digit sum divisible by 5
    ],
)
def test_clean_siret_valid_returns_fourteen_digits(raw, expected):
    assert clean_siret(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", " . "])
def test_clean_siret_empty_says_required(raw):
    assert message_of(clean_siret, raw) == "Le SIRET est obligatoire."


@pytest.mark.parametrize(
    "raw",
    [
        "732–829–320–00074",  # en dashes
        "732—829—320—00074",  # em dashes
        "732−829−320−00074",  # minus signs
        "732‑829‑320‑00074",  # non-breaking hyphens
        "732/829/320/00074",
        "732\u202f829\u2009320 00074",  # narrow no-break and thin spaces
        "7328\u200b2932000074",  # pasted zero-width space
        "\ufeff73282932000074\u200e",  # byte order mark, left-to-right mark
        "\u202e73282932000074\u202c",  # right-to-left override
        "732\u00ad829\u2060320\u200d00074",  # soft hyphen, word joiner, zero-width joiner
    ],
)
def test_clean_siret_common_separators_and_invisible_characters_are_accepted(raw):
    assert clean_siret(raw) == "73282932000074"


@pytest.mark.parametrize(
    ("raw", "found"),
    [("7328293200007", "13 chiffres"), ("732 829 320 000 741", "15 chiffres"), ("7", "1 chiffre")],
)
def test_clean_siret_wrong_length_says_how_many_digits_were_found(raw, found):
    message = message_of(clean_siret, raw)
    assert message.startswith("Le SIRET doit comporter 14 chiffres") and found in message


@pytest.mark.parametrize(
    ("raw", "named"),
    [("7328293200007A", "« A »"), ("SIRET", "« S »"), ("732829320OOO74", "« O »"),
     ("732,829,320,00074", "« , »"), ("٧٣٢٨٢٩٣٢٠٠٠٠٧٤", "« ٧ »"), ("73282932000074\x07", "U+0007")],
)
def test_clean_siret_other_character_is_named(raw, named):
    message = message_of(clean_siret, raw)
    assert message.startswith("Le SIRET contient un caractère qui n'est pas un chiffre") and named in message


def test_clean_siret_siren_only_explains_nic_is_missing():
    message = message_of(clean_siret, "732829320")
    assert message.startswith("Le SIRET doit comporter 14 chiffres")
    assert "SIREN" in message


@pytest.mark.parametrize("raw", ["73282932000079", "12345678901234", "35600000009076", "00000000000000"])
def test_clean_siret_bad_checksum_says_invalid(raw):
    assert "clé de contrôle" in message_of(clean_siret, raw)


# --------------------------------------------------------------------------- e-mail


def test_clean_email_valid_returns_normalised_domain():
    assert clean_email("  Jean.Dupont@Exemple.FR ") == "Jean.Dupont@exemple.fr"


def test_clean_email_international_address_is_accepted():
    assert clean_email("élodie@exemple.fr") == "élodie@exemple.fr"


def test_clean_email_empty_says_required():
    assert message_of(clean_email, None) == "L'adresse e-mail est obligatoire."
    assert message_of(clean_email, "  ") == "L'adresse e-mail est obligatoire."


def test_clean_email_without_at_sign_says_so():
    assert "@" in message_of(clean_email, "jean.dupont.exemple.fr")


def test_clean_email_with_inner_space_says_so():
    assert "espace" in message_of(clean_email, "jean dupont@exemple.fr")


@pytest.mark.parametrize("raw", ["jean@", "@exemple.fr", "jean@exemple", "jean@@exemple.fr", "jean@exemple..fr"])
def test_clean_email_invalid_gives_french_message(raw):
    assert message_of(clean_email, raw).startswith("Cette adresse e-mail n'est pas valide")


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0123456789", "01 23 45 67 89"),
        (" 01.23.45.67.89 ", "01 23 45 67 89"),
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033612345678", "06 12 34 56 78"),
        ("0590 12 34 56", "0590 12 34 56"),  # Guadeloupe, dialled from mainland France
        ("+262 692 12 34 56", "0692 12 34 56"),  # La Réunion mobile
    ],
)
def test_clean_phone_french_number_returns_national_format(raw, expected):
    assert clean_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+44 20 7946 0958", "+44 20 7946 0958"), ("0044 20 7946 0958", "+44 20 7946 0958")],
)
def test_clean_phone_foreign_number_returns_international_format(raw, expected):
    assert clean_phone(raw) == expected


def test_clean_phone_empty_says_required():
    assert message_of(clean_phone, "") == "Le numéro de téléphone est obligatoire."


@pytest.mark.parametrize("raw", ["12345", "01 23 45 67", "01 23 45 67 89 10", "téléphone", "+", "+999 12 34"])
def test_clean_phone_invalid_gives_french_message(raw):
    assert message_of(clean_phone, raw).startswith("Ce numéro de téléphone n'est pas valide")


# --------------------------------------------------------------------------- postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("93200", "93200"), (" 75001 ", "75001"), ("75 001", "75001"), ("20000", "20000"), ("97400", "97400")],
)
def test_clean_postcode_valid_returns_five_digits(raw, expected):
    assert clean_postcode(raw) == expected


def test_clean_postcode_empty_says_required():
    assert message_of(clean_postcode, None) == "Le code postal est obligatoire."


@pytest.mark.parametrize("raw", ["7500", "750011", "75OO1", "Paris"])
def test_clean_postcode_not_five_digits_says_so(raw):
    assert "5 chiffres" in message_of(clean_postcode, raw)


@pytest.mark.parametrize("raw", ["98000", "97500", "00000", "20900"])
def test_clean_postcode_outside_departements_says_so(raw):
    assert "aucun département" in message_of(clean_postcode, raw)


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [("75001", "75"), ("95100", "95"), ("20000", "2A"), ("20200", "2B"), ("97100", "971"), ("01000", "01")],
)
def test_check_postcode_departement_consistent_passes(postcode, departement):
    assert check_postcode_departement(postcode, departement) is None


def test_check_postcode_departement_mismatch_names_both():
    message = message_of(check_postcode_departement, "75001", "92")
    assert message.startswith("Le code postal 75001 ne correspond pas au département 92 (Hauts-de-Seine)")


def test_check_postcode_departement_corsica_mismatch_is_refused():
    assert "2B (Haute-Corse)" in message_of(check_postcode_departement, "20000", "2B")


def test_check_postcode_departement_uncleaned_values_are_not_quoted():
    message = message_of(check_postcode_departement, "<b>", "<i>")
    assert "<" not in message


# --------------------------------------------------------------------------- département


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 75 ", "75"),
        ("2a", "2A"),
        ("2B", "2B"),
        ("1", "01"),
        ("01", "01"),
        ("971", "971"),
        ("Val-d'Oise", "95"),
        ("val d’oise", "95"),
        ("SEINE SAINT DENIS", "93"),
        ("ardeche", "07"),
        ("95 - Val-d'Oise", "95"),
        ("Paris (75)", "75"),
    ],
)
def test_clean_departement_valid_returns_official_code(raw, expected):
    assert clean_departement(raw) == expected


def test_clean_departement_empty_says_required():
    assert message_of(clean_departement, " ") == "Le département est obligatoire."


@pytest.mark.parametrize("raw", ["99", "975", "00", "0", "2C", "Atlantis", "750"])
def test_clean_departement_unknown_says_so(raw):
    assert message_of(clean_departement, raw).startswith("Ce département n'existe pas")


def test_clean_departement_20_asks_for_2a_or_2b():
    assert "2A" in message_of(clean_departement, "20")


def test_clean_departement_allowed_accepts_listed_code():
    assert clean_departement("92", allowed=["75", "92"]) == "92"


def test_clean_departement_not_allowed_says_call_not_open():
    message = message_of(clean_departement, "13", allowed=["75", "92"])
    assert message == "Cet appel n'est pas ouvert au département 13 (Bouches-du-Rhône)."


def test_clean_departement_empty_allowed_refuses_everything():
    assert "pas ouvert" in message_of(clean_departement, "75", allowed=())


# --------------------------------------------------------------------------- URL


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.exemple.fr", "https://www.exemple.fr"),
        ("exemple.fr/nous-connaitre", "https://exemple.fr/nous-connaitre"),
        ("http://exemple.fr", "http://exemple.fr"),
        (" HTTPS://WWW.Exemple.FR/Page?x=1#haut ", "https://www.exemple.fr/Page?x=1#haut"),
        ("https://www.exemple.fr:8443/", "https://www.exemple.fr:8443/"),
        ("https://régie-quartier.fr", "https://régie-quartier.fr"),
    ],
)
def test_clean_url_valid_returns_normalised_url(raw, expected):
    assert clean_url(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_clean_url_empty_optional_returns_none(raw):
    assert clean_url(raw) is None


def test_clean_url_empty_required_says_required():
    assert message_of(clean_url, "", required=True) == "L'adresse du site internet est obligatoire."


@pytest.mark.parametrize("raw", ["ftp://exemple.fr", "javascript://exemple.fr/%0Aalert(1)"])
def test_clean_url_other_scheme_says_http_required(raw):
    assert "http://" in message_of(clean_url, raw)


@pytest.mark.parametrize(
    "raw",
    [
        "localhost",
        "exemple",
        "https://",
        "https://exemple.",
        "https://.fr",
        "https://192.168.1.1",
        "https://user:secret@exemple.fr",
        "https://exemple.fr:99999",
        "https://exemple.fr:port",
        "https://exe_mple.fr",
        "https://-exemple.fr",
        "javascript:alert(1)",
        "mailto:contact@exemple.fr",
        "https://[::1]/",
        "https://exemple.fr/\x00",
    ],
)
def test_clean_url_invalid_gives_french_message(raw):
    assert message_of(clean_url, raw)


def test_clean_url_with_space_says_so():
    assert "espace" in message_of(clean_url, "www.mon site.fr")


@pytest.mark.parametrize(
    ("raw", "named"),
    [('https://x.fr/"><script>', '« " »'), ("https://x.fr/<script>", "« < »"), ("https://x.fr/a>b", "« > »"),
     ("https://x.fr/a\\b", "« \\ »"), ("https://x.fr/a^b", "« ^ »"), ("https://x.fr/a`b", "« ` »"),
     ("https://x.fr/{a}", "« { »"), ("https://x.fr/a|b", "« | »"), ("https://x.fr/a}", "« } »"),
     ("https://x.fr/?q=<b>", "« < »"), ("exemple.fr/#\"x", '« " »')],
)
def test_clean_url_character_that_has_no_place_in_a_url_is_named(raw, named):
    message = message_of(clean_url, raw)
    assert message.startswith("L'adresse du site internet contient un caractère interdit") and named in message


@pytest.mark.parametrize("raw", ["https://x.fr/a\x07b", "https://x.fr/a\x7fb", "https://x.fr/\x00"])
def test_clean_url_control_character_is_refused_by_its_code(raw):
    message = message_of(clean_url, raw)
    assert "caractère invisible" in message and "U+00" in message


@pytest.mark.parametrize("raw", ["https://exe\u200bmple.fr", "\u202ehttps://exemple.fr", "exemple.fr\ufeff"])
def test_clean_url_invisible_characters_are_dropped(raw):
    assert clean_url(raw) == "https://exemple.fr"


def test_clean_url_too_long_says_limit():
    assert "300" in message_of(clean_url, "https://exemple.fr/" + "a" * 290)


def test_clean_url_prefix_counts_in_limit():
    assert clean_url("exemple.fr/" + "a" * 281) is not None  # 292 + 8 = 300
    assert "300" in message_of(clean_url, "exemple.fr/" + "a" * 282)


# --------------------------------------------------------------------------- text


def test_clean_text_valid_is_stripped_only():
    assert clean_text("  Régie  de\nquartier ", label="Nom", required=True, max_length=50) == "Régie  de\nquartier"


def test_clean_text_empty_optional_returns_none():
    assert clean_text("   ", label="Résumé", required=False, max_length=10) is None
    assert clean_text(None, label="Résumé", required=False, max_length=10) is None


def test_clean_text_empty_required_names_field():
    message = message_of(clean_text, " ", label="Nom de la structure", required=True, max_length=10)
    assert message == "Le champ « Nom de la structure » est obligatoire."


def test_clean_text_too_long_gives_limit_and_length():
    message = message_of(clean_text, "a" * 12, label="Titre", required=True, max_length=10)
    assert message == "10 caractères au maximum (actuellement 12)."


def test_clean_text_at_limit_is_accepted():
    assert clean_text("a" * 10, label="Titre", required=True, max_length=10) == "a" * 10


def test_clean_text_control_characters_are_removed():
    assert clean_text("Ré\x00gie\x07", label="Nom", required=True, max_length=10) == "Régie"


def test_clean_text_decomposed_accents_are_composed():
    decomposed = unicodedata.normalize("NFD", "Régie")
    assert clean_text(decomposed, label="Nom", required=True, max_length=5) == "Régie"


BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@pytest.mark.parametrize("control", list(BIDI_CONTROLS))
def test_clean_text_bidi_controls_are_removed_single_and_multi_line(control):
    for multiline in (False, True):
        assert clean_text(f"SIRET {control}12345", label="Nom", required=True, max_length=20,
                          multiline=multiline) == "SIRET 12345"


@pytest.mark.parametrize("invisible", list(ZERO_WIDTH))
def test_clean_text_zero_width_characters_are_removed_from_single_line_fields(invisible):
    assert clean_text(f"Bâti{invisible}Insert{invisible}", label="Nom", required=True, max_length=20) == "BâtiInsert"


def test_clean_text_multi_line_keeps_emoji_joiners():
    family = "\U0001f469\u200d\U0001f467"  # one emoji, drawn from two
    assert clean_text(f"Équipe {family}", label="Résumé", required=True, max_length=20, multiline=True) == (
        f"Équipe {family}")
    assert clean_text("a\u200bb\ufeff\u2060", label="Résumé", required=True, max_length=5, multiline=True) == "ab"


@pytest.mark.parametrize("raw", ["un\r\ndeux\r\ntrois", "un\rdeux\rtrois", "un\ndeux\r\ntrois"])
def test_clean_text_line_endings_become_line_feeds_before_counting(raw):
    assert clean_text(raw, label="Résumé", required=True, max_length=13, multiline=True) == "un\ndeux\ntrois"


# --------------------------------------------------------------------------- integer


@pytest.mark.parametrize(
    ("function", "raw", "expected"),
    [
        (clean_postcode, "\u202e95100\u200b", "95100"),
        (clean_phone, "01\u200b39\u202e00 00 00", "01 39 00 00 00"),
        (clean_email, "samia\u200b@exemple.fr\u200f", "samia@exemple.fr"),
        (clean_departement, "\u202d95\ufeff", "95"),
        (clean_kind, "E\u200bI", "EI"),
    ],
)
def test_single_line_inputs_drop_bidi_controls_and_zero_width_characters(function, raw, expected):
    assert function(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (" 12 ", 12), ("1 200", 1200), ("012", 12), ("0", 0)])
def test_clean_int_valid_returns_int(raw, expected):
    assert clean_int(raw, min_value=0, max_value=5000, required=True) == expected


def test_clean_int_empty_optional_returns_none():
    assert clean_int(" ", min_value=0, max_value=10, required=False) is None


def test_clean_int_empty_required_says_required():
    assert message_of(clean_int, None, min_value=0, max_value=10, required=True) == "Ce champ est obligatoire."


@pytest.mark.parametrize("raw", ["12,0", "12.5", "12 salariés", "douze", "1e3", "--1", "²"])
def test_clean_int_not_integer_says_whole_number(raw):
    assert "nombre entier" in message_of(clean_int, raw, min_value=0, max_value=100, required=True)


@pytest.mark.parametrize("raw", ["-1", "101", "9" * 5000])
def test_clean_int_out_of_range_gives_bounds(raw):
    message = message_of(clean_int, raw, min_value=0, max_value=100, required=True)
    assert message == "Indiquez un nombre entre 0 et 100."


def test_clean_int_only_min_bound_says_minimum():
    assert "supérieur ou égal à 1" in message_of(clean_int, "0", min_value=1, max_value=None, required=True)


def test_clean_int_unbounded_huge_says_too_big():
    assert "trop grand" in message_of(clean_int, "9" * 40, min_value=None, max_value=None, required=True)


def test_clean_int_negative_accepted_when_allowed():
    assert clean_int("-3", min_value=-10, max_value=10, required=True) == -3


# --------------------------------------------------------------------------- kind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("EI", "EI"),
        (" esat ", "ESAT"),
        ("Entreprise adaptée", "EA"),
        ("entreprise adaptee", "EA"),
        ("Établissement et service d’aide par le travail", "ESAT"),
        ("ACI — Atelier et chantier d'insertion", "ACI"),
        ("ACI - Atelier et chantier d'insertion", "ACI"),
    ],
)
def test_clean_kind_valid_returns_code(raw, expected):
    assert clean_kind(raw) == expected


# How public data sets (the inclusion market-place's list of structures, among others) and
# people spell the nine kinds.
KIND_SPELLINGS = {
    "EI": ["Entreprise d'insertion (EI)", "Entreprise d'insertion", "Entreprises d'insertion",
           "(EI) Entreprise d'insertion", "EI - Entreprise d'insertion", "ENTREPRISE D’INSERTION (EI)",
           "entreprise d insertion", "E.I.", "Entreprise d'insertion - EI"],
    "ACI": ["Atelier chantier d'insertion (ACI)", "Atelier chantier d'insertion", "Ateliers et chantiers d'insertion",
            "Atelier et chantier d'insertion (ACI)", "Ateliers chantiers d'insertion",
            "ACI (Atelier et chantier d'insertion)", "Atelier & chantier d'insertion",
            "Ateliers et Chantiers d'Insertion (ACI)", "aci"],
    "AI": ["Association intermédiaire (AI)", "Associations intermédiaires", "association intermediaire", "AI"],
    "ETTI": ["Entreprise de travail temporaire d'insertion (ETTI)", "Entreprises de travail temporaire d'insertion",
             "ETTI - Entreprise de Travail Temporaire d'Insertion", "Entreprise travail temporaire insertion"],
    "EITI": ["Entreprise d'insertion par le travail indépendant (EITI)",
             "Entreprises d'insertion par le travail indépendant", "EITI",
             "entreprise d'insertion par le travail independant"],
    "GEIQ": ["Groupement d'employeurs pour l'insertion et la qualification (GEIQ)",
             "Groupements d'employeurs pour l'insertion et la qualification", "GEIQ",
             "Groupement d’Employeurs pour l’Insertion et la Qualification"],
    "EA": ["Entreprise adaptée (EA)", "Entreprise Adaptée (EA)", "Entreprises adaptées", "EA - Entreprise adaptée",
           "EA"],
    "EATT": ["Entreprise adaptée de travail temporaire (EATT)", "Entreprises adaptées de travail temporaire", "EATT",
             "EATT — Entreprise adaptée de travail temporaire"],
    "ESAT": ["Etablissement et service d'aide par le travail (ESAT)", "ESAT",
             "Établissement ou service d'aide par le travail", "Etablissement et service d'aide par le travail",
             "Établissements et services d'aide par le travail",
             "ESAT - Établissement et service d'aide par le travail", "Établissement de service d'aide par le travail"],
}


@pytest.mark.parametrize(
    ("raw", "expected"), [(spelling, code) for code, spellings in KIND_SPELLINGS.items() for spelling in spellings]
)
def test_clean_kind_public_data_spellings_are_accepted(raw, expected):
    assert clean_kind(raw) == expected


def test_clean_kind_every_kind_has_spellings_in_the_table():
    assert KIND_SPELLINGS.keys() == STRUCTURE_KINDS.keys()


@pytest.mark.parametrize("raw", ["EA (Entreprise d'insertion)", "Entreprise d'insertion (ESAT)", "Entreprise (EI)",
                                 "Entreprise d'insertion adaptée", "Atelier d'insertion"])
def test_clean_kind_code_and_label_that_disagree_are_refused(raw):
    assert message_of(clean_kind, raw).startswith("Type de structure inconnu")


def test_clean_kind_empty_says_required():
    assert message_of(clean_kind, None) == "Le type de structure est obligatoire."


@pytest.mark.parametrize("raw", ["SIAE", "Entreprise", "EIX"])
def test_clean_kind_unknown_lists_codes(raw):
    message = message_of(clean_kind, raw)
    assert message.startswith("Type de structure inconnu")
    assert "ESAT" in message


def test_clean_kind_not_allowed_says_call_not_open():
    message = message_of(clean_kind, "ESAT", allowed=["EI", "ACI"])
    assert message == (
        "Cet appel n'est pas ouvert aux structures de type ESAT — Établissement et service d'aide par le travail.")


def test_clean_kind_allowed_accepts_listed_code():
    assert clean_kind("ei", allowed=["EI", "ACI"]) == "EI"


# --------------------------------------------------------------------------- sectors


def test_clean_sectors_list_returns_canonical_labels_in_reference_order():
    assert clean_sectors(["restauration", "BATIMENT ET TRAVAUX PUBLICS"]) == [
        "Bâtiment et travaux publics",
        "Restauration",
    ]


def test_clean_sectors_semicolon_string_keeps_label_with_comma():
    assert clean_sectors("Déménagements, livraisons et transports ; Hygiène et propreté") == [
        "Hygiène et propreté",
        "Déménagements, livraisons et transports",
    ]


def test_clean_sectors_newline_string_is_split():
    assert clean_sectors("Restauration\nMédico-social\r\n") == ["Restauration", "Médico-social"]


def test_clean_sectors_comma_string_is_understood_when_unambiguous():
    assert clean_sectors("demenagements, livraisons et transports, Restauration, agroalimentaire") == [
        "Déménagements, livraisons et transports",
        "Restauration",
        "Agro-alimentaire",
    ]


def test_clean_sectors_duplicates_are_removed():
    assert clean_sectors(["Restauration", "restauration;Restauration"]) == ["Restauration"]


def test_clean_sectors_all_reference_labels_are_accepted():
    assert clean_sectors(";".join(SECTORS)) == list(SECTORS)
    assert clean_sectors(list(SECTORS)) == list(SECTORS)


@pytest.mark.parametrize("raw", [None, "", " ; ", [], ["", "  "]])
def test_clean_sectors_empty_asks_for_one(raw):
    assert message_of(clean_sectors, raw) == "Indiquez au moins un secteur d'activité."


def test_clean_sectors_unknown_are_named():
    message = message_of(clean_sectors, "Restauration; Plomberie; Jardinage")
    assert message.startswith("Secteurs d'activité inconnus : « Plomberie », « Jardinage ».")


def test_clean_sectors_single_unknown_is_singular():
    assert message_of(clean_sectors, ["Plomberie"]).startswith("Secteur d'activité inconnu : « Plomberie ».")


def test_clean_sectors_unknown_quote_is_short_and_plain():
    message = message_of(clean_sectors, "\u202eévil\x00" + "x" * 500)
    assert "\u202e" not in message and "\x00" not in message
    assert len(message) < 200


def test_clean_sectors_many_unknown_are_summarised():
    message = message_of(clean_sectors, ";".join(f"Inconnu {n}" for n in range(8)))
    assert "et 3 autres" in message


# --------------------------------------------------------------------------- robustness

_ANY_TEXT = st.one_of(st.none(), st.text(), st.text(alphabet=st.characters(codec="utf-8"), min_size=200))
_ROBUST = settings(max_examples=200)


def _only_field_error(function, *args, **kwargs) -> None:
    """Call and accept either a result or a FieldError with a short, plain message."""
    try:
        function(*args, **kwargs)
    except FieldError as error:
        assert isinstance(error.message, str) and error.message
        assert len(error.message) < 400
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in error.message)


@_ROBUST
@given(_ANY_TEXT)
def test_clean_siret_any_text_raises_only_field_error(value):
    _only_field_error(clean_siret, value)


@_ROBUST
@given(st.text(alphabet="0123456789 ", max_size=30))
def test_clean_siret_digits_and_spaces_raises_only_field_error(value):
    try:
        result = clean_siret(value)
    except FieldError:
        return
    assert len(result) == 14 and result.isdigit()


@_ROBUST
@given(_ANY_TEXT)
def test_clean_email_any_text_raises_only_field_error(value):
    _only_field_error(clean_email, value)


@_ROBUST
@given(st.one_of(_ANY_TEXT, st.text(alphabet="+0123456789 .-()", max_size=25)))
def test_clean_phone_any_text_raises_only_field_error(value):
    _only_field_error(clean_phone, value)


@_ROBUST
@given(st.one_of(_ANY_TEXT, st.text(alphabet="0123456789 ", max_size=8)))
def test_clean_postcode_any_text_raises_only_field_error(value):
    _only_field_error(clean_postcode, value)


@_ROBUST
@given(_ANY_TEXT, _ANY_TEXT)
def test_check_postcode_departement_any_text_raises_only_field_error(postcode, departement):
    _only_field_error(check_postcode_departement, postcode, departement)


@_ROBUST
@given(_ANY_TEXT, st.none() | st.lists(st.text(max_size=3)))
def test_clean_departement_any_text_raises_only_field_error(value, allowed):
    _only_field_error(clean_departement, value, allowed)


@_ROBUST
@given(st.one_of(_ANY_TEXT, st.text(alphabet="htps:/w.exmplfr[]@?#%:0123456789-_é", max_size=40)), st.booleans())
def test_clean_url_any_text_raises_only_field_error(value, required):
    _only_field_error(clean_url, value, required=required)


@_ROBUST
@given(_ANY_TEXT, st.booleans(), st.integers(min_value=0, max_value=300))
def test_clean_text_any_text_raises_only_field_error(value, required, max_length):
    _only_field_error(clean_text, value, label="Nom", required=required, max_length=max_length)


@_ROBUST
@given(
    st.one_of(_ANY_TEXT, st.text(alphabet="+-0123456789 ,.", max_size=30)),
    st.none() | st.integers(),
    st.none() | st.integers(),
    st.booleans(),
)
def test_clean_int_any_text_raises_only_field_error(value, min_value, max_value, required):
    _only_field_error(clean_int, value, min_value=min_value, max_value=max_value, required=required)


@_ROBUST
@given(_ANY_TEXT, st.none() | st.lists(st.sampled_from(list(STRUCTURE_KINDS))))
def test_clean_kind_any_text_raises_only_field_error(value, allowed):
    _only_field_error(clean_kind, value, allowed)


@_ROBUST
@given(st.one_of(_ANY_TEXT, st.lists(st.text()), st.lists(st.sampled_from(SECTORS) | st.text(max_size=5))))
def test_clean_sectors_any_input_raises_only_field_error(values):
    _only_field_error(clean_sectors, values)


@_ROBUST
@given(st.text(max_size=20))
def test_clean_text_result_is_stripped_and_within_limit(value):
    try:
        result = clean_text(value, label="Nom", required=False, max_length=10)
    except FieldError:
        return
    assert result is None or (result == result.strip() and 0 < len(result) <= 10)


@_ROBUST
@given(st.lists(st.sampled_from(SECTORS), min_size=1))
def test_clean_sectors_any_reference_subset_round_trips(labels):
    assert clean_sectors("; ".join(labels)) == [label for label in SECTORS if label in labels]
    assert clean_sectors(", ".join(labels)) == [label for label in SECTORS if label in labels]


@given(st.from_regex(r"(https?|HTTP)://[a-zA-Z0-9.-]{1,30}(/[a-zA-Z0-9._~%!$&'()*+,;=/-]{0,30})?", fullmatch=True))
def test_clean_url_fast_path_gives_what_urlsplit_gives(url):
    try:
        expected = _normalised_url(url)
    except FieldError:
        with pytest.raises(FieldError):
            clean_url(url)
    else:
        assert clean_url(url) == expected
