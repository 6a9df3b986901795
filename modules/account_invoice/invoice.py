"""Invoices and their lines; posting, cancelling, PDF and mail."""
import collections
import datetime
from decimal import Decimal

import sqlalchemy as sa

from core import Model, Workflow, errors, expose, fields, transition
from core.model import batches, collection_deferred, in_
from modules.account.order import product_quantity
from modules.party.codes import CURRENCIES, check_code
from modules.party.party import PartyAddresses
from modules.product.order import OrderLine

from .freezing import frozen_amounts
from .identity import company_lines, party_lines

CENT = Decimal("0.01")
TYPES = [("out", "Customer invoice"), ("in", "Supplier invoice")]
STATES = [("draft", "Draft"), ("posted", "Posted"), ("cancelled", "Cancelled")]
NUMBER_PREFIX = {"out": "INV", "in": "BILL"}


def records_of(model, items):
    """``items`` (records of ``model`` or their ids) as records; anything else is a UserError."""
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise errors.UserError(f"{model._name}: expected a list of records or ids, got {items!r:.80}")
    ids = []
    for item in items:
        if isinstance(item, Model) and item._name == model._name:
            ids.append(item.id)
        elif type(item) is int and 0 < item < 2 ** 31:
            ids.append(item)
        else:
            raise errors.UserError(f"{model._name}: expected a record of {model._name} or its id, got {item!r:.80}")
    ids = list(dict.fromkeys(ids))
    found = set()
    for batch in batches(model.env, ids):
        found.update(model.env.execute(sa.select(model.table.c.id).where(in_(model.table.c.id, batch))).scalars())
    if len(found) != len(ids):
        raise errors.UserError(f"no {model._name} with id {next(i for i in ids if i not in found)}")
    return model.browse(ids)


def locked_in(model, records, verb, states):
    """Lock ``records`` (of a workflow ``model``), then refuse those another transaction moved out of ``states``."""
    records = list(dict.fromkeys(records))   # a record given twice is moved once
    model.lock(records)
    table = model.table
    current = {}
    for batch in batches(model.env, [r.id for r in records]):
        current.update(model.env.execute(sa.select(table.c.id, table.c.state).where(in_(table.c.id, batch))).all())
    for record in records:
        if current.get(record.id) not in states:
            raise errors.WorkflowError(
                f"cannot {verb} {record.rec_name}: it is {current.get(record.id, 'deleted')}; "
                f"{verb} is allowed from {' or '.join(states)}")
    return records


OrderLineRow = collections.namedtuple(
    "OrderLineRow", "id order product unit rounding unit_price account sequence quantity product_type invoice_method "
                    "taxes")


class Invoice(PartyAddresses, Workflow, Model):
    """What a customer owes (``out``) or what is owed to a supplier (``in``): draft, posted, or cancelled.

    Posting gives the number, from one sequence per type, without gaps
    (``INV0001``…, ``BILL0001``…); only draft invoices change; cancelling a
    draft or posted invoice frees its quantities to be invoiced again.

    What is posted never changes afterwards: posting freezes each line's tax
    amount, one ``account.invoice.tax`` line per tax (its name, base and
    amount, as Tryton does) and the invoice's totals, so editing a tax (its
    rate, type or name) or a unit changes drafts and orders only.

    An invoice takes its currency from the company, its payment term from
    the party (customer or supplier term by type), its address from its
    order (else the party's first invoice address), and its ``reference``
    (the order's number) from the order; posting dates it and sets
    ``due_date`` from the term (the last instalment; no term: the invoice
    date).
    """

    _name = "account.invoice"
    _order = (("invoice_date", "DESC"), ("id", "DESC"))
    _transitions = frozenset({("draft", "posted"), ("draft", "cancelled"), ("posted", "cancelled")})
    _party_addresses = {"invoice_address": "invoice"}

    type = fields.Selection(TYPES, "Type", required=True, default="out")
    party = fields.Many2One("party.party", "Party", required=True, ondelete="restrict",
                            help="The customer (out) or the supplier (in).")
    number = fields.Char("Number", size=32, readonly=True, unique=True, help="Given when the invoice is posted.")
    invoice_date = fields.Date("Invoice date", help="Default: the day it is posted.")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    currency = fields.Char("Currency", size=3, required=True, help="ISO 4217 code; default the company's.")
    invoice_address = fields.Many2One("party.address", "Invoice address", ondelete="restrict",
                                      help="Default: the order's, else the party's first invoice address.")
    payment_term = fields.Many2One("account.payment_term", "Payment term", ondelete="restrict",
                                   help="Default: the party's customer (out) or supplier (in) payment term.")
    due_date = fields.Date("Due date", readonly=True,
                           help="Set at posting: the last instalment's date of the payment term, else the "
                                "invoice date.")
    reference = fields.Char("Reference", size=256, help="The numbers of the orders invoiced.")
    company_block = fields.Text("Company as printed", readonly=True,
                                help="The company's name, address, tax id and e-mail when the invoice was posted.")
    party_block = fields.Text("Party as printed", readonly=True,
                              help="The party's name, invoice address, tax id and e-mail when the invoice was posted.")
    lines = fields.One2Many("account.invoice.line", "invoice", "Lines")
    untaxed_amount = fields.Function(fields.Numeric("Untaxed amount", digits=2), "get_amounts")
    tax_amount = fields.Function(fields.Numeric("Tax amount", digits=2), "get_amounts")
    total_amount = fields.Function(fields.Numeric("Total amount", digits=2, help="Untaxed amount + tax amount."),
                                   "get_amounts")
    is_credit_note = fields.Function(fields.Boolean("Credit note", help="Its untaxed amount is below zero (goods "
                                                    "returned, say): it gives money back."), "get_is_credit_note")
    taxes = fields.One2Many("account.invoice.tax", "invoice", "Taxes", readonly=True,
                            help="One line per tax, made at posting: its name, base and amount then.")
    untaxed_amount_cache = fields.Numeric("Untaxed amount at posting", digits=2, readonly=True,
                                          help="Frozen at posting; empty while draft.")
    tax_amount_cache = fields.Numeric("Tax amount at posting", digits=2, readonly=True,
                                      help="Frozen at posting; empty while draft.")
    total_amount_cache = fields.Numeric("Total amount at posting", digits=2, readonly=True,
                                        help="Frozen at posting; empty while draft.")

    @classmethod
    def get_amounts(cls, invoices, name):
        """Sums of the lines' amounts, each rounded to the cent (as for sales and purchases); frozen once posted."""
        result = {i.id: getattr(i, f"{name}_cache") for i in invoices}
        live = [i for i, amount in result.items() if amount is None]
        if not live:
            return result
        result.update((i, Decimal(0)) for i in live)
        for line in cls.env["account.invoice.line"].search([("invoice", "in", live)]):
            if name in ("untaxed_amount", "total_amount"):
                result[line.invoice.id] += line.amount
            if name in ("tax_amount", "total_amount"):
                result[line.invoice.id] += line.tax_amount
        return result

    @classmethod
    def _complete(cls, vlist):
        """The company's currency and the party's payment term, read once for the batch."""
        vlist = super()._complete(vlist)
        currency = None
        wanted = [v for v in vlist if v.get("payment_term") is None and v.get("party") is not None]
        parties = {p.id: p for p in cls.env["party.party"].browse(
            {getattr(v["party"], "id", v["party"]) for v in wanted})}
        completed = []
        for values in vlist:
            values = dict(values)
            if values.get("currency") is None:
                currency = currency or cls.env["company.company"].get().currency
                values["currency"] = currency
            if values.get("payment_term") is None and values.get("party") is not None:
                party = parties[getattr(values["party"], "id", values["party"])]
                term = party.supplier_payment_term if values.get("type") == "in" else party.customer_payment_term
                values["payment_term"] = term.id if term is not None else None
            completed.append(values)
        return completed

    @classmethod
    def validate(cls, invoices):
        super().validate(invoices)
        for invoice in invoices:
            check_code(invoice, "currency", CURRENCIES, "ISO 4217 currency")

    @classmethod
    def get_is_credit_note(cls, invoices, name):
        """Below zero, as Tryton has it; an invoice of nothing but returned lines at no price too."""
        amounts = cls.get_amounts(invoices, "untaxed_amount")
        return {i.id: amounts[i.id] < 0 or amounts[i.id] == 0 and bool(i.lines) and all(
            line.quantity < 0 for line in i.lines) for i in invoices}

    # -- changes by hand: draft only -------------------------------------------------
    @classmethod
    def write(cls, invoices, values):
        cls._check_draft(invoices, "changed")
        super().write(invoices, values)
        if isinstance(values, dict) and "type" in values:
            # a customer invoice of sale lines turned supplier invoice would count as the sale's invoicing
            lines = [line for invoice in records_of(cls, invoices) for line in invoice.lines]
            if lines:
                cls.env["account.invoice.line"].validate(lines)

    @classmethod
    def delete(cls, invoices):
        for invoice in invoices:
            if invoice.number or invoice.state == "posted":
                raise errors.WorkflowError(
                    f"cannot delete {invoice.rec_name}: it was posted and numbered; a number is never given back")
        super().delete(invoices)

    @classmethod
    def _check_draft(cls, invoices, what):
        for invoice in invoices:
            if invoice.state != "draft":
                raise errors.WorkflowError(f"{invoice.rec_name} cannot be {what}: it is {invoice.state}")

    # -- workflow ----------------------------------------------------------------------
    @classmethod
    @transition("posted")
    def post(cls, invoices):
        """Number draft invoices (without gaps, even with others posting at once) and date them."""
        invoices = cls._locked(invoices, "post", ("draft",))
        for invoice in invoices:
            if not invoice.lines:
                raise errors.UserError(f"cannot post {invoice.rec_name}: it has no lines")
            for line in invoice.lines:
                if line.account is None:
                    which = "revenue" if invoice.type == "out" else "expense"
                    raise errors.UserError(
                        f"cannot post {invoice.rec_name}: {line.rec_name} ({line.product.name}) has no account; "
                        f"give it one, or give {line.product.name} a {which} account")
        totals = cls._freeze(invoices)
        cls.change_state(invoices, "posted", "post")
        today = datetime.date.today()
        rows = []
        for kind in ("out", "in"):
            of_kind = sorted((i for i in invoices if i.type == kind), key=lambda i: i.id)
            if not of_kind:
                continue
            numbers = cls.env.next_numbers(f"account.invoice.{kind}", len(of_kind))
            rows += [{"id": i.id, "number": f"{NUMBER_PREFIX[kind]}{n:04d}", "invoice_date": i.invoice_date or today,
                      **totals[i.id]} for i, n in zip(of_kind, numbers)]
        terms = {t.id: t for t in cls.env["account.payment_term"].browse(
            {i.payment_term.id for i in invoices if i.payment_term is not None})}
        term_of = {i.id: terms.get(i.payment_term.id) if i.payment_term is not None else None for i in invoices}
        blocks = cls._identities(invoices)
        for row in rows:
            term = term_of[row["id"]]
            row["due_date"] = term.due_date(row["invoice_date"]) if term is not None else row["invoice_date"]
            row["company_block"], row["party_block"] = blocks[row["id"]]
        cls.write_rows(rows)

    @classmethod
    def _identities(cls, invoices):
        """``{invoice id: (company block, party block)}``: who they are as printed, frozen by posting.

        A posted invoice's PDF never changes: a party that moves later or a
        company renamed does not rewrite the invoices already issued.
        """
        env = cls.env
        company = "\n".join(company_lines(env["company.company"].get()))
        table = cls.table
        rows = {}
        for batch in batches(env, [i.id for i in invoices]):
            rows.update((row[0], row[1:]) for row in env.execute(
                sa.select(table.c.id, table.c.party, table.c.invoice_address).where(in_(table.c.id, batch))).all())
        parties = {p.id: p for p in env["party.party"].browse(sorted({party for party, _ in rows.values()}))}
        first = env["party.address"].first_of(parties, "invoice")
        addresses = {a.id: a for a in env["party.address"].browse(sorted({a for _, a in rows.values() if a}))}
        return {i: (company, "\n".join(party_lines(parties[party], addresses[address] if address else first[party])))
                for i, (party, address) in rows.items()}

    @classmethod
    def _freeze(cls, invoices):
        """What posting fixes for good; returns ``{invoice id: {cache column: amount}}``.

        Each line's tax amount and one ``account.invoice.tax`` per tax of each
        invoice are written; the invoice's totals are returned to be written
        with its number.  Computed as a draft's amounts are (see
        :mod:`modules.account_invoice.freezing`), so posting changes no figure.
        """
        env = cls.env
        Line, InvoiceTax = env["account.invoice.line"], env["account.invoice.tax"]
        tables = {"invoice_line": Line.table, "links": Line.fields["taxes"].table, "tax": env["account.tax"].table,
                  "uom": env["product.uom"].table, "product": env["product.product"].table}
        by_id = {i.id: i for i in invoices}
        totals, line_rows, tax_lines = {}, [], []
        for batch in batches(env, list(by_id)):
            frozen = frozen_amounts(env.execute, tables, batch)
            line_rows += [{"id": line_id, "tax_amount_cache": amount} for line_id, amount in frozen.line_taxes.items()]
            tax_lines += frozen.tax_lines
            for invoice_id, (untaxed, tax) in frozen.totals.items():
                totals[invoice_id] = {"untaxed_amount_cache": untaxed, "tax_amount_cache": tax,
                                      "total_amount_cache": untaxed + tax}
                for name, amount in totals[invoice_id].items():
                    cls._check_amount(by_id[invoice_id], cls.fields[name], amount)
        for entry in tax_lines:
            cls._check_amount(by_id[entry["invoice"]], InvoiceTax.fields["base"], entry["base"])
        Line.write_rows(line_rows)
        InvoiceTax.create_unchecked(tax_lines)
        return totals

    @classmethod
    def _check_amount(cls, invoice, field, amount):
        """An amount to freeze fits its column (``precision − digits`` integer digits), else the post is refused."""
        limit = field.limits()[1]
        if abs(amount) > limit:
            raise errors.ValidationError(
                f"cannot post {invoice.rec_name}: its {field.string.lower()} {amount} is larger than an amount "
                f"holds ({limit}); split it into several invoices", {"lines": ["Amounts too large."]},
                invoice.rec_name)

    @classmethod
    @transition("cancelled")
    def cancel(cls, invoices):
        """Cancel draft or posted invoices; what they invoiced may be invoiced again."""
        cls.change_state(cls._locked(invoices, "cancel", ("draft", "posted")), "cancelled", "cancel")

    @classmethod
    def _locked(cls, invoices, verb, states):
        return locked_in(cls, invoices, verb, states)

    # -- invoicing orders ----------------------------------------------------------------
    @classmethod
    def invoice_orders(cls, Order, orders, type):
        """Put what ``orders`` have to invoice and have not invoiced on one draft invoice each.

        The orders are locked first, so two transactions invoicing the same
        order never invoice it twice.  Returns the invoices created or added
        to, in the order of ``orders``.
        """
        Line = cls.env[Order.fields["lines"].target]
        for order in orders:
            if order.state not in ("confirmed", "processing", "done"):
                raise errors.WorkflowError(
                    f"cannot invoice {order.rec_name}: it is {order.state}; confirm it first")
        if not orders:
            return []
        Order.lock(orders)
        rows = cls.order_lines(Line, [o.id for o in orders])
        with collection_deferred(len(rows)):
            return cls._invoice_lines(Line, orders, rows, type)

    @classmethod
    def _invoice_lines(cls, Line, orders, rows, type):
        """Invoice the order lines ``rows`` (see :meth:`order_lines`) of ``orders``."""
        InvoiceLine = cls.env["account.invoice.line"]
        lines = Line.browse([row.id for row in rows])
        facts = {row.id: row for row in rows}   # a row has the fields of LineFacts
        with cls.env.with_context(line_facts={Line._name: facts}):
            to_invoice = Line.quantities_to_invoice(lines)
            invoiced = Line.get_quantity_invoiced(lines, "quantity_invoiced")
        Uom = cls.env["product.uom"]
        new_lines = collections.defaultdict(list)
        for row in rows:
            quantity = Uom.round(to_invoice[row.id] - invoiced[row.id], row.rounding)
            if quantity * row.quantity <= 0:   # nothing new, or a line's sign (a return's below zero) reversed
                continue
            new_lines[row.order].append({
                "origin": f"{Line._name},{row.id}", "product": row.product, "quantity": quantity,
                "unit": row.unit, "unit_price": row.unit_price, "taxes": row.taxes, "account": row.account,
                "sequence": row.sequence})
        if not new_lines:
            return []
        # A draft invoice holding lines of an order means the order has something invoiced.
        started = {row.order for row in rows if invoiced[row.id] and row.order in new_lines}
        drafts = cls.draft_invoices_of(Line, [(row.id, row.order) for row in rows if row.order in started], type)
        by_id = {o.id: o for o in orders}
        created = cls.create_unchecked([{"type": type, "party": by_id[order_id].party.id, "lines": vlist,
                                         "invoice_address": by_id[order_id].invoice_address,
                                         "reference": by_id[order_id].number}
                                        for order_id, vlist in new_lines.items() if order_id not in drafts])
        InvoiceLine.create_unchecked([{**values, "invoice": drafts[order_id]}
                                      for order_id, vlist in new_lines.items() if order_id in drafts
                                      for values in vlist])
        made = iter(created)
        result = {order_id: drafts[order_id] if order_id in drafts else next(made).id for order_id in new_lines}
        return cls.browse([result[o.id] for o in orders if o.id in result])

    @classmethod
    def order_lines(cls, Line, order_ids):
        """What invoicing reads of the lines of the orders, as plain rows (set-based, in the lines' order).

        Each row: ``id``, ``order``, ``product``, ``unit``, ``rounding`` (of
        the unit), ``unit_price``, ``account``, ``sequence``, ``quantity``,
        ``product_type``, ``invoice_method`` (of the order) and ``taxes`` (ids).
        """
        env = cls.env
        table, unit, links = Line.table, env["product.uom"].table, Line.fields["taxes"].table
        product, order = env["product.product"].table, env[Line.fields[Line._parent_field].target].table
        parent = table.c[Line._parent_field]
        method = order.c.invoice_method if "invoice_method" in order.c else sa.null()
        rows = []
        for batch in batches(env, order_ids):
            rows += env.execute(
                sa.select(table.c.id, parent.label("order"), table.c.product, table.c.unit,
                          unit.c.rounding, table.c.unit_price, table.c.account, table.c.sequence,
                          table.c.quantity, product.c.type, method)
                .select_from(table.join(unit, unit.c.id == table.c.unit)
                             .join(product, product.c.id == table.c.product)
                             .join(order, order.c.id == parent))
                .where(in_(parent, batch)).order_by(parent, *Line.sql_order())).all()
        taxes = collections.defaultdict(list)
        for batch in batches(env, order_ids):
            for origin, target in env.execute(
                    sa.select(links.c.origin, links.c.target).join(table, table.c.id == links.c.origin)
                    .where(in_(parent, batch)).order_by(links.c.origin, links.c.target)).all():
                taxes[origin].append(target)
        return [OrderLineRow(*row, taxes[row.id]) for row in rows]

    @classmethod
    def draft_invoices_of(cls, Line, lines, type):
        """``{order id: id of a draft invoice of the type holding lines of it}`` (the lowest id).

        ``lines``: ``(line id, order id)`` pairs.
        """
        InvoiceLine = cls.env["account.invoice.line"]
        origins = {f"{Line._name},{line_id}": order_id for line_id, order_id in lines}
        invoice_table, line_table = cls.table, InvoiceLine.table
        result = {}
        for batch in batches(cls.env, list(origins)):
            query = (sa.select(line_table.c.origin, invoice_table.c.id)
                     .join(invoice_table, invoice_table.c.id == line_table.c.invoice)
                     .where(in_(line_table.c.origin, batch), invoice_table.c.state == "draft",
                            invoice_table.c.type == type).order_by(invoice_table.c.id.desc()))
            for origin, invoice_id in cls.env.execute(query).all():
                result[origins[origin]] = invoice_id
        return result

    # -- documents -------------------------------------------------------------------------
    @classmethod
    def render_pdf(cls, invoices):
        """``{invoice id: the PDF}``: seller and buyer, dates, lines, taxes and totals of each (see ``pdf.render``)."""
        from .pdf import render
        invoices = records_of(cls, invoices)
        company = cls.env["company.company"].get()
        return {invoice.id: render(invoice, company) for invoice in invoices}

    @classmethod
    @expose("write", returns="mail.message")
    def send(cls, invoices):
        """Queue a ``mail.message`` to each invoice's party with its PDF attached; return the messages.

        Only posted invoices go out (paid ones too: a copy); a party without
        an e-mail address is refused, and then nothing is queued.  Each
        message gets a ``mail.send`` job, run once the transaction commits.
        """
        from modules.mail.tasks import send_later
        with cls.env.atomic():
            messages = cls._queue(records_of(cls, invoices))
            send_later(cls.env, messages)
            return messages

    @classmethod
    def _queue(cls, invoices):
        for invoice in invoices:
            if invoice.state in ("draft", "cancelled"):   # posted (or, with payments, paid) ones go out
                raise errors.WorkflowError(f"cannot send {invoice.rec_name}: it is {invoice.state}; post it first")
            if not invoice.party.email:
                raise errors.UserError(
                    f"cannot send {invoice.rec_name}: party {invoice.party.name} has no e-mail address; "
                    f"give {invoice.party.rec_name} an email")
        pdfs = cls.render_pdf(invoices)
        return cls.env["mail.message"].create_unchecked([{
            "to": invoice.party.email, "subject": f"{cls.title(invoice)} {invoice.number}",
            "body": (f"Dear {invoice.party.name},\n\nplease find attached {cls.title(invoice).lower()} "
                     f"{invoice.number} of {invoice.invoice_date.isoformat()}, "
                     f"total {invoice.total_amount}.\n"),
            "attachment": pdfs[invoice.id], "attachment_name": f"{invoice.number}.pdf",
            "origin": f"{cls._name},{invoice.id}"} for invoice in invoices])

    @staticmethod
    def title(invoice):
        """What the document is called: Invoice, Credit note, Supplier invoice or Supplier credit note."""
        kind = "Credit note" if invoice.is_credit_note else "Invoice"
        return kind if invoice.type == "out" else f"Supplier {kind.lower()}"


class InvoiceLine(OrderLine, Model):
    """A quantity of a product invoiced at a price, with its taxes and its account (nominal code).

    Lines made from an order carry the order line as ``origin``; a line
    added by hand defaults as an order line does (the product's unit, its
    list price on a customer invoice or cost price on a supplier invoice,
    and the product's taxes and account for the invoice's type).
    """

    _name = "account.invoice.line"
    _order = (("invoice", "ASC"), ("sequence", "ASC"), ("id", "ASC"))
    _parent_field = "invoice"

    invoice = fields.Many2One("account.invoice", "Invoice", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10)
    origin = fields.Reference("Origin", help="The order line invoiced (a sale.line or purchase.line).")
    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    unit_price = fields.Numeric("Unit price", digits=4, required=True)
    taxes = fields.Many2Many("account.tax", "Taxes", help="Default: the product's taxes for the invoice's type.")
    account = fields.Many2One("account.account", "Account", ondelete="restrict",
                              help="The nominal code; needed to post. Default: the product's revenue (out) or "
                                   "expense (in) account.")
    amount = fields.Function(fields.Numeric("Amount", digits=2), "get_amount")
    tax_amount = fields.Function(fields.Numeric("Tax amount", digits=2), "get_tax_amount")
    tax_amount_cache = fields.Numeric("Tax amount at posting", digits=2, readonly=True,
                                      help="Frozen when the invoice is posted; empty while draft.")

    _origin_models = {"out": "sale.line", "in": "purchase.line"}

    @classmethod
    def quantity_refused(cls, table):
        """Any quantity but zero: a line below zero credits (a credit note's, a returned line's)."""
        return table.c.quantity == 0

    @classmethod
    def _refuse(cls, line):
        if line.quantity == 0:
            raise errors.ValidationError(f"{line.rec_name} of {line.invoice.rec_name}: quantity must not be zero",
                                         {"quantity": ["Must not be zero."]}, line.rec_name)
        super()._refuse(line)

    @classmethod
    def validate(cls, lines):
        """An origin is an existing order line of the invoice's side: it counts as invoiced by this line.

        Set-based (invoicing checks ten thousand lines at once): the origins
        and invoice types in one query per batch, then the existence of the
        order lines in one query per batch of each order-line table.
        """
        super().validate(lines)
        env, table, invoice = cls.env, cls.table, cls.env["account.invoice"].table
        rows = []
        for batch in batches(env, [line.id for line in lines]):
            rows += env.execute(sa.select(table.c.id, table.c.origin, invoice.c.type)
                                .join(invoice, invoice.c.id == table.c.invoice)
                                .where(in_(table.c.id, batch), table.c.origin.is_not(None))).all()
        targets, wanted = {}, collections.defaultdict(set)
        for line_id, origin, type in rows:
            model, _, number = origin.partition(",")
            if model == cls._origin_models[type] and model in env and number.isdigit() and int(number) < 2 ** 63:
                targets[line_id] = (model, int(number))
                wanted[model].add(int(number))
        found = set()
        for model, ids in wanted.items():
            origin_table = env[model].table
            for batch in batches(env, sorted(ids)):
                found.update((model, i) for i in env.execute(
                    sa.select(origin_table.c.id).where(in_(origin_table.c.id, batch))).scalars())
        for line_id, origin, type in rows:
            if targets.get(line_id) not in found:
                expected, line = cls._origin_models[type], cls.browse([line_id])[0]
                raise errors.ValidationError(
                    f"{line.rec_name}: origin {origin!r} is not an existing {expected} (the order "
                    f"line a {type} invoice line invoices)",
                    {"origin": [f"Must be an existing {expected}."]}, line.rec_name)

    @classmethod
    def get_tax_amount(cls, lines, name):
        """The taxes of the line, frozen when its invoice was posted."""
        Tax = cls.env["account.tax"]
        return {line.id: line.tax_amount_cache if line.tax_amount_cache is not None
                else Tax.line_amount(line.taxes, line.amount, product_quantity(line)) for line in lines}

    @classmethod
    def default_prices(cls, products, units, parents, quantities=None):
        """The list price on a customer invoice, the cost price on a supplier one (in the line's unit)."""
        invoices = {i.id: i for i in cls.env["account.invoice"].browse(
            {getattr(p, "id", p) for p in parents if p is not None})}
        prices = []
        for product, unit, parent in zip(products, units, parents):
            invoice = invoices.get(getattr(parent, "id", parent))
            kind = invoice.type if invoice is not None else "out"
            price = product.list_price if kind == "out" else product.cost_price
            prices.append(cls._price_in_unit(price if price is not None else Decimal(0), product, unit))
        return prices

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        wanted = [v for v in vlist if ("taxes" not in v or v.get("account") is None)
                  and v.get("product") is not None and v.get("invoice") is not None]
        if not wanted:
            return vlist
        products = cls.env["product.product"].browse([getattr(v["product"], "id", v["product"]) for v in wanted])
        invoices = {i.id: i for i in cls.env["account.invoice"].browse(
            {getattr(v["invoice"], "id", v["invoice"]) for v in wanted})}
        completed = {}
        for values, product in zip(wanted, products):
            out = invoices[getattr(values["invoice"], "id", values["invoice"])].type == "out"
            line = dict(values)
            if "taxes" not in line:
                line["taxes"] = [t.id for t in (product.customer_taxes if out else product.supplier_taxes)]
            if line.get("account") is None:
                account = product.revenue_account if out else product.expense_account
                line["account"] = account.id if account is not None else None
            completed[id(values)] = line
        return [completed.get(id(values), values) for values in vlist]


class InvoiceTax(Model):
    """A tax of a posted invoice as it was at posting: its name, the amount it was charged on, and its amount.

    As Tryton's ``account.invoice.tax``: made by posting, one per tax of the
    invoice's lines, and never changed afterwards, whatever becomes of the
    tax.  ``base`` is the sum of the untaxed amounts of the lines it taxes;
    ``amount`` the sum of its amount on each line, rounded to the cent per
    line.
    """

    _name = "account.invoice.tax"
    _order = (("invoice", "ASC"), ("sequence", "ASC"), ("id", "ASC"))

    invoice = fields.Many2One("account.invoice", "Invoice", required=True, ondelete="cascade", readonly=True)
    sequence = fields.Integer("Sequence", readonly=True)
    tax = fields.Many2One("account.tax", "Tax", ondelete="restrict", readonly=True)
    description = fields.Char("Description", size=128, required=True, readonly=True,
                              help="The tax's name when the invoice was posted.")
    base = fields.Numeric("Base", digits=2, required=True, readonly=True)
    amount = fields.Numeric("Amount", digits=2, required=True, readonly=True)

    @classmethod
    def create(cls, vlist):
        """Refused: posting makes them."""
        raise errors.AccessError(f"{cls._name} records are made when their invoice is posted, not by hand")

    @classmethod
    def write(cls, records, values):
        """Refused: what was posted never changes."""
        raise errors.AccessError(f"{cls._name} records are the taxes of a posted invoice: they never change")

    @classmethod
    def delete(cls, records):
        """Refused: they go with their invoice (a posted one stays)."""
        raise errors.AccessError(f"{cls._name} records are the taxes of a posted invoice: they cannot be deleted")


class Product:
    """Invoiced products: their unit keeps its category while invoice lines count them."""

    _name = "product.product"

    @classmethod
    def check_unit_category_change(cls, products):
        super().check_unit_category_change(products)
        cls.env["account.invoice.line"].refuse_unit_category_change(products)
