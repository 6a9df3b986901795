"""Sphinx directives writing the reference of the built-in modules from the code.

``.. kitwork-modules::`` renders, for every built-in module in dependency
order, its manifest, the models it defines and extends (fields with type,
required, string and help; public methods with their docstrings and where
they are defined) and the hooks it owns.  ``.. kitwork-hooks::`` renders
every hook specification with its docstring and the order in which the
modules' implementations run.  Everything comes from :mod:`core.reference`,
so the pages follow the code.
"""
import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from core import reference


def escape(text):
    """Plain text (a field's string or help) made safe for reStructuredText."""
    text = " ".join(str(text or "").split())
    for char in "\\*`|_":
        text = text.replace(char, "\\" + char)
    return text


def docstring(obj, indent=""):
    doc = inspect.getdoc(obj) or ""
    return [indent + line if line else "" for line in doc.splitlines()]


def heading(text, char):
    return [text, char * len(text), ""]


def hook_lines(pool, owner, function):
    lines = heading(f"{function.__name__}({', '.join(inspect.signature(function).parameters)})", "~")
    lines += [f"Declared by {'the core' if owner == 'core' else f'module {owner}'} "
              f"in ``{function.__module__}``.", ""]
    lines += docstring(function) + [""]
    impls = reference.implementations(pool, function.__name__)
    if impls:
        lines.append("Implementations, in the order they run:")
        lines.append("")
        for plugin, option in impls:
            lines.append(f"#. ``{plugin}``" + (f" ({option})" if option else ""))
        lines.append("")
    else:
        lines += ["No built-in module implements it.", ""]
    return lines


def field_table(fields):
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 24 8 50", "",
             "   * - field", "     - type", "     - required", "     - description"]
    for name, field in fields:
        description = escape(field.string)
        if field.help:
            description += f": {escape(field.help)}"
        if field.readonly:
            description += " (read-only)"
        lines += [f"   * - ``{name}``", f"     - {escape(reference.describe_type(field))}",
                  f"     - {'yes' if field.required else ''}", f"     - {description}"]
    return lines + [""]


def method_lines(model_class, model_parts, branches):
    lines = []
    for name, method, definers in reference.methods(model_class, model_parts):
        mine = [(qualname, branch) for qualname, branch in definers if branch in branches]
        if not mine:
            continue
        try:
            signature = str(inspect.signature(method))
        except (TypeError, ValueError):
            signature = "(...)"
        lines += [f"``{name}{signature}``", ""]
        where = ", ".join(f"``{qualname}``" + (f" (with {', '.join(branch.split('+')[1:])})"
                                                if "+" in branch else "") for qualname, branch in mine)
        body = docstring(method, "   ") or ["   (no docstring)"]
        lines += body + ["", f"   Defined in {where}.", ""]
    return lines


def module_lines(pool, manifest):
    name = manifest.name
    branches = {b for parts in reference.parts(pool).values() for _, b in parts
                if b.split("+")[0] == name} | {name}
    lines = heading(f"Module {name}", "=")
    package_doc = docstring(importlib.import_module(manifest.package))
    lines += (package_doc or [escape(manifest.description)]) + [""]
    lines += [f":version: {manifest.version}",
              f":depends: {', '.join(manifest.depends) or '–'}",
              f":extras: {', '.join(manifest.extras) or '–'}",
              f":package: ``{manifest.package}``", ""]
    all_parts = reference.parts(pool)
    for model_name, model_class in pool.models.items():
        model_parts = all_parts[model_name]
        owned = [(n, f) for n, f in model_class._fields.items() if f.owner.split("+")[0] == name]
        defines = model_parts[0][1].split("+")[0] == name   # defined by the module, or one of its extras
        extends = [b for _, b in model_parts[1:] if b.split("+")[0] == name]
        if not (defines or extends):
            continue
        verb = "Model" if defines else "Extends"
        lines += heading(f"{verb} {model_name}", "-")
        if defines:
            lines += docstring(model_parts[0][0]) + [""]
        for cls, branch in model_parts[1:]:
            if branch.split("+")[0] == name and vars(cls).get("__doc__"):
                lines += [f"With {branch}: " if "+" in branch else ""] + docstring(cls) + [""]
        if owned:
            by_branch = {}
            for field_name, field in owned:
                by_branch.setdefault(field.owner, []).append((field_name, field))
            for branch, fields in by_branch.items():
                if branch != name:
                    lines += [f"Fields added while {', '.join(branch.split('+')[1:])} "
                              f"{'is' if branch.count('+') == 1 else 'are'} active too:", ""]
                lines += field_table(fields)
        methods = method_lines(model_class, model_parts, branches)
        if methods:
            lines += ["Public methods:", ""] + methods
    specs = [function for owner, function in reference.hookspecs_of(pool) if owner == name]
    if specs:
        lines += heading(f"Hooks of {name}", "-")
        lines += ["Implemented with ``@core.hookimpl``; each lists the modules implementing it, "
                  "in the order they run (see :doc:`extending`).", ""]
        for function in specs:
            lines += hook_lines(pool, name, function)
    return lines


class Generated(SphinxDirective):
    has_content = False

    def lines(self, pool):
        raise NotImplementedError

    def run(self):
        pool = reference.builtin_pool()
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(self.lines(pool), source="kitwork-reference"), node)
        return node.children


class ModulesDirective(Generated):
    def lines(self, pool):
        lines = []
        for manifest in pool.manifests:
            lines += module_lines(pool, manifest)
        return lines


class HooksDirective(Generated):
    def lines(self, pool):
        lines = []
        for owner, function in reference.hookspecs_of(pool):
            lines += hook_lines(pool, owner, function)
        return lines


def setup(app):
    app.add_directive("kitwork-modules", ModulesDirective)
    app.add_directive("kitwork-hooks", HooksDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
