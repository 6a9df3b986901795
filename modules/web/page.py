"""The replenishment page: the report of ``stock.reorder.rule.needs()`` in a browser.

Server-rendered (Jinja2), usable without JavaScript: a warehouse picker, one
row per rule that needs ordering with its explanation, a button to order one
rule or every auto rule, and per row a ``<details>`` holding the projected
stock chart as inline SVG.  A browser signs in with its API key at
``/login`` (kept in an HTTP-only, same-site cookie, so other sites cannot
post the forms); programs send the Bearer header.  The user needs the rights
of the calls behind it: read on ``stock.reorder.rule`` to see the report
(its rows' names are then read for the user), write to order.
"""
import urllib.parse

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from . import chart, row_forms
from .problems import COOKIE, Problem, bearer, problem_of

templates = jinja2.Environment(loader=jinja2.PackageLoader("modules.web", "templates"), autoescape=True)
templates.globals["today"] = row_forms.today
MAX_FORM = 64 * 1024


def _form(body):
    if len(body) > MAX_FORM:
        raise Problem(413, "Request too large", "the form is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "Malformed form", "the form is not UTF-8") from None
    return {k: v[-1] for k, v in urllib.parse.parse_qs(text).items()}


def _id(value, what):
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2 ** 31:
        raise Problem(400, "Malformed request", f"{what} must be an id, not {value!r:.40}")
    return int(value)


def _ids(value):
    return [i for i in (_id(v, "ordered") for v in (value or "").split(",")[:200]) if i]


def _key(request):
    return bearer(request, cookie=True)


def _error_page(exc):
    problem = problem_of(exc)
    if problem.status == 401:
        return RedirectResponse(f"/login?error={urllib.parse.quote(problem.detail)}", status_code=303)
    html = templates.get_template("error.html").render(problem=problem)
    return HTMLResponse(html, status_code=problem.status)


def routes(api):
    """The page's routes, working on ``api`` (a :class:`modules.web.app.Api`)."""

    def report(env, warehouse, ordered):
        can_order = env.has_access("stock.reorder.rule", "write")
        any_purchase = env.has_access("purchase.line", "read")
        Rule = env["stock.reorder.rule"]
        rows = Rule.needs(warehouse=warehouse)    # checks the user's read right on the rules
        projections = {p["rule"].id: p for p in Rule.projection([r["rule"] for r in rows])} if rows else {}
        with env.with_user(None):   # the report's rows and its pickers, read for the user who may see it
            Location = env["stock.location"]
            warehouses = Location.search([("type", "=", "warehouse")])
            if warehouse is not None and warehouse not in [w.id for w in warehouses]:
                raise Problem(404, "No such warehouse", f"no warehouse with id {warehouse}")
            for row in rows:
                projection = projections[row["rule"].id]
                projection["title"] = f"{row['product'].name} in {row['warehouse'].name}"
                row["chart"] = chart.svg(projection)
                row["points"] = projection["points"]
            row_forms.vendor_choices(env, rows)
            lines = env["purchase.line"].search([("id", "in", ordered)]) if ordered else []
            if not any_purchase:   # ?ordered= takes any ids: without the right, only what rules ordered
                lines = [line for line in lines if getattr(line.origin, "_name", None) == "stock.reorder.rule"]
            return templates.get_template("replenishment.html").render(
                rows=rows, warehouses=warehouses, warehouse=warehouse, ordered=lines, can_order=can_order)

    def show(request):
        warehouse = _id(request.query_params.get("warehouse"), "warehouse")
        ordered = _ids(request.query_params.get("ordered"))

        return HTMLResponse(api.act(_key(request), lambda env: report(env, warehouse, ordered), write=False))

    def order(request, body):
        form = _form(body)
        warehouse = _id(form.get("warehouse"), "warehouse")
        rule = _id(form.get("rule"), "rule")
        if rule is None and form.get("all") != "1":
            raise Problem(400, "Malformed request", "give a rule to order, or all=1")
        snooze, quantity = row_forms.snooze(form), row_forms.quantity(form)
        vendor = _id(form.get("vendor"), "vendor")

        def work(env):
            Rule = env["stock.reorder.rule"]
            if rule is not None:
                rules = api.existing(env, "stock.reorder.rule", [rule], "write")
                if snooze is not None:   # a snooze button of the row
                    Rule.snooze(rules, snooze)
                    return []
                ordered = Rule.order(rules, quantities={rule: quantity} if quantity is not None else None,
                                     vendor=row_forms.vendor(env, rule, vendor))
            else:
                ordered = Rule.run_scheduler(warehouse=warehouse)
            return [r.id for r in ordered if r._name == "purchase.line"]
        lines = api.act(_key(request), work, write=True)
        query = urllib.parse.urlencode({k: v for k, v in (("warehouse", warehouse or ""),
                                                          ("ordered", ",".join(map(str, lines)))) if v})
        return RedirectResponse(f"/replenishment?{query}", status_code=303)

    def login(request, body):
        form = _form(body)
        key = (form.get("key") or "").strip()

        api.act(key or None, lambda env: None, write=False)   # refuses a wrong key (401: back to the form)
        response = RedirectResponse("/replenishment", status_code=303)
        response.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/")
        return response

    async def page(request):
        try:
            if request.method == "GET":
                return await run_in_threadpool(show, request)
            body = await request.body()
            handler = order if request.url.path.endswith("/order") else login
            return await run_in_threadpool(handler, request, body)
        except Exception as exc:   # a page shows errors as pages
            return _error_page(exc)

    async def login_form(request):
        error = request.query_params.get("error", "")[:300]
        return HTMLResponse(templates.get_template("login.html").render(error=error))

    async def logout(request):
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def chart_svg(request):
        rule = request.path_params["rule"]

        def draw():
            def work(env):
                projection, = env["stock.reorder.rule"].projection(api.existing(env, "stock.reorder.rule", [rule], "read"))
                with env.with_user(None):
                    projection["title"] = f"{projection['product'].name} in {projection['warehouse'].name}"
                return chart.svg(projection)
            return api.act(_key(request), work, write=False)
        try:
            if not 0 < rule < 2 ** 31:
                raise Problem(404, "No such record", f"no stock.reorder.rule with id {rule}")
            return Response(await run_in_threadpool(draw), media_type="image/svg+xml")
        except Exception as exc:
            return _error_page(exc)

    return [Route("/replenishment", page, methods=["GET"]),
            Route("/replenishment/order", page, methods=["POST"]),
            Route("/replenishment/chart/{rule:int}.svg", chart_svg, methods=["GET"]),
            Route("/login", login_form, methods=["GET"]),
            Route("/login", page, methods=["POST"]),
            Route("/logout", logout, methods=["POST"])]

