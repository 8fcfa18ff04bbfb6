"""OpenAPI docs at ``/docs`` served from local files (no CDN), via ``swagger-ui-bundle``."""

from __future__ import annotations

import importlib.util

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def local_docs_available() -> bool:
    """True when the Swagger UI files are installed (the ``web`` extra brings them)."""
    return importlib.util.find_spec("swagger_ui_bundle") is not None


def install(app: FastAPI) -> None:
    """Serve ``/docs`` with Swagger UI's own files from the installed package."""
    import swagger_ui_bundle

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – API docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
