"""A fault-injecting HTTP proxy in front of the real registry: it answers 503 or 409 with Retry-After, drops a
connection before forwarding, or forwards and then drops the answer. Everything else reaches the registry."""

from __future__ import annotations

import collections
import http.client
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Deque, List, Tuple

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}

FORWARD = "forward"
DROP_BEFORE = "drop-before"  # close the connection without forwarding
DROP_AFTER = "drop-after"  # forward, then close without answering


def refuse(status: int, retry_after: str) -> str:
    """An action: answer ``status`` (problem+json) with this Retry-After."""
    return f"refuse:{status}:{retry_after}"


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.plan: Deque[str] = collections.deque()
        """Actions for the next requests, in order; once empty, ``otherwise`` applies."""
        self.otherwise = FORWARD
        self.seen: List[Tuple[str, str, str]] = []
        """(method, path, action) of every request, and the Idempotency-Key of version creates."""
        self.keys: List[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle_any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    action = proxy.plan.popleft() if proxy.plan else proxy.otherwise
                    proxy.seen.append((self.command, self.path, action))
                    if self.headers.get("Idempotency-Key"):
                        proxy.keys.append(self.headers["Idempotency-Key"])
                if action == DROP_BEFORE:
                    self._drop()
                    return
                if action.startswith("refuse:"):
                    _, code, retry_after = action.split(":")
                    self._answer(
                        int(code),
                        [("Content-Type", "application/problem+json"), ("Retry-After", retry_after)],
                        json.dumps(
                            {
                                "type": "urn:mreg:problem:unavailable",
                                "title": "Temporarily unavailable",
                                "status": int(code),
                                "detail": "injected by the test proxy",
                            }
                        ).encode(),
                    )
                    return
                status, headers, answer = self._forward(body)
                if action == DROP_AFTER:
                    self._drop()
                    return
                self._answer(status, headers, answer)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

            def _forward(self, body: bytes) -> Tuple[int, List[Tuple[str, str]], bytes]:
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
                    return response.status, kept, response.read()
                finally:
                    conn.close()

            def _answer(self, status: int, headers: List[Tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _drop(self) -> None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
