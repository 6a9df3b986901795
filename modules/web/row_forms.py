"""A row of the replenishment page: the vendors it offers, and what its form asks before ordering.

Each row's form orders its rule as proposed, or with the quantity typed over
the proposal and a vendor picked among the product's suppliers valid today
(``Rule.order(rules, quantities, vendor)``); its snooze buttons leave the
rule out of the report and the scheduler for a day, a week or until a date
(``Rule.snooze``).  Bad input is a problem page, nothing changed.
"""
import datetime
import math

from .problems import Problem

SNOOZES = {"1d": 1, "1w": 7}   # the snooze buttons: days from today
today = datetime.date.today   # the earliest date a rule may be snoozed until (the pages' ``today()``)


def vendor_choices(env, rows):
    """Give each report row its ``vendors``: its own vendor first, then the product's suppliers valid today.

    One search for the products of every row.
    """
    suppliers = {}
    products = sorted({row["product"].id for row in rows})
    for supplier in env["purchase.product_supplier"].search([("product", "in", products)]) if rows else []:
        if supplier.valid_at(today()):
            suppliers.setdefault(supplier.product.id, {}).setdefault(supplier.party.id, supplier.party)
    for row in rows:
        own = [row["vendor"]] if row["vendor"] else []
        row["vendors"] = own + [party for party in suppliers.get(row["product"].id, {}).values()
                                if party != row["vendor"]]


def quantity(form):
    """The quantity typed in a row's form, when it is not the proposal it was filled with; None otherwise."""
    text, proposed = (form.get("quantity") or "").strip(), form.get("proposed")
    if not text or text == proposed:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not 0 < number <= 1e12:
        raise Problem(422, "Invalid data", f"the quantity to order must be a number greater than zero, not "
                      f"{text!r:.40}", errors={"quantity": ["A number greater than zero."]})
    return number


def snooze(form):
    """The date a row's snooze button asks for (1 day, 1 week, or the date given), or None to order."""
    choice = form.get("snooze")
    if choice is None:
        return None
    if choice in SNOOZES:
        return today() + datetime.timedelta(days=SNOOZES[choice])
    text = (form.get("until") or "").strip()
    try:
        if choice == "date":
            return datetime.date.fromisoformat(text)
    except ValueError:
        raise Problem(422, "Invalid data", f"snooze until a date (YYYY-MM-DD), not {text!r:.40}",
                      errors={"until": ["A date."]}) from None
    raise Problem(400, "Malformed request", f"snooze must be 1d, 1w or date, not {choice!r:.40}")


def vendor(env, rule, party):
    """``party`` (an id, or None), refused unless it supplies the rule's product today or is the rule's vendor."""
    if party is None:
        return None
    with env.with_user(None):
        record, = env["stock.reorder.rule"].browse([rule])
        allowed = {s.party.id for s in record.product.product_suppliers if s.valid_at(today())} | (
            {record.vendor.id} if record.vendor else set())
    if party not in allowed:
        raise Problem(422, "Invalid data", f"party {party} does not supply {record.product.name} today: pick one "
                      f"of its suppliers", errors={"vendor": ["One of the product's suppliers."]})
    return party
