"""Serving the dashboard with uvicorn: in the foreground (`ror serve`) or in a thread (`ror run`, tests)."""

from __future__ import annotations

import ipaddress
import threading
import time

import uvicorn
from sqlalchemy import Engine

from connectors.clock import Clock, utc_now
from listener.config.settings import Config
from listener.dashboard.app import create_app
from listener.dashboard.users import count_users

LOOPBACK_NAMES = ("localhost",)
STARTUP_TIMEOUT_SECONDS = 10.0


class BindRefusedError(Exception):
    """The dashboard would be reachable from other machines without an admin user to log in."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(engine: Engine, host: str) -> bool:
    """Whether binding `host` makes the app public; BindRefusedError if public and no admin user exists."""
    public = not is_loopback(host)
    if public and count_users(engine, "admin") == 0:
        raise BindRefusedError(f"refusing to listen on {host}: other machines could reach the dashboard, and no admin "
                               "user exists to log in; add one with `ror users add NAME --role admin` (or listen on "
                               "127.0.0.1 and put a reverse proxy with TLS in front)")
    return public


class DashboardServer:
    """A uvicorn server for the dashboard app on one host and port (port 0 picks a free one)."""

    def __init__(self, config: Config, engine: Engine, host: str, port: int, *, clock: Clock = utc_now,
                 proxy_headers: bool = False) -> None:
        public = check_bind(engine, host)
        app = create_app(config, engine, clock=clock, public=public)
        self.server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=proxy_headers,
            forwarded_allow_ips="127.0.0.1" if proxy_headers else None, lifespan="off"))
        self.host = host
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://host:port of the running server (the real port when 0 was asked for)."""
        sockets = [s for server in getattr(self.server, "servers", []) for s in server.sockets]
        port = sockets[0].getsockname()[1] if sockets else self.server.config.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    def run(self) -> None:
        """Serve in the foreground until SIGINT/SIGTERM (uvicorn handles the signals)."""
        self.server.run()

    def start(self) -> str:
        """Serve in a background thread; returns the URL once the socket listens. OSError if it cannot."""
        self._thread = threading.Thread(target=self.server.run, name="ror-dashboard", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the dashboard could not listen on {self.host}:{self.server.config.port}")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        """Ask the server to finish its requests and wait for the thread."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
