"""Payment terms: when an invoice's total falls due, in instalments.

As Tryton's ``account.invoice.payment_term``, reduced to what a small
business writes: each line is a fraction of the total due some days after
the invoice date, the last line taking what the others leave.
"""
import datetime
from decimal import Decimal

from core import Model, errors, fields

CENT = Decimal("0.01")


class PaymentTerm(Model):
    """How long a party has to pay: "30 days", "half now, half in 60 days"."""

    _name = "account.payment_term"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128, unique=True)
    lines = fields.One2Many("account.payment_term.line", "payment_term", "Lines",
                            help="The instalments, by sequence; the last takes the rest of the total.")

    @classmethod
    def validate(cls, terms):
        super().validate(terms)
        for term in terms:
            if not term.lines:
                raise errors.ValidationError(f"{term.rec_name}: a payment term needs at least one line",
                                             {"lines": ["At least one line."]}, term.rec_name)
            if sum(line.ratio for line in term.lines[:-1]) > 1:
                raise errors.ValidationError(
                    f"{term.rec_name}: the ratios of the lines before the last add up to more than 1",
                    {"lines": ["Ratios add up to more than the total."]}, term.rec_name)

    def instalments(self, amount, date):
        """``[(due date, amount)]`` of ``amount`` invoiced on ``date``: each line's share, the last the rest."""
        result, left = [], amount
        for position, line in enumerate(self.lines):
            share = left if position == len(self.lines) - 1 else (amount * line.ratio).quantize(CENT)
            left -= share
            result.append((date + datetime.timedelta(days=line.days), share))
        return result

    def due_date(self, date):
        """When the last instalment of an invoice dated ``date`` falls due."""
        return max(date + datetime.timedelta(days=line.days) for line in self.lines)


class PaymentTermLine(Model):
    """One instalment of a payment term: a fraction of the total, due some days after the invoice date."""

    _name = "account.payment_term.line"
    _order = (("payment_term", "ASC"), ("sequence", "ASC"), ("id", "ASC"))

    payment_term = fields.Many2One("account.payment_term", "Payment term", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10)
    ratio = fields.Numeric("Ratio", digits=4, required=True, default=Decimal(1), min=0, max=1,
                           help="The fraction of the total due (0.5 for half); the last line takes the rest.")
    days = fields.Integer("Days", required=True, default=0, min=0, max=3650,
                          help="Due this many days after the invoice date.")


class Party:
    """A party's payment terms, which its invoices take."""

    _name = "party.party"

    customer_payment_term = fields.Many2One("account.payment_term", "Customer payment term", ondelete="restrict",
                                            help="How long the party has to pay its invoices.")
    supplier_payment_term = fields.Many2One("account.payment_term", "Supplier payment term", ondelete="restrict",
                                            help="How long we have to pay the party's invoices.")
