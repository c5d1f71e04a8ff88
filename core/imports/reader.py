"""Reading a CSV or XLSX file into rows keyed by canonical header, with its limits.

Reading a file (`read_rows`) only ever raises `ImportRejected`, whatever the bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from core.errors import DomainError
from core.imports.columns import COLUMNS, REQUIRED_COLUMNS, canonical_header
from core.settings import settings
from core.validation import excerpt

MAX_ROWS = 20_000
MAX_LINES = 200_000  # physical lines, empty ones included
MAX_COLUMNS = 200
# An .xlsx is a zip: refuse what would inflate beyond this, whatever its packed size.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class ImportRejected(DomainError):
    """The file as a whole cannot be read; `message` says why, in French."""

    message = "Ce fichier ne peut pas être importé."


class SheetRow(dict):
    """A row read from a file: canonical header → cell text, plus its spreadsheet line."""

    __slots__ = ("line",)

    def __init__(self, values: Mapping[str, str], line: int):
        super().__init__(values)
        self.line = line


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
    except Exception as error:  # any surprise in a file is the file's fault
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
        yield from enumerate(reader, start=1)
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
