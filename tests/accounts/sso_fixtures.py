"""A real OpenID Connect provider for the single sign-on tests: oidc-provider-mock (built on Authlib) run as its own
process on 127.0.0.1, with client registration required so the client secret is really checked.

`oidc_provider` starts it once per test process; `sso` registers a client for a test and configures CivicPact
to use it (settings.CIVICPACT_OIDC, with discovery).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from civicpact.accounts.sso import forget_discovery
from tests.conftest import service_required

ROLE_MAP = {
    "ppp-unit": {"role": "procurement_officer", "organisation": "Procurement and PPP Unit"},
    "lighting-leads": [
        {"role": "department_lead", "organisation": "Energy and Street Lighting"},
        {"role": "contract_manager", "organisation": "Energy and Street Lighting"},
    ],
    "auditors": {"role": "auditor", "organisation": "Office of the City Auditor"},
    "ghost-unit": {"role": "auditor", "organisation": "Department of Missing Things"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Provider:
    issuer: str
    http: requests.Session

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        response = self.http.post(
            f"{self.issuer}/oauth2/clients",
            json={"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_basic"},
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        return body["client_id"], body["client_secret"]

    def set_user(self, sub: str, **claims: Any) -> None:
        self.http.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()

    def approve(self, authorize_url: str, sub: str) -> str:
        """The person signs in at the provider as `sub`; returns where the provider sends the browser back."""
        assert authorize_url.startswith(f"{self.issuer}/oauth2/authorize?"), authorize_url
        response = self.http.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])

    def deny(self, authorize_url: str) -> str:
        response = self.http.post(authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return str(response.headers["Location"])


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter running the test provider
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port), "-r", "true"],
            stdout=log,
            stderr=log,
        )
        http = requests.Session()
        http.trust_env = False  # loopback only, never through a proxy
        try:
            for _attempt in range(200):
                try:
                    if http.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None:
                    break
                time.sleep(0.1)
            else:
                process.poll()
            if process.returncode is not None or not http.get(f"{issuer}/jwks", timeout=2).ok:
                log.seek(0)
                service_required(f"oidc-provider-mock on {issuer} ({log.read().decode(errors='replace')[-500:]})")
            yield Provider(issuer=issuer, http=http)
        finally:
            process.terminate()
            process.wait(timeout=10)


def sso_settings(provider: Provider, client_id: str, client_secret: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Port Aurelia SSO",
        "issuer": provider.issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "scopes": "openid email profile",
        "sign_algo": "RS256",
        "use_pkce": True,
        "token_auth": "client_secret_basic",
        "allowed_email_domains": ["portaurelia.example"],
        "groups_claim": "groups",
        "role_map": json.dumps(ROLE_MAP),
        "trust_mfa": True,
        "mfa_amr": ["mfa", "otp"],
        "timeout": 10,
        **overrides,
    }


@pytest.fixture
def sso(settings: Any, oidc_provider: Provider) -> Iterator[Provider]:
    """Single sign-on configured against the test provider for Django's test client (http://testserver)."""
    client_id, client_secret = oidc_provider.register_client("http://testserver/accounts/sso/callback/")
    settings.CIVICPACT_OIDC = sso_settings(oidc_provider, client_id, client_secret)
    forget_discovery()
    yield oidc_provider
    forget_discovery()


def callback_path(location: str) -> str:
    """The provider's redirect back to CivicPact, as a path for Django's test client."""
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
