"""Login hardening helpers used by settings (django-axes)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The address of whoever typed the password, for django-axes' per user-and-IP lockout.

    Behind the proxies of docs/deployment.md every request comes from nginx, so REMOTE_ADDR
    alone would lock a username out for everyone. Each trusted proxy appends the address it
    was called from to X-Forwarded-For: with N proxies in front of Django, the client is the
    N-th entry from the right. Entries further left are whatever the client sent, never
    trusted (it could rotate them to dodge the lockout)."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    remote = request.META.get("REMOTE_ADDR")
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return forwarded[0] if forwarded else remote
