"""The agreement package, its report included, must stay importable without Django (pure stdlib + numpy)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_does_not_pull_in_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.pop("PYTHONPATH", None)
    code = "import annotations.agreement, annotations.agreement.report, sys; assert 'django' not in sys.modules"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_only_stdlib_and_numpy_imported():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.pop("PYTHONPATH", None)
    code = (
        "import sys; before = set(sys.modules); import annotations.agreement, annotations.agreement.report; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "allowed = set(sys.stdlib_module_names) | {'numpy', 'annotations'}; "
        "bad = sorted(new - allowed); assert not bad, bad; "
        "assert not [m for m in sys.modules if m.startswith('annotations.') "
        "and not m.startswith('annotations.agreement')], 'imported other annotations modules'"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
