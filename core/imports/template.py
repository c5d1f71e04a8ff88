"""The templates a network downloads to fill in: CSV and Excel, with one example row."""

from __future__ import annotations

import csv
import io

from core.imports.columns import COLUMNS, CONSENT_FIELDS
from core.imports.reader import MAX_ROWS
from core.reference import SECTORS, STRUCTURE_KINDS

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

_TEXT_COLUMNS = ("SIRET", "Code postal", "Contact — téléphone")  # formatted as text "@" in the template


def template_csv() -> bytes:
    """The CSV template: UTF-8 with BOM (for Excel), « ; » separated, headers and one example
    row, which the import skips (see core.imports.rows.is_example)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE[header] for header in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The Excel template: bold headers, sized columns, one example row, text-formatted numbers.

    The example row is in grey italics with a note saying the import ignores it (see
    core.imports.rows.is_example). SIRET, postcode and phone columns are formatted as text (« @ ») so that Excel keeps
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
