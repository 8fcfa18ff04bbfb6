"""What the routes share: the album, the job manager, cached views and limits."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from composer.storage import Storage
from composer.web.jobs import JobQueue
from composer.web.uploads import UploadLimits
from composer.web.views import SongViews


@dataclass(frozen=True, slots=True)
class WebState:
    """The application's state (one per app, kept on ``app.state.web``)."""

    album: Storage
    jobs: JobQueue
    views: SongViews
    limits: UploadLimits


def get_state(request: Request) -> WebState:
    """FastAPI dependency: the app's :class:`WebState`."""
    state: WebState = request.app.state.web
    return state
