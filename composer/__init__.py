"""Photograph: a conversation or a moment, composed into music.

The pipeline, one module per stage, each a pure function over frozen dataclasses::

    bytes/text --chat.parse--> Chat --mood.analyse--> Mood --music.compose--> Song
        --midi.to_midi--> MIDI bytes --engines.*--> Audio --album.save--> scores/<id>/
"""

__version__ = "0.1.0"
