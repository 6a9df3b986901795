"""Lists of ids, numbers and flags packed in PostgreSQL's binary array format at C speed.

Big inserts and updates on PostgreSQL send each column as one array
parameter (``Model._insert_arrays``).  psycopg dumps a list element by
element in Python: at ten thousand rows of ten columns, that was a tenth of
quoting's time.  :func:`pack` lays out lists of integers that fit INTEGER,
of floats or of booleans with the ``array`` module instead, and lists of
strings from each distinct string encoded once; psycopg sends the bytes as
they are.  Other lists (decimals, dates, bigger integers) are left to
psycopg.

The format (PostgreSQL's ``array_send``): five 32-bit big-endian integers
(dimensions, whether there are NULLs, the element type, the length, the
first index), then each element as its byte length (-1 for NULL) and its
bytes.
"""
import array
import struct
import sys

_HEADER = struct.Struct(">iiiii")
_NULL = struct.pack(">i", -1)
_INT4 = (-2 ** 31, 2 ** 31 - 1)
_BOOLS = {True: struct.pack(">i?", 1, True), False: struct.pack(">i?", 1, False)}


class Packed:
    """A list already in PostgreSQL's binary array format (a parameter psycopg sends as it is)."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


class Int4Array(Packed):
    __slots__ = ()
    element_oid, oid = 23, 1007


class Float8Array(Packed):
    __slots__ = ()
    element_oid, oid = 701, 1022


class BoolArray(Packed):
    __slots__ = ()
    element_oid, oid = 16, 1000


class TextArray(Packed):
    __slots__ = ()
    element_oid, oid = 25, 1009


def _big_endian(typecode, values):
    packed = array.array(typecode, values)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed


def _each_with_its_length(typecode, size, values):
    """The elements of a list without NULLs, each after its length: words moved by slices, no Python loop."""
    words_per_value = size // 4
    step = 1 + words_per_value
    data = array.array("i")
    data.frombytes(_big_endian(typecode, values).tobytes())
    out = array.array("i", bytes(4 * step * len(values)))
    out[0::step] = _big_endian("i", [size]) * len(values)
    for word in range(words_per_value):
        out[1 + word::step] = data[word::words_per_value]
    return out.tobytes()


def _texts(values):
    """Each distinct string encoded once (a column repeats a few values); None if one holds a NUL."""
    pieces = {None: _NULL}
    for value in set(values):
        if value is not None:
            if "\x00" in value:   # PostgreSQL text cannot hold it: psycopg refuses it before sending
                return None
            encoded = value.encode()
            pieces[value] = struct.pack(">i", len(encoded)) + encoded
    return b"".join(map(pieces.__getitem__, values))


def _elements(kind, values, has_null):
    if kind is str:
        return _texts(values)
    if kind is bool:
        return b"".join(_NULL if value is None else _BOOLS[value] for value in values)
    typecode, size = ("i", 4) if kind is int else ("d", 8)
    if not has_null:
        return _each_with_its_length(typecode, size, values)
    element = struct.Struct(">i" + typecode)
    return b"".join(_NULL if value is None else element.pack(size, value) for value in values)


def pack(values):
    """``values`` as a :class:`Packed` array, or None unless they are all ints of INTEGER, floats, bools or strings.

    None stands for NULL; a list of NULLs only is left to psycopg too.
    """
    kinds = set(map(type, values))
    has_null = type(None) in kinds
    kinds.discard(type(None))
    if len(kinds) != 1:
        return None
    kind, = kinds
    present = [value for value in values if value is not None] if has_null else values
    if kind is int:
        if not (_INT4[0] <= min(present) and max(present) <= _INT4[1]):
            return None
        cls = Int4Array
    elif kind is float:
        cls = Float8Array
    elif kind is bool:
        cls = BoolArray
    elif kind is str:
        cls = TextArray
    else:
        return None
    elements = _elements(kind, values, has_null)
    if elements is None:
        return None
    return cls(_HEADER.pack(1, int(has_null), cls.element_oid, len(values), 1) + elements)


def _register():
    """Tell psycopg to send packed arrays as they are, in binary, typed by their class."""
    try:
        import psycopg
        from psycopg.adapt import Dumper
        from psycopg.pq import Format
    except ImportError:   # PostgreSQL is optional
        return
    for cls in (Int4Array, Float8Array, BoolArray, TextArray):
        dumper = type(f"{cls.__name__}Dumper", (Dumper,),
                      {"format": Format.BINARY, "oid": cls.oid, "dump": lambda self, obj: obj.data})
        psycopg.adapters.register_dumper(cls, dumper)


_register()
