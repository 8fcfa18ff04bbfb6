"""The MusicGen engine end to end, on tiny randomly initialised models (CPU, no downloads).

The models are built from configs in the test: a 1-layer T5 text encoder with a word-level
tokenizer made with ``tokenizers``, a small EnCodec at 16 kHz (hop 320 → 50 frames/s, like the
real 32 kHz one) whose ``int(1000 * 1.2 // (50 * log2 64)) = 4`` codebooks match the
decoder's ``num_codebooks``, and 2-layer decoders.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from composer.engines import musicgen  # noqa: E402
from composer.engines.chroma import chroma_frames, window_chroma  # noqa: E402
from composer.engines.fastgen import StaticDecoder  # noqa: E402
from composer.engines.resample import resampled_length  # noqa: E402
from composer.errors import EngineUnavailableError, OptionError  # noqa: E402
from composer.music.model import Key, Note, Part, Section, Song  # noqa: E402

WORDS = ["<pad>", "</s>", "<unk>", "piano", "warm", "slow", "bpm", "minor", "gentle", "E"]
RATE, HOP = 16_000, 320


def tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", 1)]
    )
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def tiny_model(
    melody: bool,
    seed: int = 0,
    *,
    rate: int = RATE,
    ratios: tuple[int, ...] = (8, 5, 4, 2),
    bandwidth: float = 1.2,
    chroma_length: int = 24,
) -> Any:
    """A random MusicGen(-Melody); ``rate``/``ratios``/``bandwidth`` shape the codec (its
    frame rate is ``rate / prod(ratios)``; 4 codebooks need ``bandwidth`` = 0.024 × that)."""
    t5 = transformers.T5Config(
        vocab_size=len(WORDS), d_model=32, d_kv=8, d_ff=64, num_layers=1, num_heads=4,
        decoder_start_token_id=0, pad_token_id=0, eos_token_id=1,
    )  # fmt: skip
    codec = transformers.EncodecConfig(
        sampling_rate=rate, upsampling_ratios=list(ratios), codebook_size=64,
        target_bandwidths=[bandwidth], num_filters=4, hidden_size=16, num_lstm_layers=1,
        use_causal_conv=False, use_conv_shortcut=False, normalize=False,
    )  # fmt: skip
    decoder = dict(
        vocab_size=64, ffn_dim=64, num_hidden_layers=2, num_attention_heads=4,
        num_codebooks=4, pad_token_id=64, bos_token_id=64,
    )  # fmt: skip
    torch.manual_seed(seed)
    if melody:
        config = transformers.MusicgenMelodyConfig(
            text_encoder=t5.to_dict(),
            audio_encoder=codec.to_dict(),
            decoder=transformers.MusicgenMelodyDecoderConfig(hidden_size=32, **decoder).to_dict(),
            chroma_length=chroma_length,
        )
        model = transformers.MusicgenMelodyForConditionalGeneration(config)
    else:
        config = transformers.MusicgenConfig(
            text_encoder=t5.to_dict(),
            audio_encoder=codec.to_dict(),
            decoder=transformers.MusicgenDecoderConfig(hidden_size=24, **decoder).to_dict(),
        )
        model = transformers.MusicgenForConditionalGeneration(config)
    with torch.no_grad():  # EnCodec codebooks start at zero: make codes audible
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
    model.generation_config.decoder_start_token_id = 64
    model.generation_config.pad_token_id = 64
    return model.eval()


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny matrices: threads only add contention on a shared 2-core box."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def melody_model() -> Any:
    return tiny_model(melody=True)


@pytest.fixture(scope="module")
def text_model() -> Any:
    return tiny_model(melody=False)


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return tiny_tokenizer()


E_MINOR = Key(4, "minor")


def make_song(bars: int = 3, tempo: int = 120) -> Song:
    """6 s at 120 bpm: a melody over held chords, two sections of different mood."""
    beats = bars * 4
    tune = tuple(Note(72 + (3 * i) % 12, float(i), 1.0, 90) for i in range(beats))
    chords = tuple(Note(p, 0.0, float(beats), 70) for p in (40, 47, 52))
    half = bars // 2
    sections = (
        Section("A", 0, half, E_MINOR, -0.6, -0.6),
        Section("B", half, bars - half, E_MINOR, 0.6, 0.6),
    )
    parts = (Part("Melody", 0, 0, tune), Part("Piano LH", 0, 1, chords))
    return Song("t", E_MINOR, tempo, (4, 4), sections, (), parts, (), 7, "piano")


def engine(model: Any, tokenizer: Any, **options: Any) -> musicgen.MusicgenEngine:
    options = {"window_s": 2.0, "overlap_s": 0.5, "crossfade_s": 0.2, **options}
    return musicgen.create(_model=model, _processor=tokenizer, **options)


# ----------------------------------------------------------------------------- fast decoder


@pytest.mark.parametrize("melody", [True, False], ids=["melody", "text"])
@pytest.mark.parametrize("prompt_frames", [0, 20])
def test_static_decoder_equals_generate(melody: bool, prompt_frames: int, tokenizer: Any) -> None:
    """Greedy, float64: the fast path must produce exactly the stock codes and audio."""
    model = tiny_model(melody, seed=1).double()
    batch = tokenizer("warm slow piano", return_tensors="pt")
    chroma = torch.zeros(1, 10, 12, dtype=torch.float64)
    chroma[0, torch.arange(10), torch.arange(10) % 12] = 1
    frames = 60
    prompt = torch.randint(0, 64, (4, prompt_frames)) if prompt_frames else None
    extra: dict[str, Any] = {"input_features": chroma} if melody else {}
    if prompt is not None:
        extra["decoder_input_ids"] = prompt
    with torch.no_grad():
        stock = model.generate(
            **batch, **extra, do_sample=False, guidance_scale=3.0,
            max_new_tokens=frames + 4 - 1 - prompt_frames,
        )  # fmt: skip
    decoder = StaticDecoder(model, max_frames=80, max_text=16)
    decoder.configure(guidance=3.0, greedy=True)
    cond = decoder.condition(
        batch["input_ids"], batch["attention_mask"], chroma if melody else None
    )
    steps: list[int] = []
    codes = decoder.generate(cond, frames, prompt, on_step=steps.append, report_every=7)
    assert codes.shape == (4, frames)
    if prompt is not None:
        assert torch.equal(codes[:, :prompt_frames], prompt)  # continuation keeps its prompt
    with torch.no_grad():
        fast = model.audio_encoder.decode(codes[None, None], [None]).audio_values
    assert fast.shape == stock.shape == (1, 1, frames * HOP)
    assert torch.equal(fast, stock)
    assert steps == sorted(steps) and steps[-1] == decoder.steps_for(frames, prompt_frames)


def test_static_decoder_without_guidance_equals_generate(tokenizer: Any) -> None:
    model = tiny_model(True, seed=2).double()
    batch = tokenizer("gentle piano", return_tensors="pt")
    with torch.no_grad():
        stock = model.generate(**batch, do_sample=False, guidance_scale=1.0, max_new_tokens=43)
    decoder = StaticDecoder(model, max_frames=40, cfg=False)
    decoder.configure(greedy=True)
    codes = decoder.generate(decoder.condition(batch["input_ids"], batch["attention_mask"]), 40)
    with torch.no_grad():
        fast = model.audio_encoder.decode(codes[None, None], [None]).audio_values
    assert torch.equal(fast, stock)


def test_top_k_one_sampling_is_greedy(melody_model: Any, tokenizer: Any) -> None:
    batch = tokenizer("warm piano", return_tensors="pt")
    decoder = StaticDecoder(melody_model, max_frames=50)
    cond = decoder.condition(batch["input_ids"], batch["attention_mask"])
    decoder.configure(greedy=True)
    greedy = decoder.generate(cond, 50)
    decoder.configure(top_k=1, temperature=0.7)
    torch.manual_seed(0)
    assert torch.equal(decoder.generate(cond, 50), greedy)
    decoder.configure(top_k=250)
    torch.manual_seed(0)
    assert not torch.equal(decoder.generate(cond, 50), greedy)


# ----------------------------------------------------------------------------- engine


def test_render_is_44k1_stereo_float32_of_the_song_length(
    melody_model: Any, tokenizer: Any
) -> None:
    song = make_song()
    audio = engine(melody_model, tokenizer).render(song, b"", seed=1)
    frames = round(song.duration_s * 50)
    assert audio.sample_rate == 44_100
    assert audio.samples.dtype == np.float32
    assert audio.samples.shape == (resampled_length(frames * HOP, RATE, 44_100), 2)
    assert audio.duration_s == pytest.approx(song.duration_s, abs=0.02)
    assert np.array_equal(audio.samples[:, 0], audio.samples[:, 1])
    assert float(np.abs(audio.samples).max()) <= 0.98 + 1e-6
    assert float(np.sqrt(np.mean(audio.samples[:44_100] ** 2))) > 1e-3  # not silence


def test_long_form_continues_each_window_with_its_own_chroma(
    melody_model: Any, tokenizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real_generate = melody_model.generate

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_generate(**kwargs)

    monkeypatch.setattr(melody_model, "generate", spy)
    texts: list[str] = []
    real_prompt = musicgen.build_prompt

    def prompt_spy(song: Song, start_s: float, end_s: float) -> str:
        texts.append(real_prompt(song, start_s, end_s))
        return texts[-1]

    monkeypatch.setattr(musicgen, "build_prompt", prompt_spy)

    def no_encoding(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the codec's encoder must not run: codes are carried")

    monkeypatch.setattr(melody_model.audio_encoder, "encode", no_encoding)
    song = make_song(bars=4)  # 8 s: windows of 100 frames every 75 → 5 windows
    eng = engine(melody_model, tokenizer, optimize="off")
    decoded: list[Any] = []
    real_decode = eng._decode

    def decode_spy(codes: Any) -> np.ndarray:
        decoded.append(codes.clone())
        return real_decode(codes)

    monkeypatch.setattr(eng, "_decode", decode_spy)
    audio = eng.render(song, b"", seed=3)
    plan = eng.last_windows
    assert len(plan) == len(calls) == 5
    assert plan[-1].end == 400
    assert audio.samples.shape[0] == resampled_length(400 * HOP, RATE, 44_100)
    assert [tuple(c.shape) for c in decoded] == [(4, w.length) for w in plan]
    for window, call in zip(plan, calls, strict=True):
        if window.index == 0:
            assert "decoder_input_ids" not in call
        else:  # the previous window's last 0.5 s of generated codes, as they were
            assert torch.equal(call["decoder_input_ids"], decoded[window.index - 1][:, -25:])
            # ... and the new window's codes start with them.
            assert torch.equal(decoded[window.index][:, :25], decoded[window.index - 1][:, -25:])
        # The chroma of exactly this window: frame 0 at its start, the extractor's count.
        expected = window_chroma(song, window.start / 50, window.length / 50)
        assert expected.shape[0] == chroma_frames(window.length / 50)
        assert np.array_equal(call["input_features"][0].numpy(), expected)
        new_tokens = window.length + 4 - 1 - window.prompt
        assert call["max_new_tokens"] == new_tokens
    assert not np.array_equal(calls[0]["input_features"], calls[1]["input_features"])
    # Each window is described by its own sections: A is sad, B is happy.
    assert len(texts) == 5
    assert "melancholic" in texts[0] and "joyful" in texts[-1]
    assert all("120 bpm" in t and "E minor" in t for t in texts)
    for text, call in zip(texts, calls, strict=True):
        assert torch.equal(call["input_ids"], tokenizer(text, return_tensors="pt")["input_ids"])


@pytest.mark.parametrize("optimize", ["off", "static"])
def test_a_tiny_overlap_continues_by_one_frame(
    optimize: str, melody_model: Any, tokenizer: Any
) -> None:
    # 0.01 s is half a codec frame: the window still continues one frame of codes, and the
    # 2 s crossfade is cut to that frame.
    eng = engine(melody_model, tokenizer, optimize=optimize, overlap_s=0.01, crossfade_s=2.0)
    song = make_song(bars=2)
    audio = eng.render(song, b"", seed=2)
    assert {w.prompt for w in eng.last_windows[1:]} == {1}
    samples = round(song.duration_s * 50) * HOP
    assert audio.samples.shape[0] == resampled_length(samples, RATE, 44_100)
    assert np.all(np.isfinite(audio.samples))
    none = engine(melody_model, tokenizer, optimize=optimize, overlap_s=0.0)
    none.render(song, b"", seed=2)
    assert {w.prompt for w in none.last_windows} == {0}


def test_text_encoder_stays_float32_in_half_precision(tokenizer: Any) -> None:
    model = tiny_model(melody=True, seed=4).to(torch.bfloat16)
    musicgen.keep_text_encoder_float32(model)
    musicgen.keep_text_encoder_float32(model)  # twice: one hook
    assert model.text_encoder.dtype == torch.float32
    assert model.decoder.dtype == torch.bfloat16
    batch = tokenizer("warm slow piano", return_tensors="pt")
    states = model.text_encoder(**batch).last_hidden_state
    assert states.dtype == torch.bfloat16
    eng = engine(model, tokenizer, optimize="off")
    audio = eng.render(make_song(bars=1), b"", seed=1)
    assert np.all(np.isfinite(audio.samples))


@pytest.mark.parametrize("optimize", ["off", "static"])
def test_seeds_reproduce_and_differ(optimize: str, melody_model: Any, tokenizer: Any) -> None:
    eng = engine(melody_model, tokenizer, optimize=optimize)
    song = make_song(bars=2)
    a = eng.render(song, b"", seed=11).samples
    b = eng.render(song, b"", seed=11).samples
    c = eng.render(song, b"", seed=12).samples
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_progress_is_monotonic_and_complete(melody_model: Any, tokenizer: Any) -> None:
    seen: list[tuple[str, float, float]] = []
    eng = engine(melody_model, tokenizer, optimize="static")
    eng.render(make_song(), b"", seed=0, progress=lambda s, d, t: seen.append((s, d, t)))
    gen = [(d, t) for s, d, t in seen if s.startswith("generate")]
    assert {s for s, _, _ in seen} == {"generate on CPU (slow)", "mixdown"}
    totals = {t for _, t in gen}
    assert len(totals) == 1
    total = totals.pop()
    windows = eng.last_windows
    assert total == sum(w.length + 3 - w.prompt for w in windows)
    done = [d for d, _ in gen]
    assert done == sorted(done) and done[0] == 0 and done[-1] == total
    assert len(done) > len(windows) + 1  # reported within windows too
    assert seen[-1] == ("mixdown", 1.0, 1.0)
    assert musicgen.CPU_WARNING in eng.warnings


def test_stock_path_reports_the_same_progress(melody_model: Any, tokenizer: Any) -> None:
    seen: list[tuple[str, float, float]] = []
    eng = engine(melody_model, tokenizer, optimize="off")
    eng.render(make_song(bars=2), b"", seed=0, progress=lambda s, d, t: seen.append((s, d, t)))
    gen = [(d, t) for s, d, t in seen if s.startswith("generate")]
    done = [d for d, _ in gen]
    assert done == sorted(done) and done[-1] == gen[0][1] > 0


def test_text_only_model(text_model: Any, tokenizer: Any) -> None:
    eng = engine(text_model, tokenizer, optimize="static")
    assert not eng.melody
    song = make_song(bars=2)
    audio = eng.render(song, b"", seed=5)
    assert audio.samples.shape == (resampled_length(200 * HOP, RATE, 44_100), 2)
    stock = engine(text_model, tokenizer, optimize="off").render(song, b"", seed=5)
    assert stock.samples.shape == audio.samples.shape


def test_loads_a_model_directory(tmp_path: Path, tokenizer: Any) -> None:
    folder = tmp_path / "tiny-melody"
    tiny_model(True, seed=4).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    eng = musicgen.create(model=str(folder), window_s=2.0, overlap_s=0.5, device="cpu")
    assert eng.path == folder
    seen: list[str] = []
    audio = eng.render(make_song(bars=1), b"", seed=0, progress=lambda s, d, t: seen.append(s))
    assert seen[0] == "load model"
    assert eng.melody
    assert audio.samples.shape == (resampled_length(100 * HOP, RATE, 44_100), 2)


def test_missing_weights_name_the_pull_command(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match="photograph models pull musicgen-melody"):
        musicgen.create(models_dir=tmp_path, device="cpu")


def test_device_choice() -> None:
    if not torch.cuda.is_available():
        with pytest.raises(EngineUnavailableError, match="CUDA"):
            musicgen.create(device="cuda")
    with pytest.raises(OptionError):
        musicgen.create(device="tpu")
    assert musicgen.pick_device(torch, "cpu") == "cpu"
    assert musicgen.pick_dtype(torch, None, "cpu") == torch.float32
    assert musicgen.pick_dtype(torch, "bf16", "cpu") == torch.bfloat16
    with pytest.raises(OptionError):
        musicgen.pick_dtype(torch, "int3", "cpu")
