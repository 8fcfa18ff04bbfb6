"""Files shipped inside the package (``composer/data/``), found the same way in a source
checkout and in an installed wheel: with :mod:`importlib.resources`.

``composer/data/mood/``
    The trained mood reader (``model.onnx``, ``tokenizer.json``, ``meta.json``,
    ``MODEL_CARD.md`` and whatever else its folder holds; all of it is package data).
``composer/data/web/``
    The playback page (``index.html``, ``app.js``, ``app.css``, ``favicon.svg``).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

MOOD_MODEL = "mood"
WEB_PAGE = "web"


def data_dir(name: str) -> Path:
    """The folder ``composer/data/<name>`` as a file-system path.

    Both users need real files (onnxruntime opens the model by path; the web server
    serves a directory), so an install that is not on the file system (a zip import)
    gives a path that does not exist, and the callers say the files are missing.
    """
    root = files("composer").joinpath("data", name)
    return root if isinstance(root, Path) else Path(str(root))
