"""Field types.

A field is declared on a model class (or on a module's extension of it) and,
once the pool has composed the model, is the descriptor through which records
read their values.  Each field knows three things about itself: the column
that stores it (if any), how to validate input for it (a marshmallow field),
and how to turn a stored value into what a record shows.

The types live in three files, each importing only those above it:

- ``base.py``: :class:`Field`, the ``Bounded`` mixin of ordered values, and
  :class:`Function` (computed, of any type);
- ``values.py``: the plain values (``Char`` … ``Selection``) and their bounds;
- ``relational.py``: ``Many2One``, ``Reference``, ``One2Many``, ``Many2Many``.
"""
from .base import Bounded, Field, Function
from .relational import Many2Many, Many2One, One2Many, Reference
from .values import (DATE_RANGE, FLOAT_LIMIT, Binary, Boolean, Char, Date, DateTime, Float, Integer, Numeric,
                     Selection, SelectionExtension, Text)

__all__ = ["Field", "Bounded", "Function", "Char", "Text", "Integer", "Float", "Numeric", "Binary", "Boolean",
           "Date", "DateTime", "Selection", "SelectionExtension", "Many2One", "Reference", "One2Many",
           "Many2Many", "FLOAT_LIMIT", "DATE_RANGE"]
