"""``GET /api/docs``: the interactive reference of the API (Swagger UI), served from a pip-installed package.

The assets come from the ``swagger-ui-py`` package of the ``web`` extra, so
the page works without reaching the internet (no CDN).  ``/`` and ``/api``
lead to it.  The page loads its script from this server (``/api/docs/init.js``),
so its content security policy allows scripts of its own origin only.
"""
import os

from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

try:
    import swagger_ui
except ImportError:   # the web extra without its reference page: /api/docs says what to install
    swagger_ui = None

from . import problems
from .problems import Problem

POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; frame-ancestors 'none'")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kitwork API reference</title><link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script><script src="/api/docs/init.js"></script></body></html>
"""
INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                               persistAuthorization: false});
});
"""


def assets():
    """The folder of Swagger UI's files in the installed package, or None."""
    if swagger_ui is None:
        return None
    folder = os.path.join(os.path.dirname(swagger_ui.__file__), "static")
    return folder if os.path.isfile(os.path.join(folder, "swagger-ui-bundle.js")) else None


def routes():
    folder = assets()

    async def page(request):
        if folder is None:
            return problems.response(Problem(404, "Not installed", "the API reference needs the swagger-ui-py "
                                             "package of the web extra: pip install 'kitwork[web]'"))
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": POLICY})

    async def init(request):
        return Response(INIT, media_type="text/javascript")

    async def home(request):
        return RedirectResponse("/api/docs", status_code=307)

    result = [Route("/", home, methods=["GET"]), Route("/api", home, methods=["GET"]),
              Route("/api/docs", page, methods=["GET"]), Route("/api/docs/init.js", init, methods=["GET"])]
    if folder is not None:
        result.append(Mount("/api/docs/assets", StaticFiles(directory=folder), name="docs-assets"))
    return result
