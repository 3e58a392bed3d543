"""HTTP security headers on every response: a strict CSP (no inline script or style) and friends."""
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    _staff_pages_are_not_stored(response)
    return response


def _staff_pages_are_not_stored(response) -> None:
    """A signed-in page (figures, lists of people's campaigns, exports) is never kept by the
    browser or a proxy: on a shared computer, Back after logging out must not show it. Responses
    that say otherwise themselves (static files, chart images) keep their own rule."""
    from flask_login import current_user

    if "Cache-Control" not in response.headers and current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Pragma", "no-cache")


def refuse_oversized_requests():
    """413 before any view runs, also where a view never reads the body (Werkzeug only checks
    MAX_CONTENT_LENGTH when the form is read)."""
    from flask import abort, current_app, request

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)


def init_app(app):
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.before_request(refuse_oversized_requests)
    app.after_request(add_security_headers)
    if app.config.get("PRODUCTION"):
        @app.after_request
        def hsts(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
