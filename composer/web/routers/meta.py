"""``/api/info``: what this server offers, for the page and for clients."""

from __future__ import annotations

import importlib.util
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from composer import __version__
from composer.web.schemas import Info
from composer.web.state import WebState, get_state

router = APIRouter(prefix="/api", tags=["meta"])


def musicxml_available() -> bool:
    """Whether ``song.musicxml`` can be written here (music21 and our exporter)."""
    try:
        return all(
            importlib.util.find_spec(m) is not None for m in ("music21", "composer.notation")
        )
    except (ImportError, ValueError):
        return False


@router.get("/info", response_model=Info, summary="Styles, engines, limits and workers")
def info(state: Annotated[WebState, Depends(get_state)]) -> dict[str, Any]:
    from composer import chat
    from composer.audio.formats import AUDIO_FORMATS, WEB_FORMAT
    from composer.engines import ENGINES
    from composer.music.compose import MAX_LENGTH_S, MIN_LENGTH_S
    from composer.music.orchestra import STYLES

    limits = state.limits
    return {
        "version": __version__,
        "styles": list(STYLES),
        "engines": sorted(ENGINES),
        "formats": list(getattr(chat, "FORMATS", ("auto",))),
        "audio_formats": list(AUDIO_FORMATS),
        "audio_default": WEB_FORMAT,
        "musicxml": musicxml_available(),
        "limits": {
            "max_upload_bytes": limits.max_upload_bytes,
            "max_unzipped_bytes": limits.max_unzipped_bytes,
            "min_length_s": int(MIN_LENGTH_S),
            "max_length_s": int(MAX_LENGTH_S),
        },
        "workers": state.jobs.stats(),
    }
