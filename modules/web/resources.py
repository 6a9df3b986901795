"""Routes beyond a model's records and methods: an invoice's PDF, and a product's stock for a web shop.

- ``GET /api/account.invoice/{id}/pdf`` (module account_invoice): the
  invoice as ``application/pdf``, as ``Invoice.render_pdf`` draws it; needs
  the read right on invoices.
- ``GET /api/product.product/{id}/quantities?warehouse=ID&date=YYYY-MM-DD``
  (module stock): ``{"on_hand", "forecast", "by_warehouse"}`` — on hand
  (done moves up to the date, default today) and forecast (with the moves
  planned up to then) in the warehouse, or in every warehouse together
  without one, and both for each warehouse by id.  A kit has the whole kits
  its components make.  Needs the read right on products and locations.
"""
import datetime

from starlette.responses import Response
from starlette.routing import Route

from . import problems
from .problems import Problem


def routes(api, run):
    """The routes of the active modules' resources, for ``create_app``."""
    active = set(api.database.active_modules)
    result = []
    if "account_invoice" in active:
        result.append(Route("/api/account.invoice/{id}/pdf", _invoice_pdf(api, run), methods=["GET"]))
    if "stock" in active:
        result.append(Route("/api/product.product/{id}/quantities", _quantities(api, run), methods=["GET"]))
    return result


def _invoice_pdf(api, run):
    def pdf(key, id_):
        problems.check_id("account.invoice", id_)

        def work(env):
            Invoice = env["account.invoice"]
            found = api.existing(env, "account.invoice", [id_], "read")
            return Invoice.render_pdf(found)[id_]
        return PDF(api.act(key, work, write=False), f"invoice-{id_}.pdf")

    async def endpoint(request):
        return await run(lambda: pdf(problems.bearer(request), problems.path_id(request.path_params["id"])))
    return endpoint


class PDF(Response):
    media_type = "application/pdf"

    def __init__(self, content, filename):
        super().__init__(content, headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _quantities(api, run):
    def quantities(key, id_, query):
        problems.check_id("product.product", id_)
        unknown = sorted(set(query) - {"warehouse", "date"})
        if unknown:
            raise Problem(400, "Invalid query", f"unknown query parameter(s) {', '.join(unknown)}; use warehouse, date")
        warehouse = query.get("warehouse")
        if warehouse is not None:
            warehouse = problems.path_id(warehouse)
            if not warehouse:
                raise Problem(400, "Invalid query", "warehouse must be the id of a warehouse (a stock.location)")
        try:
            date = datetime.date.fromisoformat(query["date"]) if "date" in query else None
        except ValueError:
            raise Problem(400, "Invalid query", f"date must be a date as YYYY-MM-DD, not {query['date']!r:.40}") from None

        def work(env):
            env.check_access("stock.location", "read")
            api.existing(env, "product.product", [id_], "read")
            Location = env["stock.location"]
            sites = {}
            for forecast in (False, True):
                by_site = Location.quantities_by_warehouse([id_], date=date, forecast=forecast)[id_]
                for site, quantity in by_site.items():
                    sites.setdefault(site, {})["forecast" if forecast else "on_hand"] = quantity
            if warehouse is not None and warehouse not in sites:
                raise Problem(404, "No such warehouse", f"no warehouse (stock.location of type warehouse) with "
                              f"id {warehouse}")
            chosen = [sites[warehouse]] if warehouse is not None else list(sites.values())
            return {"on_hand": sum(s["on_hand"] for s in chosen), "forecast": sum(s["forecast"] for s in chosen),
                    "by_warehouse": {str(site): values for site, values in sites.items()}}
        return api.act(key, work, write=False)

    async def endpoint(request):
        return await run(lambda: quantities(problems.bearer(request), problems.path_id(request.path_params["id"]),
                                            request.query_params))
    return endpoint
