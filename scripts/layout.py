"""Print the package's map (every module and the first line of its docstring, stage by stage), or
write it into the README between its layout markers (``--write``); a test checks they agree."""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dxanalysis"
README = ROOT / "README.md"
START, END = "<!-- layout:start (scripts/layout.py --write) -->", "<!-- layout:end -->"
STAGES = ("core", "data", "portal", "forecast", "report", "run", "cli")


def first_line(path: Path) -> str:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def _entries(folder: Path, depth: int) -> list[tuple[str, str]]:
    rows = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")) or path.name == "__pycache__":
            continue
        if path.is_dir() and (path / "__init__.py").exists():
            rows.append(("  " * depth + path.name + "/", first_line(path / "__init__.py")))
            rows.extend(_entries(path, depth + 1))
        elif path.suffix == ".py":
            rows.append(("  " * depth + path.name, first_line(path)))
    return rows


def layout() -> str:
    """The map: ``dxanalysis/`` then each stage in pipeline order, its modules and their jobs."""
    rows = [("dxanalysis/", first_line(PACKAGE / "__init__.py"))]
    for stage in STAGES:
        folder = PACKAGE / stage
        rows.append((f"  {stage}/", first_line(folder / "__init__.py")))
        rows.extend(_entries(folder, 2))
    width = max(len(name) for name, _ in rows) + 2
    return "\n".join(f"{name.ljust(width)}{job}".rstrip() for name, job in rows)


def readme_block() -> str:
    return f"{START}\n```\n{layout()}\n```\n{END}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the README's layout block")
    args = parser.parse_args(argv)
    if not args.write:
        print(layout())
        return 0
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{README}: no layout markers ({START} ... {END})", file=sys.stderr)
        return 1
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    README.write_text(before + readme_block() + after, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
