"""The FastAPI application: the JSON API under ``/api`` and the playback page at ``/``.

No CORS middleware: the page is served by the same origin, and other origins are not
let in. The page and its assets are package data (``composer/data/web/``); nothing is
fetched from anywhere else (a Content-Security-Policy says so to the browser).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from composer import __version__
from composer.errors import NotFoundError
from composer.resources import WEB_PAGE, data_dir
from composer.storage import is_remote, open_album
from composer.web import docs, errors, uploads
from composer.web.jobs import ExecutorKind, JobManager, JobQueue
from composer.web.live import LiveHub
from composer.web.routers import live, meta, songs
from composer.web.state import WebState
from composer.web.views import SongViews
from composer.web.worker import ComposeFn

#: The playback page, shipped in the package (a checkout and an installed wheel alike).
WEB_DIR = data_dir(WEB_PAGE)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DESCRIPTION = """Turn a conversation or a moment into music.

`POST /api/songs` queues a song and answers `202` with its id; follow it with
`GET /api/songs/{id}` or `GET /api/songs/{id}/events` (Server-Sent Events), then fetch
`song.mid`, `audio.ogg` / `audio.wav`, `score.json` and `song.musicxml`.
Every error is `{"error": {"code", "message"}}`."""


class SecurityHeaders:
    """Pure ASGI middleware: safe defaults on every response, the CSP on the page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        page = not path.startswith(("/api/", "/docs", "/openapi.json"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if page:
                    extra += [
                        (b"content-security-policy", CSP.encode()),
                        (b"x-frame-options", b"DENY"),
                    ]
                    if b"cache-control" not in names:
                        extra.append((b"cache-control", b"no-cache"))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    scores: Path | str,
    *,
    compose_fn: ComposeFn | None = None,
    workers: int | None = None,
    max_queue: int = 64,
    max_upload_bytes: int = uploads.MAX_UPLOAD_BYTES,
    max_unzipped_bytes: int = uploads.MAX_UNZIPPED_BYTES,
    executor: ExecutorKind = "process",
    web_dir: Path | None = None,
    receive_timeout_s: float = uploads.RECEIVE_TIMEOUT_S,
    body_timeout_s: float = uploads.BODY_TIMEOUT_S,
    warm_up: bool = True,
    live_sessions: int = 8,
    live_speed: float = 1.0,
    jobs: JobQueue | None = None,
) -> FastAPI:
    """Build the app for the album at ``scores``.

    Parameters
    ----------
    scores : Path or str
        The album: a folder (created if missing) or ``s3://bucket/prefix``
        (:func:`composer.storage.open_album`).
    compose_fn : callable, optional
        ``compose_fn(request, progress, album, name) -> Record``: composes and saves one
        song (tests inject a fast fake). Default: the real pipeline.
    workers : int, optional
        Parallel jobs for the CPU engine (default: one per core); other engines run one
        job at a time.
    max_queue : int
        Jobs that may wait for a worker before ``POST`` answers 503.
    max_upload_bytes, max_unzipped_bytes : int
        Largest chat upload, and the most a zip may unpack to (413 beyond).
    executor : {"process", "thread"}
        Where jobs run: worker processes (default) or threads.
    web_dir : Path, optional
        The playback page's folder (default: the shipped page, :data:`WEB_DIR`).
    receive_timeout_s, body_timeout_s : float
        Longest wait for the next chunk of an upload, and for the whole upload (408).
    warm_up : bool
        Start the worker processes (and import the pipeline there) at startup.
    live_sessions : int
        Live sessions (``/api/live``) that may play at once (``POST`` answers 503 beyond).
    live_speed : float
        Rate of the live sessions' playback clock (1.0: real time; tests play faster).
    jobs : JobQueue, optional
        Where jobs go instead of the embedded pool (``photograph serve --broker``: Celery
        workers); ``compose_fn``, ``workers``, ``max_queue``, ``executor`` and ``warm_up``
        are then unused.
    """
    if max_upload_bytes < 1 or max_unzipped_bytes < 1:
        raise ValueError("upload limits must be positive")
    album = open_album(scores)
    if is_remote(scores):
        album.clean()  # parts of songs whose writer died (a folder album cleans on opening)
    if jobs is None:
        jobs = JobManager(
            album.location if is_remote(scores) else Path(scores),
            compose_fn,
            workers=workers,
            max_queue=max_queue,
            executor=executor,
            warm_up=warm_up,
        )
    queue: JobQueue = jobs
    limits = uploads.UploadLimits(
        max_upload_bytes, max_unzipped_bytes, receive_timeout_s, body_timeout_s
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queue.start()
        try:
            yield
        finally:
            await app.state.live.shutdown()
            queue.shutdown()

    offline_docs = docs.local_docs_available()
    app = FastAPI(
        title="Photograph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None if offline_docs else "/docs",
        redoc_url=None,
    )
    if offline_docs:
        docs.install(app)
    app.state.web = WebState(album, queue, SongViews(album), limits)
    app.state.live = LiveHub(album, max_sessions=live_sessions, speed=live_speed)
    errors.install(app)
    app.include_router(songs.router)
    app.include_router(meta.router)
    app.include_router(live.router)
    page = web_dir if web_dir is not None else WEB_DIR
    if (page / "index.html").is_file():
        app.mount("/", StaticFiles(directory=page, html=True), name="page")
    else:

        @app.get("/", include_in_schema=False)
        def no_page() -> None:
            raise NotFoundError(
                f"the playback page is not installed (no {page}/index.html); "
                "the API is at /api and its docs at /docs"
            )

    app.add_middleware(SecurityHeaders)
    return app
