"""Sphinx configuration of Kitwork's documentation (``sphinx-build -W docs docs/_build``)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).parent / "_ext")]

project = "Kitwork"
author = "Kitwork developers"
extensions = ["sphinx.ext.autodoc", "kitwork_reference"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
autodoc_member_order = "bysource"
default_role = "literal"
