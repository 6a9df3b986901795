"""Fixtures of the sale_automation tests: a database and a small shop in it."""
from decimal import Decimal

import pytest


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale_automation")


class Shop:
    """Two warehouses (WH, WH2), a customer, lamps (goods, 100.00), a gift (goods), a service, statuses."""

    def __init__(self, env):
        self.env = env
        Location = env["stock.location"]
        self.wh = Location.warehouse()
        self.wh2, = Location.create([{"name": "Second", "code": "WH2", "type": "warehouse"}])
        self.unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        self.customer, self.other = env["party.party"].create([{"name": "Ann"}, {"name": "Bob"}])
        Product = env["product.product"]
        self.lamp, self.gift, self.setup = Product.create([
            {"name": "Lamp", "code": "LAMP", "default_uom": self.unit, "list_price": Decimal("100")},
            {"name": "Gift", "code": "GIFT", "default_uom": self.unit, "list_price": Decimal("5")},
            {"name": "Set-up", "code": "SETUP", "type": "service", "default_uom": self.unit,
             "list_price": Decimal("30")}])
        self.vip, self.repeat = env["party.tag"].create([{"name": "VIP"}, {"name": "repeat"}])
        self.new, self.review, self.ready = env["sale.status"].create(
            [{"name": "New"}, {"name": "Review"}, {"name": "Ready"}])
        self.express, = env["sale.shipping_method"].create([{"name": "Express"}])

    def rule(self, actions, conditions=(), events=(), **values):
        rule, = self.env["sale.automation.rule"].create([{
            "name": values.pop("name", "rule"), "conditions": list(conditions), "events": list(events),
            "actions": actions, **values}])
        return rule

    def sale(self, quantity=2, state="confirmed", product=None, party=None, warehouse=None, **values):
        Sale = self.env["sale.sale"]
        sale, = Sale.create([{"party": (party or self.customer).id, "warehouse": (warehouse or self.wh).id,
                              "lines": [{"product": (product or self.lamp).id, "quantity": quantity}], **values}])
        for step, reached in (("quote", "quotation"), ("confirm", "confirmed"), ("process", "processing")):
            if sale.state == state:
                break
            getattr(Sale, step)([sale])
        return sale

    def stock(self, product, quantity, warehouse=None):
        Move, Location = self.env["stock.move"], self.env["stock.location"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity,
                              "to_location": (warehouse or self.wh).storage_location.id,
                              "from_location": Location.by_type("supplier").id}]))

    def logs(self, sale=None):
        domain = [("sale", "=", sale.id)] if sale else []
        return [(log.outcome, log.detail) for log in
                self.env["sale.automation.log"].search(domain, order=[("id", "ASC")])]

    def watched(self):
        return [(w.rule.name, w.sale.id) for w in self.env["sale.automation.watch"].search([])]


@pytest.fixture
def shop():
    return Shop
