"""Security headers Django's SecurityMiddleware does not send."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the pages use no microphone, location or payment API, and the
    camera only for the site itself (the scan box), so an injected frame cannot ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response
