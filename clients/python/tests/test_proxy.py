"""Proxies from the environment: API calls and signed URLs go through HTTP_PROXY (with its credentials),
https:// through a CONNECT tunnel with the certificate still checked, NO_PROXY hosts go direct."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from typing import List, Mapping
from unittest import mock

import mreg
from tests.support import URL, RegistryTestCase, harness, sha256_file, write_random

PROXY_URL = harness("MREG_TEST_PROXY_URL")
PROXY_LOG_URL = harness("MREG_TEST_PROXY_LOG_URL")
TLS_URL = harness("MREG_TEST_TLS_URL")
TLS_CA = harness("MREG_TEST_TLS_CA")


def proxy_log() -> List[str]:
    """What the proxy has been asked to carry so far (read directly, not through it)."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(PROXY_LOG_URL, timeout=10) as answer:
        log: List[str] = json.loads(answer.read())
        return log


class ProxyTest(RegistryTestCase):
    def client(self, url: str, variables: Mapping[str, str], *, retries: int = 5) -> mreg.Registry:
        """A client made while ``variables`` are the environment's proxy settings (they are read then)."""
        with mock.patch.dict(os.environ, {"NO_PROXY": "", **variables}):
            registry = mreg.Registry(url, cache_dir=self.tmp / "cache", retries=retries)
        self.addCleanup(registry.close)
        return registry

    def test_api_calls_and_signed_urls_go_through_http_proxy_with_its_credentials(self) -> None:
        registry = self.client(URL, {"HTTP_PROXY": PROXY_URL})
        model = self.name()
        sha256 = write_random(self.tmp / "model.bin", 1000)
        before = len(proxy_log())
        registry.create_model(model)
        registry.push(model, self.tmp / "model.bin")
        registry.pull(model, "latest", self.tmp / "out")
        carried = proxy_log()[before:]
        origin = URL.rstrip("/")
        self.assertIn(f"POST {origin}/v1/models", carried)
        # The bytes: up by the signed PUT URL, down by the signed GET, both through the proxy.
        self.assertTrue([line for line in carried if line.startswith(f"PUT {origin}/_objects/")], carried)
        self.assertTrue([line for line in carried if line.startswith(f"GET {origin}/_objects/")], carried)
        self.assertFalse([line for line in carried if line.startswith("407")], carried)
        self.assertEqual(sha256_file(self.tmp / "out" / "model.bin"), sha256)

    def test_https_goes_through_a_connect_tunnel_and_the_certificate_is_still_checked(self) -> None:
        host = urllib.parse.urlsplit(TLS_URL).netloc
        registry = self.client(TLS_URL, {"HTTPS_PROXY": PROXY_URL, "SSL_CERT_FILE": TLS_CA})
        model = self.name()
        before = len(proxy_log())
        registry.create_model(model)
        self.assertEqual(registry.model(model)["name"], model)
        self.assertIn(f"CONNECT {host}", proxy_log()[before:])
        # The same tunnel without trusting the certificate: TLS runs end to end, and refuses.
        untrusted = self.client(TLS_URL, {"HTTPS_PROXY": PROXY_URL}, retries=0)
        with self.assertRaises(mreg.Unavailable) as caught:
            untrusted.model(model)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(caught.exception))

    def test_no_proxy_hosts_are_reached_directly(self) -> None:
        host = urllib.parse.urlsplit(URL).hostname or ""
        registry = self.client(URL, {"HTTP_PROXY": PROXY_URL, "NO_PROXY": host})
        before = len(proxy_log())
        registry.create_model(self.name())
        self.assertEqual(proxy_log()[before:], [])

    def test_wrong_proxy_credentials_get_the_proxys_407(self) -> None:
        parts = urllib.parse.urlsplit(PROXY_URL)
        wrong = f"http://mreg-test:wrong@{parts.hostname}:{parts.port}"
        registry = self.client(URL, {"HTTP_PROXY": wrong})
        before = len(proxy_log())
        with self.assertRaises(mreg.MregError) as caught:
            registry.create_model(self.name())
        self.assertEqual(caught.exception.status, 407)
        self.assertEqual(proxy_log()[before:], [f"407 POST {URL.rstrip('/')}/v1/models"])

    def test_a_proxy_that_is_not_http_is_named_in_the_error_with_its_password_hidden(self) -> None:
        registry = self.client(URL, {"HTTP_PROXY": "socks5://me:secret@127.0.0.1:1080"})
        with self.assertRaises(ValueError) as caught:
            registry.health()
        self.assertIn("HTTP_PROXY='socks5://me:***@127.0.0.1:1080'", str(caught.exception))
        self.assertNotIn("secret", str(caught.exception))
