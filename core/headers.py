"""Security headers Django's SecurityMiddleware does not send."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Permissions-Policy: the pages use no camera, microphone, location or payment API, so
    an injected script or a framed page cannot ask for them either."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response
