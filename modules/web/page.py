"""The replenishment page: the report of ``stock.reorder.rule.needs()`` in a browser.

Server-rendered (Jinja2), usable without JavaScript: a warehouse picker, one
row per rule that needs ordering with its explanation, a button to order one
rule or every auto rule, and per row a ``<details>`` holding the projected
stock chart as inline SVG.  A browser signs in with its API key at
``/login`` and then holds a session (a signed, expiring, HTTP-only,
``SameSite=Lax`` cookie of a session id, never the key; see
:mod:`modules.web.security`); every form that changes something carries a
CSRF token and a POST from another origin is refused.  Programs send the
Bearer header instead (no cookie, no token).  The user needs the rights of
the calls behind it: read on ``stock.reorder.rule`` to see the report (its
rows' names are then read for the user), write to order.
"""
import secrets
import urllib.parse

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from . import chart, row_forms, security
from .problems import Problem, bearer, problem_of, read_body

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


def html(template, status=200, **values):
    """A page: ``template`` rendered with a fresh nonce for its inline style, under the page policy."""
    nonce = secrets.token_urlsafe(16)
    response = HTMLResponse(templates.get_template(template).render(nonce=nonce, **values), status_code=status)
    response.headers["content-security-policy"] = security.page_policy(nonce)
    return response


def _error_page(exc):
    problem = problem_of(exc)
    if problem.status == 401:
        response = RedirectResponse(f"/login?error={urllib.parse.quote(problem.detail)}", status_code=303)
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        return response
    return html("error.html", status=problem.status, problem=problem)


def routes(api, signer):
    """The page's routes, working on ``api`` (a :class:`modules.web.app.Api`); ``signer`` signs the cookies."""

    def credentials(request):
        """``{"key": …}`` (Bearer header) or ``{"session": …}`` (the signed cookie); 401 without either."""
        key = bearer(request)
        if key is not None:
            return {"key": key}
        session = signer.unsign(request.cookies.get(security.SESSION_COOKIE))
        if session is None:
            return {"key": None}   # refused by api.act: back to the sign-in form
        return {"session": session}

    def act(request, work, write):
        who = credentials(request)
        return api.act(who.get("key"), work, write, session=who.get("session"))

    def check_form(request, form):
        """A form posted by a browser comes from this site and, with a session, carries its CSRF token."""
        if not security.same_origin(request):
            raise Problem(403, "Cross-site request refused", "this form was posted from another site")
        session = credentials(request).get("session")
        if session is not None and not signer.check_csrf(session, form.get(security.CSRF_FIELD)):
            raise Problem(403, "Missing CSRF token", "the form's CSRF token is missing or wrong: reload the page "
                          "and try again")

    def report(env, warehouse, ordered, csrf):
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
            return html("replenishment.html", rows=rows, warehouses=warehouses, warehouse=warehouse, ordered=lines,
                        can_order=can_order, csrf=csrf)

    def show(request):
        warehouse = _id(request.query_params.get("warehouse"), "warehouse")
        ordered = _ids(request.query_params.get("ordered"))
        session = credentials(request).get("session")
        csrf = signer.csrf(session) if session else ""
        return act(request, lambda env: report(env, warehouse, ordered, csrf), write=False)

    def order(request, body):
        form = _form(body)
        check_form(request, form)
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
        lines = act(request, work, write=True)
        query = urllib.parse.urlencode({k: v for k, v in (("warehouse", warehouse or ""),
                                                          ("ordered", ",".join(map(str, lines)))) if v})
        return RedirectResponse(f"/replenishment?{query}", status_code=303)

    def login(request, body):
        """A login and password, or an API key, sign the browser in: a new session, its signed id in the
        cookie (neither the password nor the key is kept)."""
        form = _form(body)
        if not security.same_origin(request) or not signer.check_csrf(
                signer.unsign(request.cookies.get(security.LOGIN_COOKIE), "login"), form.get(security.CSRF_FIELD),
                "login"):
            raise Problem(403, "Missing CSRF token", "the sign-in form is stale or was posted from another site: "
                          "open /login again")
        if (form.get("login") or "").strip():
            session = api.sign_in(form["login"].strip(), form.get("password") or "", security.SESSION_LIFETIME)
            return signed_in(request, session)
        key = (form.get("key") or "").strip()

        def start(env):   # the key's user (a wrong key: 401, back to the form) gets a session
            login = env.user
            with env.with_user(None):   # recorded by the system, for the user the key names
                user, = env["res.user"].search([("login", "=", login)])
                return env["ir.session"].start(user, security.SESSION_LIFETIME)
        return signed_in(request, api.act(key or None, start, write=True))

    def signed_in(request, session):
        response = RedirectResponse("/replenishment", status_code=303)
        security.set_cookie(response, request, security.SESSION_COOKIE, signer.sign(session),
                            security.SESSION_LIFETIME)
        response.delete_cookie(security.LOGIN_COOKIE, path="/login")
        return response

    def logout(request, body):
        form = _form(body)
        check_form(request, form)
        session = credentials(request).get("session")
        if session is not None:
            api.act(None, lambda env: env["ir.session"].end(session), write=True, session=session)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        return response

    async def page(request):
        try:
            if request.method == "GET":
                return await run_in_threadpool(show, request)
            body = await read_body(request, MAX_FORM)
            if body is None:
                raise Problem(413, "Request too large", "the form is too large")
            path = request.url.path
            handler = order if path.endswith("/order") else logout if path.endswith("/logout") else login
            return await run_in_threadpool(handler, request, body)
        except Exception as exc:   # a page shows errors as pages
            return _error_page(exc)

    async def login_form(request):
        """The sign-in form, with a CSRF token bound to a cookie of its own (there is no session yet)."""
        error = request.query_params.get("error", "")[:300]
        value = signer.unsign(request.cookies.get(security.LOGIN_COOKIE), "login") or secrets.token_urlsafe(16)
        response = html("login.html", error=error, csrf=signer.csrf(value, "login"))
        security.set_cookie(response, request, security.LOGIN_COOKIE, signer.sign(value, "login"),
                            security.LOGIN_LIFETIME, path="/login")
        return response

    async def chart_svg(request):
        rule = request.path_params["rule"]

        def draw():
            def work(env):
                projection, = env["stock.reorder.rule"].projection(api.existing(env, "stock.reorder.rule", [rule], "read"))
                with env.with_user(None):
                    projection["title"] = f"{projection['product'].name} in {projection['warehouse'].name}"
                return chart.svg(projection)
            return act(request, work, write=False)
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
            Route("/logout", page, methods=["POST"])]

