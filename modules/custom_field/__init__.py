"""Custom fields: fields defined as data (``custom.field``), values carried by the records.

A model carries custom values when a module opts it in with one line in its
``register``::

    module.add_models(custom_field.carry("stock.shipment.out"), extra="custom_field")

(the module lists ``custom_field`` in its ``depends`` or ``extras``, and
generates the migration of the ``custom`` column in its branch with
``kitwork revision``).  With party and sale active, ``party.party`` and
``sale.sale`` carry them.
"""
from .custom import CustomField, CustomFields
from .demo import demo
from .values import CustomValues

__all__ = ["CustomField", "CustomFields", "CustomValues", "carry", "demo", "register"]


def carry(model_name, writable_after_draft=False):
    """The extension class giving ``model_name`` custom values, for ``module.add_models``.

    It adds the field ``custom`` (:class:`CustomValues`), owned by the module
    registering the class, and the checks of :class:`CustomFields`.  With
    ``writable_after_draft`` the values may change whatever the state of an
    order (``custom`` joins the order's ``writable_after_draft``).
    """
    attrs = {"_name": model_name, "__module__": __name__, "custom": CustomValues(),
             "__doc__": f"{model_name} carries custom values (custom_field)."}
    if writable_after_draft:
        attrs["writable_after_draft"] = ("custom",)
    return type(f"Custom_{model_name.replace('.', '_')}", (CustomFields,), attrs)


def register(module):
    module.add_models(CustomField)
    module.add_models(carry("party.party"), extra="party")
    module.add_models(carry("sale.sale", writable_after_draft=True), extra="sale")
