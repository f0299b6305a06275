"""Running a simulator as a real HTTP service: in a background thread for the tests and the demo (`running`), or
in its own process for a deployment-shaped run and the benchmarks (`serve`).

    with running(create_population_simulator()) as base_url:
        async with PopulationClient(base_url) as client:
            ...
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


@contextmanager
def running(app: ASGIApp, *, host: str = LOOPBACK) -> Iterator[str]:
    """Serve `app` on a free port of `host` in a background thread; yield its base URL; stop it on exit.

    Close the clients that talk to it before leaving the block: the server waits (up to a few seconds) for
    requests in flight, then closes idle connections.
    """
    # IPPROTO_TCP spelt out: asyncio sets TCP_NODELAY on accepted connections only when the proto says TCP, and
    # without it every small answer waits ~40 ms for the client's delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    with closing(listener):
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        port = listener.getsockname()[1]
        server = uvicorn.Server(_config(app, host, port, log_level="warning", embedded=True))
        failure: list[BaseException] = []

        def run_server() -> None:
            try:
                server.run(sockets=[listener])
            except BaseException as exc:  # reported in the caller's thread
                failure.append(exc)

        thread = threading.Thread(target=run_server, name=f"simulator:{port}", daemon=True)
        thread.start()
        try:
            _wait_started(server, thread, failure)
            yield f"http://{host}:{port}"
        finally:
            server.should_exit = True
            thread.join(STOP_TIMEOUT_S)
            if thread.is_alive():
                raise RuntimeError(f"simulator on port {port} did not stop within {STOP_TIMEOUT_S} s")


def serve(app: ASGIApp, host: str = LOOPBACK, port: int = 8100, *, log_level: str = "info") -> None:
    """Serve `app` in this process until interrupted (Ctrl+C or SIGTERM stop it cleanly)."""
    uvicorn.Server(_config(app, host, port, log_level=log_level, embedded=False)).run()


def _config(app: ASGIApp, host: str, port: int, *, log_level: str, embedded: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",  # the simulators keep their state in memory from construction on
        ws="none",  # no websockets: also keeps the websockets library's deprecation warnings out of the tests
        # In a thread next to the tests, plain asyncio and h11 behave the same everywhere; alone, take the fastest.
        loop="asyncio" if embedded else "auto",
        http="h11" if embedded else "auto",
        timeout_graceful_shutdown=5,
    )


def _wait_started(server: uvicorn.Server, thread: threading.Thread, failure: list[BaseException]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if failure:
            raise RuntimeError("the simulator failed to start") from failure[0]
        if not thread.is_alive():
            raise RuntimeError("the simulator stopped while starting")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the simulator did not start within {START_TIMEOUT_S} s")
        time.sleep(0.005)
