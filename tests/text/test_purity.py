import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_package_does_not_import_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import annotations.text, sys\n"
        "import annotations.text.normalize, annotations.text.tokens\n"
        "import annotations.text.offsets, annotations.text.snap, annotations.text.chars\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
        "outside = sorted(\n"
        "    name for name in sys.modules\n"
        "    if name.startswith('annotations.') and not name.startswith('annotations.text')\n"
        ")\n"
        "assert not outside, outside\n"
        "third_party = sorted(\n"
        "    name for name in sys.modules\n"
        "    if name.split('.')[0] not in sys.stdlib_module_names\n"
        # regex: the maintained UAX #29 grapheme clusters (\\X); pure Python/C, no Django
        "    and name.split('.')[0] not in ('annotations', '__main__', '_distutils_hack', 'regex')\n"
        ")\n"
        "assert not third_party, third_party\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
