"""Where benchmark results go: one JSON file and one markdown page, a section per benchmark.

Each benchmark (``pages`` here, ``jobs`` later) calls ``write_section`` with its own name: its
key in the JSON file and its generated block in the markdown page are replaced, and every other
section, and the page's hand-written text, stay as they were.
"""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JSON_PATH = ROOT / "docs" / "performance.json"
MARKDOWN_PATH = ROOT / "docs" / "performance.md"
MARKDOWN_TITLE = "# Performance\n"


def _markers(section: str) -> tuple[str, str]:
    return (f"<!-- bench:{section} begin (generated: edit above or below, not inside) -->",
            f"<!-- bench:{section} end -->")


def write_section(section: str, data: dict, markdown: str, *, json_path: Path = JSON_PATH,
                  markdown_path: Path = MARKDOWN_PATH) -> None:
    """Store ``data`` under ``section`` in ``json_path`` and put ``markdown`` in the section's
    generated block of ``markdown_path`` (appended at the end the first time)."""
    json_path.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(json_path.read_text()) if json_path.exists() else {}
    results[section] = data
    json_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")

    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    page = markdown_path.read_text() if markdown_path.exists() else MARKDOWN_TITLE
    begin, end = _markers(section)
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(page):
        page = pattern.sub(lambda _match: block, page, count=1)
    else:
        page = page.rstrip("\n") + "\n\n" + block + "\n"
    markdown_path.write_text(page)

