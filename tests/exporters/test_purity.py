import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_exporters_does_not_import_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import annotations.exporters, sys\n"
        "import annotations.exporters.manifest, annotations.exporters.records\n"
        "for name in annotations.exporters.FORMATS: annotations.exporters.get_writer(name)\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
        "outside = sorted(n for n in sys.modules if n.startswith('annotations.') and n.split('.')[1] not in\n"
        "                 ('exporters', 'text', 'errors'))\n"
        "assert not outside, outside\n"
        "third_party = sorted(n for n in sys.modules if n.split('.')[0] not in sys.stdlib_module_names\n"
        # regex: annotations.text's grapheme clusters (UAX #29); numpy: CoNLL's batches (`_segments`);
        # pure libraries without Django
        "                     and n.split('.')[0] not in\n"
        "                     ('annotations', '__main__', '_distutils_hack', 'regex', 'numpy'))\n"
        "assert not third_party, third_party\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
