#!/usr/bin/env python3
"""Rebuild first_names.txt and last_names.txt from the US Census 1990 lists in the PyPI package `names` 0.3.0.

Usage: python3 make_names.py /path/to/names-0.3.0/names
"""
import sys
from pathlib import Path

SURNAMES = 20000  # the most common surnames, about 78% of the 1990 population
# Census "first names" that are far more often ordinary English words or particles than names.
DROP_FIRST = {
    "SEE", "ELSE", "MAN", "SON", "SUN", "DOT", "ERA", "THE", "AND", "ARE", "CAN", "MAY", "WILL",
    "VAN", "VON", "DEL", "LES", "WM", "EDA", "PAZ", "LUZ", "SO", "MY", "IN", "AN", "OK",
}

src = Path(sys.argv[1])
out = Path(__file__).resolve().parent

def names(path):
    with open(path, encoding="ascii") as f:
        return [line.split()[0] for line in f if line.strip()]

first = sorted({n for n in names(src / "dist.male.first") + names(src / "dist.female.first")
                if len(n) > 2 and n not in DROP_FIRST})
last = names(src / "dist.all.last")[:SURNAMES]
(out / "first_names.txt").write_text("\n".join(first) + "\n", encoding="ascii")
(out / "last_names.txt").write_text("\n".join(last) + "\n", encoding="ascii")
print(len(first), "first names,", len(last), "surnames")
