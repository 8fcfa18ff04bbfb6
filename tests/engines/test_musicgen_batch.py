"""Batched MusicGen decoding on tiny random models (CPU): a song decoded in a batch is the
song decoded alone, and the batched network is the lone decoder's network."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from composer.engines.fastbatch import BatchDecoder, bucket, uniform, window_salt  # noqa: E402
from composer.engines.fastgen import StaticDecoder  # noqa: E402
from composer.engines.musicgen_batch import BatchSong  # noqa: E402
from composer.errors import OptionError  # noqa: E402

from .test_musicgen import engine, make_song, one_thread, tiny_model, tiny_tokenizer  # noqa: E402

__all__ = ["one_thread"]  # the module fixture: one torch thread


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    return tiny_tokenizer()


def _conds(decoder: Any, tokenizer: Any, texts: list[str], melody: bool) -> list[Any]:
    out = []
    for n, text in enumerate(texts):
        batch = tokenizer(text, return_tensors="pt")
        chroma = None
        if melody:
            chroma = torch.zeros(1, 40, 12, dtype=decoder.dtype)
            chroma[0, :, (3 * n) % 12] = 1
        out.append(decoder.condition(batch["input_ids"], batch["attention_mask"], chroma))
    return out


@pytest.mark.parametrize("melody", [True, False], ids=["melody", "text"])
def test_batched_network_equals_the_lone_decoder(melody: bool, tokenizer: Any) -> None:
    # Greedy in float64: the lone decoder equals transformers' generate (test_musicgen), so
    # three songs of different lengths, prompts and texts decoded together must equal it.
    model = tiny_model(melody, seed=5).double()
    lone = StaticDecoder(model, max_frames=60)
    lone.configure(greedy=True, guidance=3.0)
    batched = BatchDecoder(model, max_frames=60, max_songs=4)
    batched.configure(greedy=True, guidance=3.0)
    texts = ["warm piano", "slow minor gentle piano E", "E"]
    frames = [60, 35, 48]
    gen = torch.Generator().manual_seed(0)
    prompts = [None, torch.randint(0, 64, (4, 10), generator=gen), None]
    together = batched.generate_batch(_conds(batched, tokenizer, texts, melody), frames,
                                      prompts, [1, 2, 3])  # fmt: skip
    for i, cond in enumerate(_conds(lone, tokenizer, texts, melody)):
        alone = lone.generate(cond, frames[i], prompts[i])
        assert together[i].shape == (4, frames[i])
        assert torch.equal(together[i], alone), f"song {i}"


def test_a_song_in_a_batch_equals_it_alone(tokenizer: Any) -> None:
    model = tiny_model(True, seed=6)
    eng = engine(model, tokenizer, optimize="static")
    a, b, c = make_song(bars=3), make_song(bars=2, tempo=100), make_song(bars=1)
    batch = eng.render_batch([BatchSong(a, 11), BatchSong(b, 12), BatchSong(c, 13)])
    alone_a = eng.render_batch([BatchSong(a, 11)])[0]
    again = eng.render_batch([BatchSong(c, 13), BatchSong(a, 11)])  # other order, batch of 2
    assert np.array_equal(batch[0].samples, alone_a.samples)
    assert np.array_equal(again[1].samples, alone_a.samples)
    assert np.array_equal(again[0].samples, batch[2].samples)
    assert np.array_equal(eng.render_batch([BatchSong(b, 12)])[0].samples, batch[1].samples)
    assert batch[0].sample_rate == 44_100 and batch[0].samples.shape[1] == 2
    assert abs(batch[0].duration_s - a.duration_s) < 0.05
    assert abs(batch[1].duration_s - b.duration_s) < 0.05
    other_seed = eng.render_batch([BatchSong(a, 99)])[0]
    assert not np.array_equal(other_seed.samples, alone_a.samples)


def test_text_only_songs_in_a_batch_equal_them_alone(tokenizer: Any) -> None:
    eng = engine(tiny_model(False, seed=7), tokenizer, optimize="static")
    a, b = make_song(bars=2), make_song(bars=1, tempo=90)
    batch = eng.render_batch([BatchSong(b, 3), BatchSong(a, 4)])
    assert np.array_equal(eng.render_batch([BatchSong(a, 4)])[0].samples, batch[1].samples)


def test_each_song_reports_its_own_progress(tokenizer: Any) -> None:
    eng = engine(tiny_model(True, seed=8), tokenizer, optimize="static")
    seen: dict[int, list[tuple[str, float, float]]] = {0: [], 1: []}

    def reporter(n: int) -> Any:
        return lambda stage, done, total: seen[n].append((stage, done, total))

    songs = [
        BatchSong(make_song(bars=3), 1, reporter(0)),
        BatchSong(make_song(bars=1), 2, reporter(1)),
    ]
    eng.render_batch(songs)
    for events in seen.values():
        generate = [(d, t) for s, d, t in events if s.startswith("generate")]
        assert generate[0][0] == 0.0 and generate[-1][0] == generate[-1][1] > 0
        assert all(x[0] <= y[0] for x, y in itertools.pairwise(generate))
        assert events[-1] == ("mixdown", 1.0, 1.0)
    totals = {n: next(t for s, _, t in seen[n] if s.startswith("generate")) for n in seen}
    assert totals[0] > totals[1]  # each song counts its own steps


def test_batches_are_padded_to_a_graph_size(tokenizer: Any) -> None:
    assert [bucket(n) for n in range(1, 9)] == [1, 2, 4, 4, 8, 8, 8, 8]
    with pytest.raises(ValueError):
        bucket(9)
    eng = engine(tiny_model(True, seed=9), tokenizer, optimize="static")
    eng.render_batch([BatchSong(make_song(bars=1), 1)])
    decoder = eng._batch_decoder
    sizes: list[int] = []
    real = decoder._step
    decoder._step = lambda n: (sizes.append(n), real(n))[1]
    eng.render_batch([BatchSong(make_song(bars=1), n) for n in range(3)])
    assert set(sizes) == {4}  # three songs run as four, the fourth idle
    with pytest.raises(OptionError):
        eng.render_batch([BatchSong(make_song(bars=1), n) for n in range(9)])
    with pytest.raises(OptionError):
        eng.render_batch([])


def test_hashed_noise_is_uniform_and_salted() -> None:
    key = torch.arange(200_000)
    u = uniform(torch.tensor(window_salt(1, 0)), key)
    assert float(u.min()) > 0 and float(u.max()) < 1
    assert abs(float(u.mean()) - 0.5) < 0.005 and abs(float(u.var()) - 1 / 12) < 0.002
    v = uniform(torch.tensor(window_salt(1, 1)), key)
    assert abs(float(torch.corrcoef(torch.stack([u, v]))[0, 1])) < 0.01
    assert window_salt(1, 0) != window_salt(2, 0) != window_salt(1, 1)


def test_compose_batch_renders_each_request_and_keeps_bad_input_apart(
    tokenizer: Any, tmp_path: Any
) -> None:
    from composer.music.compose import SongOptions
    from composer.pipeline import Composition, Request, compose_batch, save
    from composer.storage import open_album

    eng = engine(tiny_model(True, seed=10), tokenizer, optimize="static")
    ten = SongOptions(length_s=10.0)
    good = Request(moment="a warm evening by the sea", engine="musicgen", song=ten, seed=5)
    other = Request(moment="we did it, the whole team cheering", engine="musicgen", song=ten)
    bad = Request(engine="musicgen", song=ten)  # nothing to compose
    seen: list[list[tuple[str, float, float]]] = [[], [], []]
    calls = [lambda s, d, t, n=n: seen[n].append((s, d, t)) for n in range(3)]
    results = compose_batch([good, bad, other], calls, engine=eng)
    assert isinstance(results[1], OptionError)
    assert isinstance(results[0], Composition) and isinstance(results[2], Composition)
    assert results[0].audio is not None and results[0].song.seed == 5
    alone = compose_batch([good], engine=eng)[0]
    assert isinstance(alone, Composition) and alone.audio is not None
    assert np.array_equal(alone.audio.samples, results[0].audio.samples)
    assert seen[0][-1] == ("done", 4, 4) and ("done", 4, 4) not in seen[1]
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(seen[0]) if a[0] == b[0])
    album = open_album(tmp_path / "scores")
    first = save(results[0], good, album, "job-1", once=True)
    again = save(results[0], good, album, "job-1", once=True)  # a redelivered job
    assert first.id == again.id == "job-1" and [r.id for r in album.list()] == ["job-1"]
    assert album.score("job-1")["options"]["engine"] == "musicgen"
    assert album.get("job-1").audio is not None
