from decimal import Decimal

from core import errors, fields, hookimpl

MODES = [("warn", "Warn"), ("block", "Block")]
CONTROL_MODES = [("default", "Default"), ("off", "Off"), ("warn", "Warn"), ("block", "Block")]
CONTROLS = ("quantity", "threshold_price", "margin")


class Configuration:
    _name = "sale.configuration"

    control_mode = fields.Selection(MODES, "Control mode", required=True, default="warn",
                                    help="What a breached control does: warn (save and report) or block (refuse); "
                                         "a transaction's context control_mode overrides it.")
    quantity_control = fields.Selection(CONTROL_MODES, "Quantity control", required=True, default="default",
                                        help="Minimum and maximum quantities; default: the control mode.")
    threshold_price_control = fields.Selection(CONTROL_MODES, "Threshold price control", required=True,
                                               default="default", help="Default: the control mode.")
    margin_control = fields.Selection(CONTROL_MODES, "Margin control", required=True, default="default",
                                      help="Default: the control mode.")

    @classmethod
    def modes(cls):
        """``{control: "off" | "warn" | "block"}`` in force in this transaction."""
        config = cls.get()
        default = cls.env.context.get("control_mode", config.control_mode)
        if default not in ("warn", "block"):
            raise errors.UserError(f"unknown control mode {default!r} in the context: use 'warn' or 'block'")
        result = {}
        for control in CONTROLS:
            own = getattr(config, f"{control}_control")
            result[control] = default if own == "default" else own
        return result


class Product:
    _name = "product.product"

    sale_min_quantity = fields.Float("Minimum sale quantity", help="In the product's unit.")
    sale_max_quantity = fields.Float("Maximum sale quantity", help="In the product's unit.")
    threshold_price = fields.Numeric("Threshold price", digits=4,
                                     help="The lowest net unit price it may be sold at, per unit of the product.")
    min_margin = fields.Numeric("Minimum margin (%)", digits=2,
                                help="(net price - cost price) / net price x 100 must not be below it.")

    @classmethod
    def validate(cls, products):
        super().validate(products)
        for product in products:
            low, high = product.sale_min_quantity, product.sale_max_quantity
            problems = {}
            for name in ("sale_min_quantity", "sale_max_quantity", "threshold_price"):
                if (getattr(product, name) or 0) < 0:
                    problems[name] = ["Cannot be negative."]
            if low is not None and high is not None and high < low:
                problems["sale_max_quantity"] = ["Must not be below the minimum."]
            if product.min_margin is not None and not -100 <= product.min_margin < 100:
                problems["min_margin"] = ["Must be a percentage below 100."]
            if problems:
                detail = "; ".join(f"{n}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid {product.rec_name}: {detail}", problems, product.rec_name)


class SaleLine:
    _name = "sale.line"

    warnings = fields.Text("Warnings", readonly=True, help="The controls this line breaches, in warn mode.")

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        # goods coming back (a return line, below zero) are no sale to control
        cls.control([line for line in lines if line.sale.state == "draft" and line.quantity > 0])

    @classmethod
    def control(cls, lines):
        """Check ``lines`` against their products' limits: warn, or refuse every breach at once."""
        if not lines:
            return
        env = cls.env
        modes = env["sale.configuration"].modes()
        blocking, rows = {}, []
        for line in lines:
            notes = []
            for control, message in _breaches(env, line):
                if control == "margin_unknown":   # said, never blocked: an unknown cost is no breach
                    mode = "off" if modes["margin"] == "off" else "warn"
                else:
                    mode = modes[control]
                if mode == "off":
                    continue
                if mode == "block":
                    blocking.setdefault(control, []).append(f"{line.rec_name} ({line.product.name}): {message}")
                else:
                    env.warn(f"sale_control.{control}", f"{line.rec_name} ({line.product.name}): {message}", line)
                    notes.append(message)
            text = "\n".join(notes) or None
            if text != line.warnings:
                rows.append({"id": line.id, "warnings": text})
        if blocking:
            every = [message for messages in blocking.values() for message in messages]
            raise errors.ValidationError(f"sale controls refuse {len(every)} breach(es): " + "; ".join(every),
                                         blocking)
        if rows:
            cls.write_rows(rows)


def _breaches(env, line):
    """``(control, message)`` of each limit ``line`` breaches (and the margin it cannot check)."""
    product = line.product
    Uom = env["product.uom"]
    ratio = Uom.compute_quantity(line.unit, 1, product.default_uom, round=False) \
        if line.unit.category.id == product.default_uom.category.id else 1.0
    quantity = line.quantity * ratio
    if product.sale_min_quantity is not None and quantity < product.sale_min_quantity - 1e-9:
        yield "quantity", f"quantity {quantity:g} is below the minimum {product.sale_min_quantity:g}"
    if product.sale_max_quantity is not None and quantity > product.sale_max_quantity + 1e-9:
        yield "quantity", f"quantity {quantity:g} is above the maximum {product.sale_max_quantity:g}"
    if getattr(line, "free_of", None) is not None:
        return   # free lines are given, not sold: no price to control
    net = (line.unit_price / Decimal(repr(ratio))).quantize(Decimal("0.0001"))
    if product.threshold_price is not None and net < product.threshold_price:
        yield "threshold_price", f"net price {net:.2f} is below the threshold price {product.threshold_price:.2f}"
    if product.min_margin is not None:
        if product.cost_price is None:
            yield "margin_unknown", "margin not checked: the product has no cost price"
        else:
            # at a price of zero or less nothing is earned, whatever the formula says of a negative price
            margin = ((net - product.cost_price) / net * 100) if net > 0 else Decimal("-Infinity")
            if margin < product.min_margin:
                shown = f"{margin:.1f} %" if net > 0 else f"undefined (net price {net:.2f})"
                yield "margin", f"margin {shown} is below the minimum {_plain(product.min_margin)} %"


@hookimpl(trylast=True)
def sale_quote(env, sales):
    """Every line of the quoted sales, those quoting made included, is checked again."""
    env["sale.line"].control(env["sale.line"].search([("sale", "in", [s.id for s in sales])]))


def _plain(number):
    """A Decimal without its trailing zeros: 15, 12.5."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
