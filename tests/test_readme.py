"""The README describes this checkout alone: no path leads out of the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_points_nowhere_outside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"\.\./\S*", text) == []
