"""Benchmark the in-process FluidSynth renderer, loudness normalisation and encoding.

Builds a dense 120 s three-part MIDI file (piano with sustain pedal, strings, bass) with
mido, then prints ``name: value`` lines:

    soundfont_load_s          first synth + SoundFont load in this process (cold)
    render_speed_x_realtime   median of 3 warm renders
    normalize_s               loudness normalisation of the rendered audio
    ogg_encode_s              OGG Vorbis encoding of it (also wav/flac encode times)
    audio_ogg_s               render + normalise + OGG in one call (composer.audio.stream,
                              the encoder beside the synth), and the same done one step
                              after the other (``plain``), medians of 3

Run: ``.venv/bin/python bench/render.py [--seconds 120] [--variants] [--cli] [--prepass]``;
``--prepass`` composes songs in every style and mood and prints how far the streamed
audio (gain from the low-rate pre-pass) lands from -16 LUFS. ``--cli``
also times the fluidsynth command line on the same MIDI for comparison. ``--variants``
also times the render with the chorus forced on (it is skipped when no preset or
controller feeds it), with fluidsynth's default 4th-order interpolation instead of
linear, with reverb and chorus off, and on one core.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time

import mido

ROOTS = (0, 9, 5, 7, 2, 7, 0, 0)  # C Am F G Dm G C C, one chord per bar


def build_midi(seconds: float, bpm: int = 96, seed: int = 7, nrpn: bool = False) -> bytes:
    """A type-1 MIDI of ``seconds``: piano (pedal every bar), strings pad, walking bass."""
    rnd = random.Random(seed)
    tpb = 480
    bars = int(seconds * bpm / 60 / 4)
    mid = mido.MidiFile(type=1, ticks_per_beat=tpb)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    conductor.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
    if nrpn:  # an NRPN select: harmless, but it keeps the chorus unit running
        conductor.append(mido.Message("control_change", channel=15, control=99, value=0))
    mid.tracks.append(conductor)

    def chord(bar: int) -> list[int]:
        root = 48 + ROOTS[bar % len(ROOTS)]
        minor = ROOTS[bar % len(ROOTS)] in (9, 2)
        return [root, root + (3 if minor else 4), root + 7]

    piano: list[tuple[int, mido.Message]] = []
    strings: list[tuple[int, mido.Message]] = []
    bass: list[tuple[int, mido.Message]] = []

    def note(events: list, ch: int, pitch: int, start: int, length: int, vel: int) -> None:
        events.append((start, mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
        events.append((start + length, mido.Message("note_off", channel=ch, note=pitch)))

    for bar in range(bars):
        t0 = bar * 4 * tpb
        tones = chord(bar)
        piano.append((t0, mido.Message("control_change", channel=0, control=64, value=127)))
        piano.append((t0 + 4 * tpb - 30, mido.Message("control_change", channel=0, control=64)))
        for step in range(8):  # left-hand arpeggio in eighths
            pitch = tones[step % 3] - 12 + 12 * (step // 3 % 2)
            note(piano, 0, pitch, t0 + step * tpb // 2, tpb // 2 - 20, rnd.randint(50, 72))
        beat = 0
        while beat < 4:  # right-hand melody
            length = rnd.choice((1, 1, 2)) if beat < 3 else 1
            pitch = rnd.choice(tones) + 24 + rnd.choice((0, 0, 2, -1))
            note(piano, 0, pitch, t0 + beat * tpb, length * tpb - 40, rnd.randint(70, 100))
            beat += length
        for pitch in [*tones, tones[0] + 12]:
            note(strings, 1, pitch + 12, t0, 4 * tpb - 10, 58)
        for beat in range(4):
            pitch = tones[0] - 12 + (7 if beat % 2 else 0)
            note(bass, 2, pitch, t0 + beat * tpb, tpb - 30, 92)

    for channel, program, events in ((0, 0, piano), (1, 48, strings), (2, 33, bass)):
        track = mido.MidiTrack()
        track.append(mido.Message("program_change", channel=channel, program=program))
        last = 0
        for tick, msg in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
            track.append(msg.copy(time=tick - last))
            last = tick
        mid.tracks.append(track)
    buffer = io.BytesIO()
    mid.save(file=buffer)
    return buffer.getvalue()


def cli_speed(midi: bytes, soundfont: object) -> None:
    """Median of 3 runs of ``fluidsynth -ni -F out.wav`` (includes its SoundFont load)."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    binary = shutil.which("fluidsynth")
    if binary is None:
        print("cli_speed_x_realtime: n/a (no fluidsynth binary)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        song = Path(tmp) / "song.mid"
        song.write_bytes(midi)
        command = [binary, "-ni", "-q", "-r", "44100", "-F", str(Path(tmp) / "out.wav")]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([*command, str(soundfont), str(song)], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        import soundfile

        duration = soundfile.info(str(Path(tmp) / "out.wav")).duration
    print(f"cli_speed_x_realtime: {duration / statistics.median(times):.0f}  (incl. its load)")


def prepass_errors() -> None:
    """Streamed loudness error (LU from -16 LUFS) over styles and moods."""
    from composer.audio.stream import PREPASS_RATE, render_encoded
    from composer.music.compose import SongOptions
    from composer.music.orchestra import STYLES
    from composer.pipeline import Request, compose

    errors = []
    for style in STYLES:
        for valence, arousal in ((-0.7, -0.6), (0.6, 0.7), (0.0, 0.0), (-0.5, 0.8)):
            request = Request(
                moment=f"{style} {valence} {arousal}",
                song=SongOptions(length_s=60, style=style, valence=valence, arousal=arousal),
                no_audio=True,
            )
            midi = compose(request).midi
            rendered = render_encoded(midi, "wav", stream=True)
            error = rendered.loudness_lufs + 16.0
            errors.append(error)
            print(f"prepass_error_lu {style} v={valence:+.1f} a={arousal:+.1f}: {error:+.2f}"
                  f"{'' if rendered.streamed else '  (fell back to the plain path)'}")  # fmt: skip
    worst = max(abs(e) for e in errors)
    print(f"prepass_rate_hz: {PREPASS_RATE}  max_abs_error_lu: {worst:.2f}  "
          f"mean_error_lu: {statistics.mean(errors):+.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--variants", action="store_true", help="also time other settings")
    parser.add_argument(
        "--cli", action="store_true", help="also time the fluidsynth command line (same MIDI)"
    )
    parser.add_argument(
        "--prepass", action="store_true", help="also measure the streamed loudness error"
    )
    args = parser.parse_args()

    from composer.audio import fluid, synth
    from composer.audio.files import encode_audio
    from composer.audio.fluid import FluidSynth
    from composer.audio.loudness import integrated_loudness, normalize

    midi = build_midi(args.seconds)
    notes = sum(1 for t in mido.MidiFile(file=io.BytesIO(midi)).tracks for m in t
                if m.type == "note_on")  # fmt: skip
    path, note = synth.find_soundfont()
    print(f"soundfont: {path}" + (f" ({note})" if note else ""))
    print(f"notes: {notes}")

    start = time.perf_counter()
    FluidSynth(path, 44100, synth.SYNTH_SETTINGS, synth.INTERPOLATION).close()
    print(f"soundfont_load_s: {time.perf_counter() - start:.3f}")

    def speed(label: str, song: bytes = midi) -> None:
        synth.render_midi(song)  # warm: presets loaded, pages cached
        times = []
        for _ in range(3):
            start = time.perf_counter()
            audio = synth.render_midi(song)
            times.append(time.perf_counter() - start)
        ratio = audio.duration_s / statistics.median(times)
        print(f"{label}: {ratio:.0f}  (median {statistics.median(times):.3f} s "
              f"for {audio.duration_s:.1f} s of audio)")  # fmt: skip

    speed("render_speed_x_realtime")
    if args.variants:
        speed("render_speed_chorus_on", build_midi(args.seconds, nrpn=True))
        interpolation = synth.INTERPOLATION
        synth.INTERPOLATION = fluid.INTERP_4TH
        speed("render_speed_4th_order_interp")
        synth.INTERPOLATION = interpolation
        saved = dict(synth.SYNTH_SETTINGS)
        for label, changes in (
            ("render_speed_no_fx", {"synth.chorus.active": 0, "synth.reverb.active": 0}),
            ("render_speed_1_core", {"synth.cpu-cores": 1}),
        ):
            synth.SYNTH_SETTINGS.update(changes)
            speed(label)
            synth.SYNTH_SETTINGS.clear()
            synth.SYNTH_SETTINGS.update(saved)

    if args.cli:
        cli_speed(midi, path)

    audio = synth.render_midi(midi)
    start = time.perf_counter()
    loudness = integrated_loudness(audio)
    print(f"loudness_s: {time.perf_counter() - start:.3f}  ({loudness:.1f} LUFS raw)")
    start = time.perf_counter()
    normalized = normalize(audio)
    print(f"normalize_s: {time.perf_counter() - start:.3f}")
    for fmt in ("ogg", "wav", "flac"):
        start = time.perf_counter()
        data = encode_audio(normalized, fmt)
        print(f"{fmt}_encode_s: {time.perf_counter() - start:.3f}  ({len(data) / 1e6:.1f} MB)")

    from composer.audio.stream import render_encoded

    for label, streamed in (("audio_ogg_s", True), ("audio_ogg_plain_s", False)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            render_encoded(midi, "ogg", stream=streamed)
            times.append(time.perf_counter() - start)
        print(f"{label}: {statistics.median(times):.3f}")
    if args.prepass:
        prepass_errors()


if __name__ == "__main__":
    main()
