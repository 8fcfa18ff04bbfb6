"""The web front end: a JSON API (FastAPI) and a playback page.

FastAPI and uvicorn are imported only here (``composer.web.app`` / ``.server``), never by
``import composer`` or ``composer.cli``. Use :func:`composer.web.app.create_app` to build
the app and :func:`composer.web.server.serve` to run it.
"""
