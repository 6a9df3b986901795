from core import Model, errors, fields


class ProductSupplier(Model):
    """A supplier of a product: what it charges and how long it takes to deliver."""

    _name = "purchase.product_supplier"
    _order = (("sequence", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True, ondelete="cascade")
    party = fields.Many2One("party.party", "Supplier", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10, help="The first supplier is the preferred one.")
    lead_time = fields.Integer("Lead time (days)", required=True, default=0, min=0, max=3650)
    unit_price = fields.Numeric("Unit price", digits=4, help="In the product's default unit.")

    @classmethod
    def validate(cls, suppliers):
        super().validate(suppliers)
        for supplier in suppliers:
            if supplier.lead_time < 0:
                raise errors.ValidationError(
                    f"{supplier.rec_name}: lead_time cannot be negative",
                    {"lead_time": ["Cannot be negative."]}, supplier.rec_name)

    @classmethod
    def preferred(cls, products, parties):
        """For each (product, party) the supplier record to buy from, or None.

        The product's supplier that is that party if there is one, else its
        first supplier; one query for every pair.
        """
        suppliers = cls.search([("product", "in", list({p.id for p in products}))])
        by_product = {}
        for supplier in suppliers:
            by_product.setdefault(supplier.product.id, []).append(supplier)
        result = []
        for product, party in zip(products, parties):
            candidates = by_product.get(product.id, [])
            party_id = getattr(party, "id", party)
            result.append(next((s for s in candidates if s.party.id == party_id),
                               candidates[0] if candidates else None))
        return result


class Product:
    _name = "product.product"

    product_suppliers = fields.One2Many("purchase.product_supplier", "product", "Suppliers")

    @classmethod
    def check_unit_category_change(cls, products):
        """Purchase lines count products in units of their category: it stays while they do."""
        super().check_unit_category_change(products)
        cls.env["purchase.line"].refuse_unit_category_change(products)
