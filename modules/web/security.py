"""What keeps the pages' browsers safe: signed session cookies, CSRF tokens, Origin checks, security headers.

A browser signs in at ``/login`` with its API key and gets a session
(``ir.session`` of module res): its cookie holds the session id — never the
key — signed with the server's secret (HMAC-SHA256), ``HttpOnly``,
``SameSite=Lax``, expiring with the session, and ``Secure`` when the page is
served over HTTPS (directly, or behind a proxy on 127.0.0.1 saying so with
``X-Forwarded-Proto``).  Every form that changes something carries a CSRF
token derived from the session (the sign-in form: from a cookie of its
own), and a POST whose ``Origin`` is another site is refused.  Every
response forbids framing and sniffing; pages get a content security policy
allowing their own inline style only (by nonce).

The secret comes from ``KITWORK_SECRET_KEY``; without it ``kitwork serve``
makes one when it starts, shared by its workers (signed-in browsers then
sign in again after a restart).
"""
import base64
import datetime
import hashlib
import hmac
import os
import secrets
import urllib.parse

SECRET_VARIABLE = "KITWORK_SECRET_KEY"
SESSION_COOKIE = "kitwork_session"
LOGIN_COOKIE = "kitwork_login"          # the sign-in form's own CSRF secret
SESSION_LIFETIME = datetime.timedelta(hours=8)
LOGIN_LIFETIME = datetime.timedelta(hours=1)
CSRF_FIELD = "csrf_token"


def secret_from_environment():
    """The signing secret: ``KITWORK_SECRET_KEY`` (text), else None."""
    value = os.environ.get(SECRET_VARIABLE)
    return value.encode("utf-8") if value else None


def new_secret():
    return secrets.token_urlsafe(32)


class Signer:
    """Signs and checks cookie values and derives CSRF tokens with one secret."""

    def __init__(self, secret):
        self.key = secret if isinstance(secret, bytes) else secret.encode("utf-8")

    def _mac(self, purpose, value):
        digest = hmac.new(self.key, f"{purpose}:{value}".encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def sign(self, value, purpose="cookie"):
        return f"{value}.{self._mac(purpose, value)}"

    def unsign(self, signed, purpose="cookie"):
        """The value of a signed ``signed``, or None when it is missing or tampered with."""
        if not isinstance(signed, str) or "." not in signed or len(signed) > 512:
            return None
        value, _, mac = signed.rpartition(".")
        return value if value and hmac.compare_digest(mac, self._mac(purpose, value)) else None

    def csrf(self, value, purpose="csrf"):
        """The CSRF token of the session (or sign-in form) ``value``."""
        return self._mac(purpose, value)

    def check_csrf(self, value, token, purpose="csrf"):
        return isinstance(token, str) and value is not None and hmac.compare_digest(token, self.csrf(value, purpose))


def same_origin(request):
    """False when the request says it comes from another site (``Origin`` or ``Sec-Fetch-Site``)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    parsed = urllib.parse.urlsplit(origin)
    return parsed.netloc.lower() == (request.headers.get("host") or "").lower()


def set_cookie(response, request, name, value, lifetime, path="/"):
    response.set_cookie(name, value, max_age=int(lifetime.total_seconds()), path=path, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def page_policy(nonce):
    """The content security policy of a page whose one inline style carries ``nonce``."""
    return (f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; form-action 'self'; "
            f"frame-ancestors 'none'; base-uri 'none'")


DEFAULT_HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                   (b"referrer-policy", b"same-origin"),
                   (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")]


class SecurityHeaders:
    """ASGI middleware: every response forbids framing and sniffing and gets a strict policy unless it has one."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in DEFAULT_HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)
        await self.app(scope, receive, sending)
