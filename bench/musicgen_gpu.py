"""MusicGen decoding speed: stock ``generate`` vs our static-cache decoder, side by side.

Builds randomly initialised models with the *real* published architectures (no download;
speed does not depend on the weights' values) and measures, at batch 1 with
classifier-free guidance (both branches in one batch of 2), top-k 250 sampling:

* ``decode``: decoding steps per second in the steady state (50 steps = 1 s of audio);
* ``e2e``: steps per second for a whole window, prefill and EnCodec decode included;
* ``peak``: peak GPU memory (weights included);
* ``prepare``: one-off set-up of the fast modes (graph capture, torch.compile, warm-up).

Modes: ``stock`` (transformers ``generate``: dynamic cache, SDPA attention), ``static``
(:class:`composer.engines.fastgen.StaticDecoder`, eager), ``graph`` (+ CUDA graph, the engine's
default on CUDA), ``compile`` (+ ``torch.compile`` before capture). Target on an H100: the
1.5 B melody model >= 200 steps/s and >= 3x stock.

Architectures (from transformers' conversion scripts, which wrote the Hub ``config.json``
files: ``convert_musicgen_transformers.py``, ``convert_musicgen_melody_transformers.py``,
``convert_encodec_checkpoint_to_pytorch.py``):

* musicgen-small: decoder hidden 1024, 24 layers, 16 heads, ffn 4096, 4 codebooks of 2048;
* musicgen-melody: decoder hidden 1536, 48 layers, 24 heads, ffn 6144, 4 codebooks,
  chroma_length 235; both with the t5-base text encoder (d_model 768, 12 layers, 12 heads,
  d_ff 3072, vocab 32128) and EnCodec 32 kHz (ratios 8·5·4·4, 64 filters, codebook 2048,
  bandwidth 2.2 kbps → 4 codebooks at 50 Hz).

Usage::

    python bench/musicgen_gpu.py                      # CUDA, small + melody, 500 steps
    python bench/musicgen_gpu.py --device cpu --tiny  # tiny configs, proves it runs
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
import transformers

from composer.engines.fastgen import StaticDecoder
from composer.engines.musicgen import keep_text_encoder_float32

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
TEXT_TOKENS = 24  # a typical prompt from composer.engines.prompt


def configs(name: str, tiny: bool) -> tuple[Any, Any, dict[str, Any]]:
    """(model class, config, decoder kwargs) for ``small``/``melody``, real or tiny."""
    if tiny:
        t5 = transformers.T5Config(
            vocab_size=64, d_model=32, d_kv=8, d_ff=64, num_layers=1, num_heads=4,
            pad_token_id=0, eos_token_id=1,
        )  # fmt: skip
        codec = transformers.EncodecConfig(
            sampling_rate=16_000, upsampling_ratios=[8, 5, 4, 2], codebook_size=64,
            target_bandwidths=[1.2], num_filters=4, hidden_size=16, num_lstm_layers=1,
            use_causal_conv=False, use_conv_shortcut=False, normalize=False,
        )  # fmt: skip
        dec: dict[str, Any] = dict(
            vocab_size=64, hidden_size=32, ffn_dim=64, num_hidden_layers=2,
            num_attention_heads=4, num_codebooks=4, pad_token_id=64, bos_token_id=64,
        )  # fmt: skip
        chroma_length = 24
    else:
        t5 = transformers.T5Config(
            vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12,
            feed_forward_proj="relu", pad_token_id=0, eos_token_id=1,
        )  # fmt: skip
        codec = transformers.EncodecConfig(
            sampling_rate=32_000, upsampling_ratios=[8, 5, 4, 4], target_bandwidths=[2.2],
            num_filters=64, codebook_size=2048, use_causal_conv=False, normalize=False,
            use_conv_shortcut=False,
        )  # fmt: skip
        size = (1024, 24, 16) if name == "small" else (1536, 48, 24)
        dec = dict(
            vocab_size=2048, hidden_size=size[0], ffn_dim=4 * size[0], num_hidden_layers=size[1],
            num_attention_heads=size[2], num_codebooks=4, pad_token_id=2048, bos_token_id=2048,
        )  # fmt: skip
        chroma_length = 235
    config: Any
    if name == "melody":
        config = transformers.MusicgenMelodyConfig(
            text_encoder=t5.to_dict(),
            audio_encoder=codec.to_dict(),
            decoder=transformers.MusicgenMelodyDecoderConfig(**dec).to_dict(),
            chroma_length=chroma_length,
        )
        return transformers.MusicgenMelodyForConditionalGeneration, config, dec
    config = transformers.MusicgenConfig(
        text_encoder=t5.to_dict(),
        audio_encoder=codec.to_dict(),
        decoder=transformers.MusicgenDecoderConfig(**dec).to_dict(),
    )
    return transformers.MusicgenForConditionalGeneration, config, dec


def build(name: str, tiny: bool, device: str, dtype: torch.dtype) -> Any:
    cls, config, dec = configs(name, tiny)
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = cls(config)
    finally:
        torch.set_default_dtype(previous)
    model.audio_encoder.float()
    keep_text_encoder_float32(model)  # as the engine loads it: T5 in float32
    model.generation_config.decoder_start_token_id = dec["bos_token_id"]
    model.generation_config.pad_token_id = dec["pad_token_id"]
    return model.eval()


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def peak_gib(device: str) -> float:
    return torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else float("nan")


def inputs(model: Any, melody: bool, device: str) -> dict[str, Any]:
    vocab = model.config.text_encoder.vocab_size
    out: dict[str, Any] = {
        "input_ids": torch.randint(2, vocab, (1, TEXT_TOKENS), device=device),
        "attention_mask": torch.ones(1, TEXT_TOKENS, dtype=torch.long, device=device),
    }
    if melody:
        frames = model.config.chroma_length
        chroma = torch.zeros(1, frames, 12, device=device, dtype=model.text_encoder.dtype)
        chroma[0, torch.arange(frames), torch.randint(0, 12, (frames,))] = 1
        out["input_features"] = chroma
    return out


def run_stock(model: Any, feed: dict[str, Any], steps: int, device: str) -> dict[str, float]:
    stamps: list[float] = []

    class Clock(transformers.StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            sync(device)
            stamps.append(time.perf_counter())
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    def once(n: int) -> float:
        stamps.clear()
        sync(device)
        t0 = time.perf_counter()
        with torch.no_grad():
            model.generate(
                **feed, do_sample=True, top_k=250, guidance_scale=3.0, max_new_tokens=n,
                stopping_criteria=transformers.StoppingCriteriaList([Clock()]),
            )  # fmt: skip
        sync(device)
        return time.perf_counter() - t0

    once(min(steps, 20))  # warm-up
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    total = once(steps)
    skip = min(10, len(stamps) // 4)
    decode = (len(stamps) - 1 - skip) / (stamps[-1] - stamps[skip])
    return {"decode": decode, "e2e": steps / total, "peak": peak_gib(device)}


def run_fast(
    model: Any, feed: dict[str, Any], steps: int, device: str, mode: str
) -> dict[str, float]:
    frames = steps - model.decoder.num_codebooks + 1
    t0 = time.perf_counter()
    decoder = StaticDecoder(
        model, max_frames=frames, max_text=TEXT_TOKENS, graph=mode != "static",
        compile=mode == "compile",
    )  # fmt: skip
    decoder.configure(guidance=3.0, top_k=250)
    decoder.prepare()  # CUDA graph capture (and torch.compile, which runs on first call)
    cond = decoder.condition(feed["input_ids"], feed["attention_mask"], feed.get("input_features"))
    decoder.generate(cond, min(frames, 20))  # warm-up (compiles here when there is no graph)
    sync(device)
    prepare = time.perf_counter() - t0
    stamps: list[tuple[int, float]] = []

    def on_step(done: int) -> None:
        stamps.append((done, time.perf_counter()))  # the decoder syncs before calling

    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    sync(device)
    t0 = time.perf_counter()
    codes = decoder.generate(cond, frames, on_step=on_step, report_every=10)
    with torch.no_grad():
        model.audio_encoder.decode(codes[None, None], [None])
    sync(device)
    total = time.perf_counter() - t0
    (d0, t_first), (d1, t_last) = stamps[min(1, len(stamps) - 1)], stamps[-1]
    decode = (d1 - d0) / (t_last - t_first) if d1 > d0 else float("nan")
    result = {"decode": decode, "e2e": steps / total, "peak": peak_gib(device), "prepare": prepare}
    for warning in decoder.warnings:
        print(f"# warning: {warning}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="tiny configs (CPU smoke run)")
    parser.add_argument("--models", default="small,melody")
    parser.add_argument("--modes", default=None, help="stock,static,graph,compile")
    parser.add_argument("--steps", type=int, default=None, help="decoding steps per run")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default=None)
    args = parser.parse_args(argv)
    cuda = args.device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        print("no CUDA device; use --device cpu --tiny", file=sys.stderr)
        return 2
    steps = args.steps or (40 if args.tiny else 500)
    dtype = DTYPES[args.dtype or ("bf16" if cuda else "fp32")]
    modes = (args.modes or ("stock,static,graph,compile" if cuda else "stock,static")).split(",")
    if not cuda:
        torch.set_num_threads(1 if args.tiny else torch.get_num_threads())
    gpu = torch.cuda.get_device_name() if cuda else "cpu"
    print(
        f"# device={args.device} ({gpu}) dtype={args.dtype or str(dtype)[6:]} steps={steps} "
        f"tiny={args.tiny} torch={torch.__version__} transformers={transformers.__version__}"
    )
    for name in args.models.split(","):
        model = build(name, args.tiny, args.device, dtype)
        params = sum(p.numel() for p in model.decoder.parameters())
        label = f"musicgen-{name}{'-tiny' if args.tiny else ''}"
        attn = model.config.decoder._attn_implementation
        print(f"{label:22s} params     decoder {params / 1e6:9.3f} M  (stock attention: {attn})")
        feed = inputs(model, name == "melody", args.device)
        results: dict[str, dict[str, float]] = {}
        for mode in modes:
            if mode == "graph" and not cuda:
                print(f"{label:22s} {mode:8s} skipped: CUDA graphs need a CUDA device")
                continue
            torch.manual_seed(0)
            if mode == "stock":
                res = run_stock(model, feed, steps, args.device)
            else:
                res = run_fast(model, feed, steps, args.device, mode)
            results[mode] = res
            print(f"{label:22s} {mode:8s} decode  {res['decode']:9.1f} steps/s")
            print(f"{label:22s} {mode:8s} e2e     {res['e2e']:9.1f} steps/s")
            if cuda:
                print(f"{label:22s} {mode:8s} peak    {res['peak']:9.2f} GiB")
            if "prepare" in res:
                print(f"{label:22s} {mode:8s} prepare {res['prepare']:9.2f} s")
            if mode != "stock" and "stock" in results:
                ratio = res["decode"] / results["stock"]["decode"]
                print(f"{label:22s} {mode:8s} speedup {ratio:9.2f} x stock (decode)")
        if name == "melody" and cuda and not args.tiny:
            best = max((r["decode"], m) for m, r in results.items() if m != "stock")
            ratio = best[0] / results["stock"]["decode"] if "stock" in results else float("nan")
            ok = best[0] >= 200 and ratio >= 3
            print(
                f"target   melody >=200 steps/s and >=3x stock: {'PASS' if ok else 'FAIL'} "
                f"({best[1]}: {best[0]:.1f} steps/s, {ratio:.2f}x)"
            )
        del model
        if cuda:
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
