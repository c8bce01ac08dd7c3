"""A fake provider's HTTP server on 127.0.0.1, served from a daemon thread."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Self


class BackgroundServer:
    """Starts and stops one local HTTP server; subclasses say which (`_make_server`)."""

    label = "the local server"

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """Where a client should send, e.g. `http://127.0.0.1:49152`."""
        if self._server is None:
            raise RuntimeError(f"{self.label} is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> str:
        """Serve in a daemon thread and return the base URL."""
        if self._server is None:
            self._server = self._make_server(("127.0.0.1", self._port))
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
