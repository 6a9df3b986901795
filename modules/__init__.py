"""Kitwork's built-in modules, one sub-package each."""
