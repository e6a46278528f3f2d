"""A small OpenID Connect provider for the tests, on 127.0.0.1 in a thread (no network).

It behaves like ProConnect where the client cares: discovery, JWKS (one RS256 key made
here), authorize (redirects back with a code and the state), token (an id_token signed with
the nonce it was asked for) and userinfo (a signed JWT, as ProConnect answers). The test
says which identity the next authorization stands for (`provider.identity = {...}`)."""

import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KID = "test-key"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass


class LocalOIDCProvider:
    def __init__(self, client_id: str = "filiere-test", client_secret: str = "s3cret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.identity: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[str] = []
        self.server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/api/v2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        """Django settings pointing the client at this provider, ProConnect switched on."""
        return {
            "PROCONNECT_ENABLED": True,
            "PROCONNECT_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "ROOT_URLCONF": "tests.accounts.proconnect_urlconf",
        }

    def _sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def app(self, environ, start_response):
        path = environ["PATH_INFO"].removeprefix("/api/v2")
        self.requests.append(path)
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/.well-known/openid-configuration":
            return self._json(
                start_response,
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token",
                    "userinfo_endpoint": f"{self.issuer}/userinfo",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "id_token_signing_alg_values_supported": ["RS256"],
                },
            )
        if path == "/jwks":
            jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
            jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
            return self._json(start_response, {"keys": [jwk]})
        if path == "/authorize":
            if query.get("client_id") != self.client_id or query.get("response_type") != "code":
                return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "nonce": query.get("nonce"),
                "redirect_uri": query["redirect_uri"],
                "identity": dict(self.identity),
                "scope": query.get("scope", ""),
                "acr_values": query.get("acr_values", ""),
            }
            target = (
                query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            )
            start_response("302 Found", [("Location", target)])
            return [b""]
        if path == "/token":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            grant = self.codes.pop(form.get("code", ""), None)
            if (
                grant is None
                or form.get("client_secret") != self.client_secret
                or form.get("redirect_uri") != grant["redirect_uri"]
            ):
                return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
            now = int(time.time())
            identity = grant["identity"]
            id_token = self._sign(
                {
                    "iss": self.issuer,
                    "aud": self.client_id,
                    "sub": identity.get("sub", "agent-1"),
                    "iat": now,
                    "exp": now + 60,
                    "nonce": grant["nonce"],
                    "acr": "eidas1",
                }
            )
            access_token = secrets.token_urlsafe(16)
            self.tokens[access_token] = identity
            return self._json(
                start_response,
                {"access_token": access_token, "token_type": "Bearer", "id_token": id_token},
            )
        if path == "/userinfo":
            token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            identity = self.tokens.get(token)
            if identity is None:
                return self._json(start_response, {"error": "invalid_token"}, "401 Unauthorized")
            claims = {"iss": self.issuer, "aud": self.client_id, **identity}
            start_response("200 OK", [("Content-Type", "application/jwt")])
            return [self._sign(claims).encode()]
        return self._json(start_response, {"error": "not_found"}, "404 Not Found")

    @staticmethod
    def _json(start_response, data, status="200 OK"):
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(data).encode()]
