"""Spreadsheets of candidacies: the template, reading CSV / XLSX files, and turning each
row into a candidacy form checked like the form page's.

Reading a file (`read_rows`) only ever raises `ImportRejected`, whatever the bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from core.candidacy_form import (
    CandidacyForm,
    CleanCandidacy,
    validate,
)
from core.errors import (
    DomainError,
    ValidationFailed,
)
from core.reference import SECTORS, STRUCTURE_KINDS
from core.settings import settings
from core.validation import clean_siret, excerpt, matching_key

# ---------------------------------------------------------------- columns

#: French header → CandidacyForm field, in the template's order.
COLUMNS: dict[str, str] = {
    "SIRET": "siret",
    "Nom de la structure": "name",
    "Type de structure": "kind",
    "Adresse": "address",
    "Code postal": "postcode",
    "Ville": "city",
    "Département": "departement",
    "Site internet": "website",
    "Secteurs d'activité": "sectors",
    "Salariés en insertion": "insertion_workforce",
    "Contact — nom": "contact_name",
    "Contact — e-mail": "contact_email",
    "Contact — téléphone": "contact_phone",
    "Présentateur — nom": "presenter_name",
    "Présentateur — fonction": "presenter_role",
    "Titre de la présentation": "pitch_title",
    "Résumé": "pitch_summary",
    "Offre pour les acheteurs": "buyer_offer",
    "Références de marchés publics": "public_references",
    "Accord traitement des données": "consent_processing",
    "Accord partage avec les acheteurs": "consent_sharing",
}
HEADER_OF: dict[str, str] = {name: header for header, name in COLUMNS.items()}
REQUIRED_COLUMNS = ("SIRET",)
CONSENT_FIELDS = ("consent_processing", "consent_sharing")

# Matching key (case, accents, spaces and punctuation ignored) → canonical header.
# The field names are accepted too, for files produced by other programs.
_HEADER_BY_KEY: dict[str, str] = {
    **{matching_key(name): header for header, name in COLUMNS.items()},
    **{matching_key(header): header for header in COLUMNS},
}

EXAMPLE: dict[str, str] = {
    "SIRET": "73282932000074",
    "Nom de la structure": "Bâti'Insert 95",
    "Type de structure": "EI",
    "Adresse": "12 rue des Ouvriers",
    "Code postal": "95100",
    "Ville": "Argenteuil",
    "Département": "95",
    "Site internet": "www.bati-insert.exemple.fr",
    "Secteurs d'activité": "Bâtiment et travaux publics ; Hygiène et propreté",
    "Salariés en insertion": "18",
    "Contact — nom": "Samia Benali",
    "Contact — e-mail": "samia@bati-insert.exemple.fr",
    "Contact — téléphone": "01 39 00 00 00",
    "Présentateur — nom": "Samia Benali",
    "Présentateur — fonction": "Directrice",
    "Titre de la présentation": "Second œuvre en insertion",
    "Résumé": "Peinture, plâtrerie et revêtements de sol réalisés par des équipes en parcours d'insertion.",
    "Offre pour les acheteurs": "Lots de second œuvre pour les marchés de travaux publics.",
    "Références de marchés publics": "Ville d'Argenteuil, 2023 ; Bailleur social 95, 2024.",
    "Accord traitement des données": "Oui",
    "Accord partage avec les acheteurs": "Oui",
}

# The example row of both templates, left in a file, is skipped: recognised by its SIRET and
# structure name. Its SIRET under another name is a row error: a half-overwritten example.
EXAMPLE_SKIPPED = "ligne d'exemple du modèle, ignorée"
EXAMPLE_SIRET_REFUSED = (
    "Ce SIRET est celui de la ligne d'exemple du modèle : remplacez-le par le SIRET de la structure."
)
_EXAMPLE_NAME_KEY = matching_key(EXAMPLE["Nom de la structure"])
_NOT_DIGITS = re.compile(r"[^0-9]")

MAX_ROWS = 20_000
MAX_LINES = 200_000  # physical lines, empty ones included
MAX_COLUMNS = 200
# An .xlsx is a zip: refuse what would inflate beyond this, whatever its packed size.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# SQLite refuses statements with more than 999 parameters in older versions.
CHUNK = 900

_YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x"})
_NO = frozenset({"non", "n", "no", "faux", "false", "0", ""})
_CONSENT_FAST = {"Oui": True, "oui": True, "OUI": True, "Non": False, "non": False, "NON": False, "": False}
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+]?[0-9]+")
_TEXT_COLUMNS = ("SIRET", "Code postal", "Contact — téléphone")  # formatted as text "@" in the template


class ImportRejected(DomainError):
    """The file as a whole cannot be read; `message` says why, in French."""

    message = "Ce fichier ne peut pas être importé."


class SheetRow(dict):
    """A row read from a file: canonical header → cell text, plus its spreadsheet line."""

    __slots__ = ("line",)

    def __init__(self, values: Mapping[str, str], line: int):
        super().__init__(values)
        self.line = line


# ---------------------------------------------------------------- templates


def template_csv() -> bytes:
    """The CSV template: UTF-8 with BOM (for Excel), « ; » separated, headers and one example
    row, which the import skips (see `is_example`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE[header] for header in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The Excel template: bold headers, sized columns, one example row, text-formatted numbers.

    The example row is in grey italics with a note saying the import ignores it (see
    `is_example`). SIRET, postcode and phone columns are formatted as text (« @ ») so that Excel keeps
    leading zeros and all 14 digits. A second sheet lists the accepted values.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Candidatures"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    example_font = Font(italic=True, color="808080")
    for index, header in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        title = sheet.cell(row=1, column=index, value=header)
        title.font, title.fill = bold, fill
        title.alignment = Alignment(wrap_text=True, vertical="top")
        example = sheet.cell(row=2, column=index)
        if header == "Salariés en insertion":
            example.value = int(EXAMPLE[header])
        else:
            example.value = EXAMPLE[header]
        example.font = example_font
        if header in _TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
        long_text = header in ("Résumé", "Offre pour les acheteurs", "Références de marchés publics")
        sheet.column_dimensions[letter].width = 50 if long_text else max(16, min(40, len(header) + 4))
    sheet.freeze_panes = "B2"
    sheet["A2"].comment = Comment(
        "Ligne d'exemple : elle est ignorée à l'import. Écrivez vos structures en dessous, ou à sa place.",
        "OpenMap")
    consent_letters = [get_column_letter(list(COLUMNS).index(h) + 1) for h in COLUMNS if COLUMNS[h] in CONSENT_FIELDS]
    yes_no = DataValidation(type="list", formula1='"Oui,Non"', allow_blank=True)
    kinds = DataValidation(type="list", formula1=f'"{",".join(STRUCTURE_KINDS)}"', allow_blank=True)
    sheet.add_data_validation(yes_no)
    sheet.add_data_validation(kinds)
    for letter in consent_letters:
        yes_no.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    kind_letter = get_column_letter(list(COLUMNS).index("Type de structure") + 1)
    kinds.add(f"{kind_letter}2:{kind_letter}{MAX_ROWS + 1}")

    help_sheet = workbook.create_sheet("Aide")
    help_sheet.append(["Types de structure", "", "Secteurs d'activité (séparés par « ; »)"])
    for cell in help_sheet[1]:
        cell.font = bold
    kind_rows = [f"{code} — {label}" for code, label in STRUCTURE_KINDS.items()]
    for index in range(max(len(kind_rows), len(SECTORS))):
        help_sheet.append([
            kind_rows[index] if index < len(kind_rows) else None, None,
            SECTORS[index] if index < len(SECTORS) else None,
        ])
    help_sheet.column_dimensions["A"].width = 60
    help_sheet.column_dimensions["C"].width = 50
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading files


def read_rows(filename: str, content: bytes, *, max_bytes: int | None = None) -> list[dict[str, str]]:
    """The data rows of a CSV or XLSX file, keyed by canonical French header (see COLUMNS).

    Each row is a `SheetRow` (a dict) that also knows its spreadsheet line (header = 1).
    Fully empty rows are skipped; missing optional columns are simply absent.
    Raises ImportRejected — and nothing else, whatever the bytes — for a file that is
    not CSV/XLSX, too large, unreadable, in another encoding, without a SIRET column,
    with unknown columns or with more than MAX_ROWS rows.
    """
    limit = settings().import_max_bytes if max_bytes is None else max_bytes
    try:
        kind = _file_kind(filename or "", content)
        if len(content) > limit:
            raise ImportRejected(
                f"Le fichier est trop volumineux ({_megabytes(len(content))}) : "
                f"la taille maximale est de {_megabytes(limit)}."
            )
        if not content.strip():
            raise ImportRejected("Le fichier est vide.")
        table = _xlsx_table(content) if kind == "xlsx" else _csv_table(content)
        return _rows_of(table)
    except ImportRejected:
        raise
    except Exception as error:  # noqa: BLE001 — any surprise in a file is the file's fault
        raise ImportRejected(
            "Ce fichier n'a pas pu être lu : il semble endommagé. Enregistrez-le à nouveau au format .xlsx ou "
            ".csv (à partir du modèle) puis réessayez."
        ) from error


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} Mo"


def _file_kind(filename: str, content: bytes) -> str:
    """'csv' or 'xlsx', from the name's extension and the first bytes."""
    name = filename.strip().lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    head = content[:8]
    if extension in ("xls", "ods", "numbers") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected(
            "Ce format de tableur n'est pas accepté. Dans votre tableur, choisissez « Enregistrer sous » "
            "au format Excel (.xlsx) ou CSV (.csv), puis importez ce fichier."
        )
    if extension not in ("csv", "xlsx"):
        shown = f"« .{excerpt(extension, 10)} »" if extension else "sans extension"
        raise ImportRejected(f"Format de fichier non accepté ({shown}) : importez un fichier .xlsx ou .csv.")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"  # an Excel workbook, even if renamed .csv
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        raise ImportRejected("Ce fichier n'est pas un tableur : importez un fichier .xlsx ou .csv.")
    if extension == "xlsx":
        raise ImportRejected("Ce fichier n'est pas un classeur Excel (.xlsx) valide.")
    return "csv"


def _csv_table(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of a CSV file, decoded as UTF-8 (BOM or not), else Windows-1252."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4096]:
        raise ImportRejected(
            "Ce fichier CSV est enregistré en UTF-16, que l'import ne lit pas. "
            "Enregistrez-le en « CSV UTF-8 » (ou CSV Windows) puis réessayez."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.removeprefix(b"\xef\xbb\xbf").decode("cp1252")
        except UnicodeDecodeError:
            raise ImportRejected(
                "L'encodage de ce fichier CSV n'est pas reconnu : enregistrez-le en « CSV UTF-8 » "
                "ou en CSV Windows (Windows-1252) puis réessayez."
            ) from None
    if "\x00" in text:
        raise ImportRejected("Ce fichier contient des caractères binaires : ce n'est pas un fichier CSV.")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=lambda d: (first_line.count(d), d == ";"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, cells
    except csv.Error:
        raise ImportRejected(
            f"Le fichier CSV est mal formé vers la ligne {reader.line_num} "
            "(guillemet non fermé ou cellule trop longue)."
        ) from None


def _xlsx_table(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(line, cells as text) of the first worksheet of an .xlsx workbook."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise ImportRejected("Ce fichier n'est pas un classeur Excel (.xlsx) valide : il est endommagé.") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportRejected("Ce classeur est trop volumineux une fois décompressé.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many kinds on broken files
        raise ImportRejected("Ce fichier n'est pas un classeur Excel (.xlsx) valide : il est endommagé.") from None
    try:
        if not workbook.worksheets:
            raise ImportRejected("Ce classeur ne contient aucune feuille de calcul.")
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some programs write a wrong size: read every cell
        columns: list[str | None] | None = None  # canonical header of each column, once known
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if columns is None:
                cells = [_cell_text(value, None) for value in values]
                if any(cell.strip() for cell in cells):
                    columns = [canonical_header(cell) for cell in cells]
                yield line, cells
            else:
                yield line, [_cell_text(value, columns[i] if i < len(columns) else None)
                             for i, value in enumerate(values)]
    finally:
        workbook.close()


def _cell_text(value, column: str | None) -> str:
    """A cell as the text a user sees: whole numbers without « .0 » nor exponent, dates dd/mm/yyyy.

    `column` is the canonical header of the cell's column, if known.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, int):
        return _pad_number(str(value), column)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            return _pad_number(str(int(value)), column)
        try:
            return format(Decimal(repr(value)), "f")
        except (InvalidOperation, ValueError):
            return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _pad_number(digits: str, column: str | None) -> str:
    """Put back the leading zeros a spreadsheet drops from numbers typed in a number cell."""
    if column == "SIRET" and len(digits) in (12, 13):
        return digits.zfill(14)
    if column == "Code postal" and len(digits) == 4:
        return digits.zfill(5)
    if column == "Contact — téléphone" and len(digits) == 9:
        return "0" + digits
    return digits


def canonical_header(text: str) -> str | None:
    return _HEADER_BY_KEY.get(matching_key(text))


def _rows_of(table: Iterable[tuple[int, list[str]]]) -> list[dict[str, str]]:
    """Match the header row, then map each non-empty row to {canonical header: text}."""
    header: list[str | None] | None = None
    width = 0
    untitled: list[int] = []
    rows: list[dict[str, str]] = []
    for line, cells in table:
        if line > MAX_LINES:
            raise ImportRejected(too_many_rows())
        if header is None:
            if not any(cell.strip() for cell in cells):
                continue
            header = _match_header(cells)
            width = len(header)
            untitled = [index for index, name in enumerate(header) if name is None]
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise ImportRejected(
                f"La ligne {line} contient plus de cellules que la ligne d'en-tête n'a de colonnes : "
                "vérifiez le séparateur et les guillemets de cette ligne."
            )
        for index in untitled:
            if index < len(cells) and cells[index].strip():
                raise ImportRejected(
                    f"La colonne {_column_letter(index)} contient des valeurs (ligne {line}) mais n'a pas de titre : "
                    "ajoutez-lui un titre du modèle ou supprimez-la."
                )
        if len(rows) >= MAX_ROWS:
            raise ImportRejected(too_many_rows())
        row = SheetRow({}, line)
        for index, name in enumerate(header):
            if name is not None:
                row[name] = cells[index] if index < len(cells) else ""
        rows.append(row)
    if header is None:
        raise ImportRejected("Le fichier est vide : il ne contient même pas de ligne d'en-tête.")
    if not rows:
        raise ImportRejected("Le fichier ne contient aucune ligne de candidature sous la ligne d'en-tête.")
    return rows


def too_many_rows() -> str:
    limit = f"{MAX_ROWS:,}".replace(",", "\u202f")
    return f"Le fichier contient plus de {limit} lignes : découpez-le en plusieurs fichiers."


def _column_letter(index: int) -> str:
    """« A », « B », … « AA » for a 0-based column index, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _match_header(cells: list[str]) -> list[str | None]:
    """Canonical header of each column (None for a blank trailing one); refuse unknown ones."""
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > MAX_COLUMNS:
        raise ImportRejected(f"La ligne d'en-tête compte {len(cells)} colonnes : le modèle n'en a que {len(COLUMNS)}.")
    names: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for cell in cells:
        text = cell.strip().lstrip("\ufeff")
        if not text:
            names.append(None)
            continue
        canonical = canonical_header(text)
        if canonical is None:
            unknown.append(f"« {excerpt(text)} »")
            names.append(None)
            continue
        if canonical in seen:
            raise ImportRejected(f"La colonne « {canonical} » apparaît deux fois dans la ligne d'en-tête.")
        seen.add(canonical)
        names.append(canonical)
    if unknown:
        listed = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        plural = "Colonnes inconnues" if len(unknown) > 1 else "Colonne inconnue"
        raise ImportRejected(
            f"{plural} : {listed}. Utilisez les titres de colonnes du modèle à télécharger "
            f"(par exemple « SIRET », « Nom de la structure », « Contact — e-mail »)."
        )
    missing = [header for header in REQUIRED_COLUMNS if header not in seen]
    if missing:
        raise ImportRejected(
            f"La colonne « {missing[0]} » est obligatoire et n'a pas été trouvée dans la ligne d'en-tête."
        )
    return names


# ---------------------------------------------------------------- row validation


def form_of(row: Mapping[str, object]) -> tuple[CandidacyForm, dict[str, str]]:
    """The form a row stands for, and the errors of cells the form cannot hold (Oui/Non)."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for header, raw in row.items():
        name = COLUMNS.get(header)
        if name is None:
            canonical = canonical_header(header) if isinstance(header, str) else None
            if canonical is None:
                continue
            name = COLUMNS[canonical]
        text = raw if type(raw) is str else ("" if raw is None else str(raw))
        if name in CONSENT_FIELDS:
            answer = _CONSENT_FAST.get(text)
            if answer is None:
                answer = True if matching_key(text) in _YES else False if matching_key(text) in _NO else None
            if answer is None:
                errors[name] = "Indiquez « Oui » ou « Non »."
            values[name] = bool(answer)
        else:
            values[name] = text
    return CandidacyForm(**values), errors


def is_example(row: Mapping[str, object]) -> bool:
    """Whether the row is the templates' example left in the file: its SIRET and structure
    name are the example's (whatever its other cells, spaces in the SIRET, case, accents)."""
    siret = _cell_of(row, "SIRET")
    return (_NOT_DIGITS.sub("", siret) == EXAMPLE["SIRET"]
            and matching_key(_cell_of(row, "Nom de la structure")) == _EXAMPLE_NAME_KEY)


def _cell_of(row: Mapping[str, object], header: str) -> str:
    """The text of the row's cell for a canonical header, whatever spelling its key has."""
    value = row.get(header)
    if value is None:
        value = next((v for k, v in row.items() if isinstance(k, str) and canonical_header(k) == header), "")
    return value if isinstance(value, str) else str(value or "")


def check_row(
    row: Mapping[str, object],
    *,
    submit: bool,
    eligible_kinds: Iterable[str] | None = None,
    eligible_departements: Iterable[str] | None = None,
) -> CleanCandidacy:
    """Validate one row as the form would; raise ValidationFailed keyed by form field.

    The template example's SIRET is refused (see EXAMPLE_SIRET_REFUSED). Pure: no database. For any mapping of str to str it raises nothing but
    ValidationFailed.
    """
    form, errors = form_of(row)
    try:
        clean = validate(form, submit=submit, eligible_kinds=eligible_kinds,
                         eligible_departements=eligible_departements)
    except ValidationFailed as refused:
        errors = {**refused.errors, **errors}
        if "siret" not in errors and clean_siret(form.siret) == EXAMPLE["SIRET"]:
            errors["siret"] = EXAMPLE_SIRET_REFUSED
        if "siret" in errors and _SCIENTIFIC.fullmatch(str(form.siret).strip()):
            errors["siret"] = (
                f"Le tableur a transformé ce SIRET en nombre arrondi ({excerpt(str(form.siret), 20)}) : "
                "formatez la colonne SIRET en texte et saisissez à nouveau les 14 chiffres."
            )
        raise ValidationFailed(errors) from None
    if clean.siret == EXAMPLE["SIRET"]:
        errors["siret"] = EXAMPLE_SIRET_REFUSED
    if errors:
        raise ValidationFailed(errors)
    return clean


_COLUMN_ORDER = {name: index for index, name in enumerate(COLUMNS.values())}


def column_errors(errors: Mapping[str, str]) -> list[tuple[str, str]]:
    """Field errors as (column header, message), in the columns' order."""
    if not errors:
        return []
    return [(HEADER_OF.get(name, name), message) for name, message in
            sorted(errors.items(), key=lambda item: _COLUMN_ORDER.get(item[0], len(_COLUMN_ORDER)))]
