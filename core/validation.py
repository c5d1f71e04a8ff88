"""Field validators for candidacy forms and the spreadsheet import.

Each `clean_*` function takes the raw value typed by a user or read from a cell
(a str or None, possibly with surrounding spaces) and either returns the normalised
value or raises `FieldError` whose `message` is a French sentence meant to be shown
next to the field. They are pure (no I/O) and, for any str or None input, never raise
anything but `FieldError`.

Messages never quote more of the user's input than a short, cleaned plain-text
excerpt (see `excerpt`); the page that shows them must still escape them as text.
"""

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.fr import siret as stdnum_siret

from core.departements import DEPARTEMENTS, departement_label, departement_of_postcode
from core.reference import SECTORS, STRUCTURE_KINDS, kind_label


class FieldError(ValueError):
    """A value refused for one field; `message` is French, plain text, safe to show."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# --------------------------------------------------------------------------- helpers


# Bidi controls (Arabic letter mark, left-to-right and right-to-left marks, embeddings,
# overrides and isolates) reorder the text that follows them: « SIRET 12345 » shows reversed.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Zero-width space, non-joiner and joiner, word joiner, byte order mark: invisible, they
# make two identical-looking names differ and break a number in two.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Regular expressions, not str.translate: translate with a mapping costs ~10 µs on a
# 150-character accented text, ten times a regex search, on every field of every row.
_DROP_INVISIBLE = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH}]")
# Multi-line text keeps the two joiners: they draw emoji sequences (woman + ZWJ + girl) and
# shape some scripts, and cannot reorder anything; the other zero-width characters are
# copy-paste residue there too.
_DROP_INVISIBLE_KEEP_JOINERS = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH.replace(chr(0x200c) + chr(0x200d), '')}]")


def _stripped(value: str | None) -> str:
    """The value without bidi controls, zero-width characters and surrounding whitespace; "" for None.

    For single-line values (numbers, addresses, codes): what is left is what the user sees.
    """
    return _DROP_INVISIBLE.sub("", value or "").strip()


@functools.lru_cache(maxsize=2048)  # kinds, départements and sectors repeat from row to row
def matching_key(text: str) -> str:
    """Matching key: case-, accent- and punctuation-insensitive.

    Keeps only letters and digits so that « Médico social », « medico-social » and
    « MÉDICO-SOCIAL » all match, as do the typographic and straight apostrophes.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def excerpt(text: str, limit: int = 40) -> str:
    """A short plain-text excerpt of user input, fit to be quoted in a message.

    Control, format (bidi overrides, zero-width…) and unassigned characters are dropped
    so that a quoted value can neither hide text nor reorder the sentence around it.
    """
    visible = "".join(
        " " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    visible = " ".join(visible.split())
    return visible if len(visible) <= limit else visible[: limit - 1].rstrip() + "…"


def _character(ch: str) -> str:
    """A character quoted for a message: « x », or its code point when it would not show."""
    if unicodedata.category(ch)[0] in "CMZ":  # controls, formats, combining marks, spaces
        return f"le caractère invisible U+{ord(ch):04X}"
    return f"« {ch} »"


def _count(number: int) -> str:
    """An integer written the French way, thousands separated by a narrow space."""
    return f"{number:,}".replace(",", "\u202f")


# Spaces that people and spreadsheets put inside numbers: space, no-break space,
# narrow no-break space, thin space.
_NUMBER_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")


# --------------------------------------------------------------------------- SIRET


# What people and documents put between the digits of a SIRET: any space, dots, hyphens
# and dashes (hyphen, non-breaking hyphen, figure dash, en and em dashes, minus sign),
# slashes, and the soft hyphen a word processor may leave.
_SIRET_SEPARATORS = re.compile(r"[\s./\-\u00ad\u2010-\u2015\u2212]")


def clean_siret(value: str | None) -> str:
    """Return the SIRET as 14 digits, or raise FieldError.

    Accepts spaces of any kind, dots, hyphens, dashes and slashes between digits
    (« 732 829 320 00074 », « 732–829–320–00074 »), and drops invisible characters
    (zero-width, bidi controls). Anything else is named in the message; a wrong number
    of digits is counted. The checksum is checked by python-stdnum, which knows the
    La Poste exception (SIREN 356 000 000).
    """
    digits = _SIRET_SEPARATORS.sub("", _stripped(value))
    if not digits:
        raise FieldError("Le SIRET est obligatoire.")
    other = next((ch for ch in digits if ch not in "0123456789"), None)
    if other is not None:
        raise FieldError(f"Le SIRET contient un caractère qui n'est pas un chiffre : {_character(other)}.")
    if len(digits) == 9:
        # Networks often know the company (SIREN) rather than the establishment.
        raise FieldError(
            "Le SIRET doit comporter 14 chiffres : ce numéro à 9 chiffres est un SIREN. "
            "Ajoutez les 5 chiffres du NIC de l'établissement."
        )
    if len(digits) != 14:
        found = f"{_count(len(digits))} chiffre{'s' if len(digits) > 1 else ''}"
        raise FieldError(f"Le SIRET doit comporter 14 chiffres : ce numéro en compte {found}.")
    # All zeros passes the Luhn check but is no company: usually a placeholder.
    if not stdnum_siret.is_valid(digits) or digits.startswith("000000000"):
        raise FieldError(
            "Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte). "
            "Vérifiez-le sur l'avis de situation INSEE."
        )
    return digits


# --------------------------------------------------------------------------- e-mail


def clean_email(value: str | None) -> str:
    """Return the e-mail address normalised by email-validator, or raise FieldError.

    Only the syntax is checked (no DNS lookup). The domain is lower-cased; the part
    before « @ » is kept as typed.
    """
    text = _stripped(value)
    if not text:
        raise FieldError("L'adresse e-mail est obligatoire.")
    if "@" not in text:
        raise FieldError("L'adresse e-mail doit contenir un « @ » (par exemple prenom.nom@exemple.fr).")
    if any(ch.isspace() for ch in text):
        raise FieldError("L'adresse e-mail ne doit pas contenir d'espace.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except (EmailNotValidError, ValueError, UnicodeError):
        # email-validator explains in English; users get one French hint instead.
        raise FieldError(
            "Cette adresse e-mail n'est pas valide. Vérifiez son orthographe "
            "(par exemple prenom.nom@exemple.fr)."
        ) from None


# --------------------------------------------------------------------------- phone

# Numbers of these regions are French numbers, dialled with a leading 0 from France.
_FRENCH_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT")

_PHONE_INVALID = (
    "Ce numéro de téléphone n'est pas valide. Indiquez 10 chiffres (par exemple "
    "01 23 45 67 89) ou, pour un numéro étranger, l'indicatif précédé de « + »."
)


def clean_phone(value: str | None) -> str:
    """Return a valid phone number, formatted, or raise FieldError.

    French numbers (including the overseas départements) come back in national format
    with spaces (« 01 23 45 67 89 », « 0590 12 34 56 »); foreign ones in international
    format (« +44 20 7946 0958 »). Numbers without an international prefix are read
    as French.
    """
    text = _stripped(value)
    if not text:
        raise FieldError("Le numéro de téléphone est obligatoire.")
    number = _parse_phone(text)
    if number is None:
        raise FieldError(_PHONE_INVALID)
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region in _FRENCH_REGIONS
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def _parse_phone(text: str) -> "phonenumbers.PhoneNumber | None":
    """The first valid reading of `text` as a French (then overseas) number, or None."""
    # « 0590 … » dialled from mainland France is a Guadeloupe number, but the library
    # only knows that if told the region: try metropolitan France first, then the DOM.
    for region in _FRENCH_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
        if text.startswith(("+", "00")):
            return None  # explicit country code: the region hint changes nothing
    return None


# --------------------------------------------------------------------------- places


def clean_postcode(value: str | None) -> str:
    """Return a 5-digit postcode that belongs to a known département, or raise FieldError.

    Spaces inside (« 75 001 ») are removed.
    """
    text = _NUMBER_SPACES.sub("", _stripped(value))
    if not text:
        raise FieldError("Le code postal est obligatoire.")
    if not re.fullmatch(r"[0-9]{5}", text):
        raise FieldError("Le code postal doit comporter 5 chiffres (par exemple 93200).")
    if departement_of_postcode(text) is None:
        raise FieldError("Ce code postal ne correspond à aucun département français.")
    return text


def check_postcode_departement(postcode: str | None, departement: str | None) -> None:
    """Raise FieldError unless the postcode belongs to the département.

    Expects values already returned by clean_postcode and clean_departement; anything
    else is reported as inconsistent without being quoted. Returns None when consistent.
    """
    postcode, departement = postcode or "", departement or ""
    if departement_of_postcode(postcode) == departement:
        return
    if re.fullmatch(r"[0-9]{5}", postcode) and departement in DEPARTEMENTS:
        raise FieldError(
            f"Le code postal {postcode} ne correspond pas au département "
            f"{departement_label(departement)}. Vérifiez l'un ou l'autre."
        )
    raise FieldError("Le code postal ne correspond pas au département. Vérifiez l'un ou l'autre.")


def _departement_lookup() -> dict[str, str]:
    """Matching key → code, for « 75 », « Paris », « 75 - Paris » and « Paris (75) »."""
    lookup: dict[str, str] = {}
    for code, name in DEPARTEMENTS.items():
        for spelling in (code, name, code + name, name + code):
            lookup[matching_key(spelling)] = code
    return lookup


_DEPARTEMENT_BY_KEY = _departement_lookup()


def clean_departement(value: str | None, allowed: Collection[str] | None = None) -> str:
    """Return an official département code (« 75 », « 2A », « 971 »), or raise FieldError.

    Accepts the code in any case and with or without leading zero (« 1 » → « 01 »,
    « 2a » → « 2A »), the name (« Val-d'Oise », accents and case ignored) or both
    (« 95 - Val-d'Oise »). When `allowed` is given, the code must be in it (an empty
    collection allows nothing).
    """
    text = _stripped(value)
    if not text:
        raise FieldError("Le département est obligatoire.")
    key = matching_key(text)
    if len(key) == 1 and key.isascii() and key.isdigit():
        key = "0" + key  # spreadsheets drop the leading zero of « 01 »…« 09 »
    if key == "20":
        raise FieldError("La Corse compte deux départements : indiquez 2A (Corse-du-Sud) ou 2B (Haute-Corse).")
    code = _DEPARTEMENT_BY_KEY.get(key)
    if code is None:
        raise FieldError("Ce département n'existe pas. Indiquez son numéro, par exemple 75, 2A ou 971.")
    if allowed is not None and code not in allowed:
        raise FieldError(f"Cet appel n'est pas ouvert au département {departement_label(code)}.")
    return code


# --------------------------------------------------------------------------- web site

_URL_MAX_LENGTH = 300
# ASCII whitespace and control characters: what the loops in clean_url look for, in ASCII.
_ASCII_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")
# scheme://host/path with nothing else (no credentials, port, query or fragment)
_SIMPLE_URL = re.compile(r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9.-]+)(?P<path>/[A-Za-z0-9._~%!$&'()*+,;=/-]*)?")
_ASCII_HOST = re.compile(r"(?:(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# Characters RFC 3986 leaves out of URLs (browsers percent-encode them): a « " » or « < »
# in a « site » is an attempt to break out of the HTML attribute or tag it lands in.
_URL_FORBIDDEN = re.compile(r'["<>\\^`{|}]')
_URL_INVALID = "Cette adresse de site internet n'est pas valide (par exemple https://www.exemple.fr)."


def clean_url(value: str | None, *, required: bool = False) -> str | None:
    """Return an http(s) URL with a dotted host, or None when empty and not required.

    « www.exemple.fr » becomes « https://www.exemple.fr »; scheme and host are
    lower-cased, the rest is kept as typed. At most 300 characters, prefix included.
    Raises FieldError otherwise.
    """
    text = _stripped(value)
    if not text:
        if required:
            raise FieldError("L'adresse du site internet est obligatoire.")
        return None
    too_long = f"L'adresse du site internet est trop longue ({_URL_MAX_LENGTH} caractères au maximum)."
    if len(text) > _URL_MAX_LENGTH:
        raise FieldError(too_long)
    if text.isascii() and not _ASCII_URL_NOISE.search(text) and not _URL_FORBIDDEN.search(text):
        pass  # the common case, checked at C speed; the loops below give the precise message
    elif any(ch.isspace() for ch in text):
        raise FieldError("L'adresse du site internet ne doit pas contenir d'espace.")
    elif invisible := next((ch for ch in text if unicodedata.category(ch)[0] == "C"), None):
        raise FieldError(f"L'adresse du site internet contient {_character(invisible)} : retapez-la.")
    elif forbidden := _URL_FORBIDDEN.search(text):
        raise FieldError(
            f"L'adresse du site internet contient un caractère interdit dans une adresse : {_character(forbidden[0])}."
        )
    if "://" not in text:
        text = "https://" + text
    if len(text) > _URL_MAX_LENGTH:
        raise FieldError(too_long)
    simple = _SIMPLE_URL.fullmatch(text)
    if simple and _valid_host(simple["host"]):  # most sites: same result as _normalised_url, 4× faster
        return f"{simple['scheme'].lower()}://{simple['host'].lower()}{simple['path'] or ''}"
    return _normalised_url(text)


def _normalised_url(text: str) -> str:
    """Check a URL that has a scheme; return it with scheme and host lower-cased."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed or out-of-range port
    except ValueError:
        raise FieldError(_URL_INVALID) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FieldError("L'adresse du site internet doit commencer par http:// ou https://.")
    # Credentials in a link (« https://user@… ») are a classic disguise for another site.
    if parts.username is not None or not host or not _valid_host(host):
        raise FieldError(_URL_INVALID)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


def _valid_host(host: str) -> bool:
    """A domain name with at least two labels and a non-numeric last label.

    Internationalised names (« exemple-é.fr ») are accepted; IP addresses are not,
    since a structure's public site always has a name.
    """
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    if host.isascii():
        return _ASCII_HOST.fullmatch(host) is not None
    return all(
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(ch.isalnum() or ch == "-" for ch in label)
        for label in labels
    )


# --------------------------------------------------------------------------- text, numbers

# C0 controls and DEL, except tab, line feed and carriage return which are legitimate
# in multi-line text (carriage returns then become line feeds). PostgreSQL refuses NUL,
# and the others are invisible noise coming from copy-paste; lone surrogates cannot be
# encoded at all.
_TEXT_NOISE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# The noise and the invisible characters in one pass: each field of each imported row goes through it.
_TEXT_DROP = re.compile(_TEXT_NOISE.pattern[:-1] + _DROP_INVISIBLE.pattern[1:])
_TEXT_DROP_KEEP_JOINERS = re.compile(_TEXT_NOISE.pattern[:-1] + _DROP_INVISIBLE_KEEP_JOINERS.pattern[1:])


_LINE_ENDINGS = re.compile(r"\r\n?")


def clean_text(
    value: str | None, *, label: str, required: bool, max_length: int, multiline: bool = False
) -> str | None:
    """Return the text stripped of surrounding whitespace, or None when empty and optional.

    The text is otherwise kept as typed (inner spaces and line breaks included), except
    that it is put in Unicode NFC form, line endings become « \\n » (a CR LF from a CSV
    file counts as one character, as in the form), and invisible characters are removed:
    controls, bidi controls (which would reorder what a reader sees) and zero-width
    characters, except that multi-line fields (`multiline=True`) keep the zero-width
    joiner and non-joiner of emoji sequences and some scripts. Raises FieldError when
    required and empty, or when longer than `max_length` characters. `label` names the
    field in the message, e.g. « Nom de la structure ».
    """
    text = value or ""
    if "\r" in text:
        text = _LINE_ENDINGS.sub("\n", text)
    text = (_TEXT_DROP_KEEP_JOINERS if multiline else _TEXT_DROP).sub("", text)
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        if required:
            raise FieldError(f"Le champ « {label} » est obligatoire.")
        return None
    if len(text) > max_length:
        raise FieldError(f"{_count(max_length)} caractères au maximum (actuellement {_count(len(text))}).")
    return text


# More digits than this cannot be a count of people and would overflow a BIGINT.
_INT_MAX_DIGITS = 18


def clean_int(
    value: str | None, *, min_value: int | None, max_value: int | None, required: bool
) -> int | None:
    """Return a whole number within [min_value, max_value] (bounds optional), or None.

    Accepts surrounding and thousands spaces (« 1 200 ») and a sign; refuses decimals
    (« 12,0 », « 12.5 ») and units. None is returned only when empty and not required.
    """
    text = _NUMBER_SPACES.sub("", _stripped(value))
    if not text:
        if required:
            raise FieldError("Ce champ est obligatoire.")
        return None
    match = re.fullmatch(r"([+-]?)0*([0-9]+)", text)
    if match is None:
        raise FieldError("Indiquez un nombre entier, sans virgule ni unité (par exemple 12).")
    sign, digits = match.groups()
    if len(digits) > _INT_MAX_DIGITS:
        raise FieldError(_range_message(min_value, max_value) or "Ce nombre est trop grand.")
    number = -int(digits) if sign == "-" else int(digits)
    if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
        raise FieldError(_range_message(min_value, max_value) or "Ce nombre est trop grand.")
    return number


def _range_message(min_value: int | None, max_value: int | None) -> str | None:
    if min_value is not None and max_value is not None:
        return f"Indiquez un nombre entre {_count(min_value)} et {_count(max_value)}."
    if min_value is not None:
        return f"Indiquez un nombre supérieur ou égal à {_count(min_value)}."
    if max_value is not None:
        return f"Indiquez un nombre inférieur ou égal à {_count(max_value)}."
    return None


# --------------------------------------------------------------------------- structure kind


# Words that public data sets add, drop or swap in the kinds' labels: « Atelier chantier
# d'insertion », « Ateliers et chantiers d'insertion », « Établissement ou service… ».
_KIND_FILLER_WORDS = frozenset({"et", "ou", "d", "de", "des", "du", "l", "la", "le", "les", "pour", "par"})


def _kind_words(text: str) -> tuple[str, ...]:
    """The meaningful words of a kind's spelling, lower-case, unaccented and singular.

    « Ateliers et chantiers d'insertion (ACI) » → ("atelier", "chantier", "insertion", "aci").
    No word of the nine labels ends in « s » in the singular, nor does any code.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[^\W_]+", plain)
    return tuple(word.removesuffix("s") if len(word) > 3 else word for word in words
                 if word not in _KIND_FILLER_WORDS)


_KIND_BY_KEY = {matching_key(code): code for code in STRUCTURE_KINDS}  # « EI », « E.I. », « e i »
_KIND_BY_WORDS = {_kind_words(label): code for code, label in STRUCTURE_KINDS.items()}


@functools.lru_cache(maxsize=256)  # an import repeats a handful of spellings
def _kind_code(text: str) -> str | None:
    """The kind a spelling names: its code, its label, or both with the code first or
    last, in brackets or after a dash (« Entreprise d'insertion (EI) », « EI - Entreprise
    d'insertion »); None when unknown or when code and label disagree."""
    code = _KIND_BY_KEY.get(matching_key(text))
    if code is not None:
        return code
    words = _kind_words(text)
    code = _KIND_BY_WORDS.get(words)
    if code is not None or len(words) < 2:
        return code
    for named, rest in ((words[0], words[1:]), (words[-1], words[:-1])):
        code = _KIND_BY_KEY.get(named)
        if code is not None and _KIND_BY_WORDS.get(rest) == code:
            return code
    return None


def clean_kind(value: str | None, allowed: Collection[str] | None = None) -> str:
    """Return a code of core.reference.STRUCTURE_KINDS, or raise FieldError.

    Accepts the code (any case), the French label however public data sets spell it
    (case, accents, punctuation, plurals and the small words « et », « ou », « de »…
    ignored), or both, the code before or after the label (« EI — Entreprise
    d'insertion », « Ateliers et chantiers d'insertion (ACI) »). When `allowed` is
    given, the code must be in it (an empty collection allows nothing).
    """
    text = _stripped(value)
    if not text:
        raise FieldError("Le type de structure est obligatoire.")
    code = _kind_code(text)
    if code is None:
        raise FieldError(f"Type de structure inconnu. Choisissez parmi : {', '.join(STRUCTURE_KINDS)}.")
    if allowed is not None and code not in allowed:
        raise FieldError(f"Cet appel n'est pas ouvert aux structures de type {kind_label(code)}.")
    return code


# --------------------------------------------------------------------------- sectors

_SECTOR_BY_KEY = {matching_key(label): label for label in SECTORS}
_SECTOR_SEPARATORS = re.compile(r"[;\r\n]")
_MAX_QUOTED_UNKNOWN = 5


def clean_sectors(values: Iterable[str] | str | None) -> list[str]:
    """Return the canonical labels of core.reference.SECTORS, at least one, or raise FieldError.

    Accepts a list (e.g. from a multiselect) or one string separated by « ; » or line
    breaks. Commas are not separators since some labels contain one (« Déménagements,
    livraisons et transports »); a piece that is no label is nevertheless re-read as a
    comma-separated list of labels, so « Restauration, Agro-alimentaire » still works.
    Matching ignores case, accents and punctuation. The result has no duplicates and
    follows the order of SECTORS. Unknown pieces are named in the message.
    """
    found: set[str] = set()
    unknown: list[str] = []
    for piece in _sector_pieces(values):
        labels = _match_sectors(piece)
        if labels is None:
            unknown.append(piece)
        else:
            found.update(labels)
    if unknown:
        raise FieldError(_unknown_sectors_message(unknown))
    if not found:
        raise FieldError("Indiquez au moins un secteur d'activité.")
    return [label for label in SECTORS if label in found]


def _sector_pieces(values: Iterable[str] | str | None) -> list[str]:
    """Non-empty, stripped pieces of the input, split on « ; » and line breaks."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else [item for item in values if isinstance(item, str)]
    return [piece.strip() for item in items for piece in _SECTOR_SEPARATORS.split(item) if piece.strip()]


def _match_sectors(piece: str) -> list[str] | None:
    """The labels a piece names: one label, or a comma-separated run of labels; else None."""
    label = _SECTOR_BY_KEY.get(matching_key(piece))
    if label is not None:
        return [label]
    if "," not in piece:
        return None
    return _match_comma_run(piece.split(","))


def _match_comma_run(parts: list[str]) -> list[str] | None:
    """Cover comma-separated parts with labels, longest label first; None if impossible.

    Longest first makes « Déménagements, livraisons et transports » win over a shorter
    reading. Labels contain at most two commas, so at most three parts are joined.
    """
    labels: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(min(len(parts), start + 3), start, -1):
            label = _SECTOR_BY_KEY.get(matching_key(",".join(parts[start:end])))
            if label is not None:
                labels.append(label)
                start = end
                break
        else:
            if parts[start].strip():
                return None
            start += 1  # tolerate « A, , B » and a trailing comma
    return labels


def _unknown_sectors_message(unknown: list[str]) -> str:
    quoted = [f"« {excerpt(piece) or '?'} »" for piece in unknown[:_MAX_QUOTED_UNKNOWN]]
    rest = len(unknown) - len(quoted)
    listing = ", ".join(quoted) + (f" et {rest} autre{'s' if rest > 1 else ''}" if rest else "")
    plural = len(unknown) > 1
    return (
        f"Secteur{'s' if plural else ''} d'activité inconnu{'s' if plural else ''} : {listing}. "
        "Choisissez dans la liste des secteurs."
    )
