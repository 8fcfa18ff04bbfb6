"""``photograph serve``: run the app with uvicorn on a local socket.

``python -m composer.web.server`` takes the same options plus ``--workers`` and
``--executor`` (process or thread pool), used by ``bench/web_load.py``.
"""

from __future__ import annotations

import argparse
import logging
import re
import socket
import sys
from pathlib import Path

from composer.errors import OptionError
from composer.web.jobs import ExecutorKind, JobQueue

#: Connections beyond this get uvicorn's plain 503 (a safety valve, not a queue).
MAX_CONNECTIONS = 1000


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; :class:`OptionError` when the address cannot be used."""
    if not 0 <= port <= 65535:
        raise OptionError(f"port must be 0..65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise OptionError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise OptionError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.set_inheritable(True)
    return sock


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    scores: Path | str = Path("scores"),
    *,
    workers: int | None = None,
    executor: ExecutorKind = "process",
    log_level: str = "info",
    jobs: JobQueue | None = None,
    max_queue: int = 64,
) -> int:
    """Serve the API and the playback page until interrupted; returns the exit code.

    ``port`` 0 picks a free port; the address is printed on stderr either way. ``scores``
    is the album: a folder or ``s3://bucket/prefix`` (:func:`composer.storage.open_album`).
    ``jobs`` replaces the embedded pool (``photograph serve --broker``: Celery workers).
    """
    import uvicorn

    from composer.web.app import create_app

    app = create_app(scores, workers=workers, executor=executor, jobs=jobs, max_queue=max_queue)
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(
        f"photograph: serving http://{shown}:{bound_port}/ (album: {scores})",
        file=sys.stderr,
        flush=True,
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "photograph: note: the API has no authentication; anyone who can reach "
            f"{host} can compose and delete songs",
            file=sys.stderr,
            flush=True,
        )
    from composer.web.live import MAX_FRAME

    logging.getLogger("uvicorn.error").addFilter(HideTokens())
    logging.getLogger("uvicorn.access").addFilter(HideTokens())
    config = uvicorn.Config(
        app,
        log_level=log_level,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
        limit_concurrency=MAX_CONNECTIONS,
        server_header=False,
        proxy_headers=False,
        ws_max_size=2 * MAX_FRAME,  # a bigger live message is refused by the transport
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


class HideTokens(logging.Filter):
    """Keep live sessions' tokens (``?token=…`` in a WebSocket's path) out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                _TOKEN.sub("token=***", a) if isinstance(a, str) else a for a in args
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub("token=***", record.msg)
        return True


_TOKEN = re.compile(r"token=[^&\s\"']+")


def main(argv: list[str] | None = None) -> int:
    """``python -m composer.web.server [--host] [--port] [--scores] [--workers] [--executor]``."""
    from composer.errors import ComposerError

    p = argparse.ArgumentParser(prog="python -m composer.web.server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--storage", "--scores", dest="scores", default="scores")
    p.add_argument("--workers", type=int)
    p.add_argument("--executor", choices=("process", "thread"), default="process")
    args = p.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        p.error("--workers must be at least 1")
    try:
        return serve(
            args.host, args.port, args.scores, workers=args.workers, executor=args.executor
        )
    except ComposerError as e:
        print(f"photograph: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
