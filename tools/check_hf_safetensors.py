#!/usr/bin/env python3
"""Check that a model folder written by Chorus opens with the Hugging Face stack.

    python3 tools/check_hf_safetensors.py MODEL_DIR [--forward]

Prints config.json's shape fields and every tensor's name, dtype and shape, checks the tensor set against
what LlamaForCausalLM expects, and - when `torch` and `transformers` are installed - loads the folder
with LlamaForCausalLM.from_pretrained (strictly: missing or unexpected weights fail) and, with --forward,
runs one forward pass. Without the `safetensors` package it parses the file itself (header + numpy), which
is an independent reader of our format. Exit code 0 when every available check passed, 1 otherwise.
"""
import argparse
import json
import os
import struct
import sys


def read_safetensors(path):
    """Yields (name, dtype, shape, array-or-None) using `safetensors` if present, else a plain parser."""
    try:
        from safetensors.numpy import load_file  # type: ignore
    except ImportError:
        load_file = None
    if load_file is not None:
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
        arrays = load_file(path)
        for name, info in header.items():
            if name != "__metadata__":
                yield name, info["dtype"], list(info["shape"]), arrays[name]
        return
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n].decode("utf-8"))
    try:
        import numpy as np
    except ImportError:
        np = None
    base = 8 + n
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = None
        if np is not None and info["dtype"] == "F32":
            array = np.frombuffer(data[base + begin:base + end], dtype="<f4").reshape(info["shape"])
        yield name, info["dtype"], list(info["shape"]), array


def expected_shapes(cfg):
    d, ffn, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads") or heads
    head_dim = cfg.get("head_dim") or d // heads
    shapes = {"model.embed_tokens.weight": [vocab, d], "model.norm.weight": [d]}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": [d],
            p + "self_attn.q_proj.weight": [heads * head_dim, d],
            p + "self_attn.k_proj.weight": [kv * head_dim, d],
            p + "self_attn.v_proj.weight": [kv * head_dim, d],
            p + "self_attn.o_proj.weight": [d, heads * head_dim],
            p + "post_attention_layernorm.weight": [d],
            p + "mlp.gate_proj.weight": [ffn, d],
            p + "mlp.up_proj.weight": [ffn, d],
            p + "mlp.down_proj.weight": [d, ffn],
        })
    if not cfg.get("tie_word_embeddings", False):
        shapes["lm_head.weight"] = [vocab, d]
    return shapes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--forward", action="store_true", help="also run one forward pass with transformers")
    args = parser.parse_args()

    with open(os.path.join(args.model_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    print("config:", {k: cfg.get(k) for k in ("model_type", "vocab_size", "hidden_size", "intermediate_size",
                                               "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                               "rms_norm_eps", "rope_theta", "tie_word_embeddings")})

    ok = True
    found = {}
    for name, dtype, shape, array in read_safetensors(os.path.join(args.model_dir, "model.safetensors")):
        found[name] = shape
        finite = "" if array is None else f"  finite={bool((array == array).all())}"
        print(f"{name:55s} {dtype:5s} {shape}{finite}")
    expected = expected_shapes(cfg)
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    wrong = sorted(n for n in expected if n in found and found[n] != expected[n])
    if missing or unexpected or wrong:
        ok = False
        print("MISMATCH missing:", missing, "unexpected:", unexpected, "wrong shape:", wrong)
    else:
        print(f"tensor set OK: {len(found)} tensors")

    try:
        import torch
        from transformers import LlamaForCausalLM
    except ImportError as e:
        print(f"transformers check skipped ({e.name} not installed)")
        return 0 if ok else 1
    model, info = LlamaForCausalLM.from_pretrained(args.model_dir, output_loading_info=True)
    print("from_pretrained:", {k: v for k, v in info.items() if v})
    if info.get("missing_keys") or info.get("unexpected_keys") or info.get("mismatched_keys"):
        ok = False
    if args.forward:
        ids = torch.arange(min(8, cfg["vocab_size"])).unsqueeze(0)
        with torch.no_grad():
            logits = model(ids).logits
        print("forward logits", tuple(logits.shape), "finite", bool(torch.isfinite(logits).all()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
