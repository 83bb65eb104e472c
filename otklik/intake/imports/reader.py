"""Reading channel exports: XLSX, or CSV in UTF-8 or Windows-1251 with `;` or `,` — row by row."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

#: The upper bound of the files other readers of exports take (OTKLIK_IMPORT_MAX_MB: max_file_bytes()).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: An XLSX whose unpacked size is this many times its packed size is treated as a zip bomb (ordinary
#: spreadsheets pack 5–15 times); whatever the ratio, more than this unpacked is refused too.
MAX_XLSX_RATIO = 100
MAX_XLSX_UNPACKED = 512 * 1024 * 1024
MAX_XLSX_MEMBERS = 10_000
#: Columns read from an XLSX row: a stray cell in column XFD must not make every row 16 384 cells wide.
MAX_COLUMNS = 200
#: How many columns past the last header are still read (to report values outside the columns).
EXTRA_COLUMNS = 20


def max_file_bytes() -> int:
    """Files larger than this are refused before parsing: OTKLIK_IMPORT_MAX_MB (a district's quarterly
    export is a few MB)."""
    from django.conf import settings

    return int(getattr(settings, "OTKLIK_IMPORT_MAX_MB", 25)) * 1024 * 1024


def too_large_message(size: int) -> str:
    limit = max_file_bytes() // (1024 * 1024)
    return (
        f"Файл больше {limit} МБ ({size / (1024 * 1024):.1f} МБ): разделите выгрузку на части "
        f"(предел задаёт администратор настройкой OTKLIK_IMPORT_MAX_MB)."
    )


class FileError(ValueError):
    """The file as a whole cannot be read; the message is for people, in Russian."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, cell values)
    encoding: str
    notes: list[str] = field(default_factory=list)


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """UTF-8 if it decodes with few bad lines (they are rejected later), otherwise Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    bad = sum(1 for line in lines if any("\udc80" <= ch <= "\udcff" for ch in line))
    if bad and bad <= max(1, len(lines) // 10):
        return text, "utf-8", [f"строк с неверной кодировкой: {bad}"]
    try:
        return data.decode("cp1251"), "windows-1251", []
    except UnicodeDecodeError as exc:
        raise FileError("Не удалось определить кодировку файла: ожидается UTF-8 или Windows-1251.") from exc


def _delimiter(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    return ";" if first.count(";") >= first.count(",") else ","


def read_csv(data: bytes) -> Table:
    text, encoding, notes = _decode(data)
    delimiter = _delimiter(text[:4096])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileError("Файл пустой: нет строки заголовков.") from None
    except csv.Error as exc:
        raise FileError(f"Файл не читается как CSV: {exc}") from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, [f"\x00csv-error:{exc}"]
                continue
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num, values

    return Table(headers, rows(), encoding, notes)


def _check_xlsx(data: bytes) -> None:
    """Refuse a zip bomb by the sizes the archive declares, before anything is unpacked (a member
    cannot unpack to more than it declares: zipfile stops there)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise FileError("Файл XLSX повреждён или это не XLSX.") from exc
    unpacked = sum(info.file_size for info in members)
    if (
        len(members) > MAX_XLSX_MEMBERS
        or unpacked > MAX_XLSX_UNPACKED
        or unpacked > MAX_XLSX_RATIO * max(len(data), 1)
    ):
        raise FileError("Файл XLSX подозрительно сильно сжат (возможна «zip-бомба»): импорт отклонён.")


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    _check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files
        raise FileError(f"Файл XLSX не читается: {exc}") from exc
    if not workbook.worksheets:
        raise FileError("В файле XLSX нет ни одного листа.")
    sheet = workbook.worksheets[0]
    try:
        first = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True))
    except StopIteration:
        first = ()
    except Exception as exc:  # a broken sheet inside a valid archive
        raise FileError(f"Файл XLSX не читается: {exc}") from exc
    headers = ["" if v is None else str(v).strip() for v in first]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileError("Файл пустой: нет строки заголовков.")
    width = min(len(headers) + EXTRA_COLUMNS, MAX_COLUMNS)
    notes = []
    declared = sheet.max_column  # from the sheet's own <dimension>, may be absent
    if isinstance(declared, int) and declared > width:
        from openpyxl.utils import get_column_letter

        notes.append(
            f"лист размечен до колонки {get_column_letter(declared)}: значения правее колонки "
            f"{get_column_letter(width)} не читаются"
        )
    iterator = sheet.iter_rows(min_row=2, max_col=width, values_only=True)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, values in enumerate(iterator, start=2):
            cells = list(values)
            while cells and cells[-1] in (None, ""):
                cells.pop()
            if not cells:
                continue
            yield number, [_cell(v) for v in cells]
        workbook.close()

    return Table(headers, rows(), "xlsx", notes)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(path: Path) -> Table:
    size = path.stat().st_size
    if size > max_file_bytes():
        raise FileError(too_large_message(size))
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if path.suffix.lower() == ".xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError("Старый формат XLS не поддерживается: сохраните выгрузку как XLSX или CSV.")
    return read_csv(data)
