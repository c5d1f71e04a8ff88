"""`make bench [SCALE=small|national10]` / `python -m bench [--scale S] [--only PART]`.

Without `--only`: the whole benchmark (bench/whole.py): the national page bench at the scale
(national10 by default), then every capability bench at its issue's sizes, then one table of
every target with its verdict, and the JSON of all the figures in bench/results/.
`--only pages` runs the national page bench alone at `--scale`; `--only import|review|
selection|mail|programme` one capability bench (bench/importing.py, review.py, selection.py,
mail.py, programme.py). `--rows`, `--candidacies`, `--messages` and `--repeat` change the sizes.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from bench import whole
from core.imports import reader

PARTS = ("pages", *whole.BY_KEY)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("small", "national10"), default="national10",
                        help="échelle du banc national des pages (national10)")
    parser.add_argument("--only", choices=PARTS, help="une seule partie du banc (toutes sinon)")
    parser.add_argument("--rows", type=int, help="lignes synthétiques de l'import (10 000)")
    parser.add_argument("--candidacies", type=int,
                        help="candidatures des bancs d'évaluation et de proposition (5 000)")
    parser.add_argument("--messages", type=int, help="courriels du banc d'envoi (1 000)")
    parser.add_argument("--repeat", type=int, help="exécutions de chaque mesure (celles de chaque partie sinon)")
    args = parser.parse_args(argv)
    given = {name: getattr(args, name) for name in ("rows", "candidacies", "messages", "repeat")
             if getattr(args, name) is not None}
    sizes = dataclasses.replace(whole.SIZES[args.scale], **given)
    if not 1 <= sizes.rows <= reader.MAX_ROWS:
        parser.error(f"--rows doit être entre 1 et {reader.MAX_ROWS}")
    if args.only == "pages":
        from bench import pages

        return pages.run(args.scale, sizes.repeat)
    if args.only:
        whole.run_section(args.only, sizes)
        return 0
    whole.run(args.scale, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
