"""Reading the lists people exchange as files: CSV (UTF-8, comma or semicolon) or the first sheet of an XLSX
workbook, and finding each field's column by its heading, whatever the diacritics or the case; writing a report
as an XLSX workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.infra.errors import BusinessError
from hub.infra.text import fold

Cell = str | int | float | dt.date | dt.datetime | None
# How the dates of an exchanged list are written: dd/mm/yyyy, yyyymmdd, yyyy-mm-dd or dd-mm-yyyy.
DATE_FORMATS = ("%d/%m/%Y", "%Y%m%d", "%Y-%m-%d", "%d-%m-%Y")


@dataclass(frozen=True)
class RejectedRow:
    """A row of an imported list that was not stored, with every reason."""

    row: int  # as a spreadsheet shows it: the header is row 1
    code: str  # what identifies the row to a person: a facility's code, an ID number
    errors: list[BusinessError]


class UnreadableFile(ValueError):
    """The file is not a list the importer can read (its format, or a required column is missing)."""


def read_rows(path: Path) -> tuple[list[str], Iterator[list[Cell]]]:
    """The header and the data rows of a CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise UnreadableFile(f"{path.name}: expected a .csv or .xlsx file")


def find_columns(header: Sequence[object], columns: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Which column holds which field: the first of a field's headings (`columns[field]`) found in the header,
    compared without diacritics or case. Fields with no heading in the file are left out."""
    folded = [fold(str(heading)) for heading in header]
    found: dict[str, int] = {}
    for name, headings in columns.items():
        index = next((folded.index(fold(h)) for h in headings if fold(h) in folded), None)
        if index is not None:
            found[name] = index
    return found


def _read_csv(path: Path) -> tuple[list[str], Iterator[list[Cell]]]:
    text = path.read_text(encoding="utf-8-sig")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets saved with a Vietnamese locale separate with semicolons: take the commonest separator.
    delimiter = max(",;\t", key=first_line.count)
    rows = csv.reader(text.splitlines(), delimiter=delimiter)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(f"{path.name} is empty")
    return header, (list(row) for row in rows)


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[list[Cell]]]:
    from openpyxl import load_workbook  # imported here: only this format needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise UnreadableFile(f"{path.name} is not a readable XLSX workbook ({type(exc).__name__})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(f"{path.name}: the first sheet is empty")
    return [str(h or "") for h in header], ([_cell(value) for value in row] for row in rows)


def _cell(value: object) -> Cell:
    """A spreadsheet value as one of the kinds a row parser handles (rich text and formulas become text)."""
    if value is None or isinstance(value, str | int | float | dt.date):
        return value
    return str(value)


def report_workbook(
    title: str,
    notes: Sequence[str],
    headings: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Cell]],
    widths: Sequence[float],
    *,
    number_formats: Mapping[int, str] | None = None,
    footer: Sequence[str] = (),
) -> bytes:
    """A report as an XLSX workbook of one sheet named `title`: each note on a line of its own, the headings in
    Vietnamese over English in bold, the rows, then the footer's lines after a blank one. `number_formats` gives
    the format of a column's cells that hold a value (1 is column A); `widths` the columns' widths from A."""
    from openpyxl import Workbook  # imported here: only the reports need it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = title
    for note in notes:
        sheet.append([note])
    sheet.append([vi for vi, _ in headings])
    sheet.append([en for _, en in headings])
    for cell in (*sheet[len(notes) + 1], *sheet[len(notes) + 2]):
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for column, number_format in (number_formats or {}).items():
            if row[column - 1] is not None:
                sheet.cell(sheet.max_row, column).number_format = number_format
    if footer:
        sheet.append([])
        for line in footer:
            sheet.append([line])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
