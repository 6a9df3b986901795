"""Kitwork's core: modules, composed models, hooks, migrations.

The core knows no business word; everything a database can do comes from the
modules active in it.
"""
from . import errors, fields
from .api import expose
from .database import Database
from .hookspecs import hookimpl, hookspec
from .model import Model
from .queue import Task, task
from .workflow import Workflow, transition

__all__ = ["Database", "Model", "Task", "Workflow", "errors", "expose", "fields", "hookimpl", "hookspec", "task",
           "transition"]
