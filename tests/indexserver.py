"""A tiny PEP 503 simple index on 127.0.0.1 with HTTP basic auth, for credential tests.

It serves the wheels of one directory, requires ``user:password`` on every request (index
pages and files), records each request's path and whether it carried credentials, and stops
by itself after ``lifetime`` seconds even if a test forgets to stop it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class IndexServer:
    """A running index: ``url`` is ``http://127.0.0.1:PORT/simple`` (no credentials)."""

    url: str
    host: str
    requests: list[tuple[str, bool]] = field(default_factory=list)


def _canonical(name: str) -> str:
    return name.replace("_", "-").replace(".", "-").lower()


@contextmanager
def serve(wheels: Path, *, user: str, password: str, lifetime: float = 120.0) -> Iterator[IndexServer]:
    """Serve ``wheels`` as a simple index requiring ``user``/``password``."""
    token = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    files = {p.name: p for p in wheels.glob("*.whl")}
    projects: dict[str, list[str]] = {}
    for name in files:
        projects.setdefault(_canonical(name.split("-", 1)[0]), []).append(name)
    state: IndexServer

    class Handler(BaseHTTPRequestHandler):
        head_only = False

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self._handle(body=False)

        def do_GET(self) -> None:
            self._handle(body=True)

        def _handle(self, *, body: bool) -> None:
            self.head_only = not body
            authorized = self.headers.get("Authorization") == token
            state.requests.append((self.path, authorized))
            if not authorized:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="test"')
                self.end_headers()
                return
            parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
            if len(parts) == 2 and parts[0] == "simple" and parts[1] in projects:
                links = "".join(
                    f'<a href="/files/{html.escape(n)}#sha256='
                    f'{hashlib.sha256(files[n].read_bytes()).hexdigest()}">{html.escape(n)}</a>\n'
                    for n in sorted(projects[parts[1]])
                )
                self._send(200, f"<html><body>\n{links}</body></html>\n".encode(), "text/html")
            elif len(parts) == 2 and parts[0] == "files" and parts[1] in files:
                self._send(200, files[parts[1]].read_bytes(), "application/octet-stream")
            else:
                self._send(404, b"not found", "text/plain")

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not self.head_only:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    host = f"127.0.0.1:{server.server_address[1]}"
    state = IndexServer(url=f"http://{host}/simple", host=host)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    timer = threading.Timer(lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    try:
        yield state
    finally:
        timer.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
