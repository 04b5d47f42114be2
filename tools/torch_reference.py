#!/usr/bin/python3
"""Independent reference for the Chorus engine: the same Llama in plain PyTorch (no transformers).

Usage: /usr/bin/python3 tools/torch_reference.py DIR [--steps N]
       /usr/bin/python3 tools/torch_reference.py --moe DIR     (Mixtral's sparse MoE block, see moe_main)
       /usr/bin/python3 tools/torch_reference.py --distill DIR... (the distillation loss, see distill_main)

DIR holds what the Java test wrote:
  manifest.json  {"config": {hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
                             vocab_size, rms_norm_eps, rope_theta, tie_word_embeddings},
                  "batch": B, "seq": T,
                  "tensors": [{"name": HF name, "shape": [...]}, ...],      # order of params.bin
                  "optimizer": {"lr", "beta1", "beta2", "eps", "weight_decay", "grad_clip"}}
  params.bin     float32 little-endian, the tensors concatenated in manifest order
  tokens.bin     int32 little-endian, B*T input ids;  targets.bin  the same for targets

The model runs in float64 (so it is the exact side of the comparison). Writes DIR/grads.bin
(float64 LE, gradients in manifest order, of the mean cross-entropy over B*T) and prints one JSON
line {"loss": L, "step_losses": [...]}: the loss, then the losses of N AdamW steps (torch.optim.AdamW,
decay on dim >= 2, clip_grad_norm_) on the same batch, each measured before its update.
"""
import json, math, os, sys

import numpy as np
import torch
import torch.nn.functional as F


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):  # HF convention: (i, i + hd/2) pairs
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def forward(p, cfg, tokens):
    B, T = tokens.shape
    d, H = cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps = d // H, cfg["rms_norm_eps"]
    inv_freq = 1.0 / cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    x = p["model.embed_tokens.weight"][tokens]
    for i in range(cfg["num_hidden_layers"]):
        pre = "model.layers.%d." % i
        h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
        split = lambda t: t.view(B, T, H, hd).transpose(1, 2)
        q = split(h @ p[pre + "self_attn.q_proj.weight"].T)
        k = split(h @ p[pre + "self_attn.k_proj.weight"].T)
        v = split(h @ p[pre + "self_attn.v_proj.weight"].T)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        att = F.softmax(att.masked_fill(mask, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + y @ p[pre + "self_attn.o_proj.weight"].T
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        g = h @ p[pre + "mlp.gate_proj.weight"].T
        u = h @ p[pre + "mlp.up_proj.weight"].T
        x = x + (F.silu(g) * u) @ p[pre + "mlp.down_proj.weight"].T
    x = rms_norm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    return x @ head.T


def moe_block(p, x, E, k):
    """HF Mixtral's MixtralSparseMoeBlock.forward (transformers 4.x), written out: router softmax over all
    experts, top-k, renormalised, each expert w2(silu(w1 x) * w3 x) run on its tokens, index_add_ back."""
    logits = x @ p["gate.weight"].T
    routing = F.softmax(logits, dim=1)
    weights, selected = torch.topk(routing, k, dim=-1)
    weights = weights / weights.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(x)
    mask = F.one_hot(selected, num_classes=E).permute(2, 1, 0)  # [E, k, N]
    for e in range(E):
        idx, top_x = torch.where(mask[e])
        pre = "experts.%d." % e
        h = x[top_x]
        y = (F.silu(h @ p[pre + "w1.weight"].T) * (h @ p[pre + "w3.weight"].T)) @ p[pre + "w2.weight"].T
        out = out.index_add(0, top_x, y * weights[top_x, idx, None])
    return out, logits, selected


def hf_load_balancing_loss(logits, E, k):
    """HF's load_balancing_loss_func for one layer's logits (no attention mask)."""
    routing = F.softmax(logits, dim=-1)
    _, selected = torch.topk(routing, k, dim=-1)
    expert_mask = F.one_hot(selected, E)
    tokens_per_expert = torch.mean(expert_mask.to(routing.dtype), dim=0)  # [k, E]
    router_prob_per_expert = torch.mean(routing, dim=0)
    return torch.sum(tokens_per_expert * router_prob_per_expert.unsqueeze(0)) * E


def moe_main(folder):
    """DIR/moe.json {"hidden_size", "intermediate_size", "num_local_experts", "num_experts_per_tok",
    "router_aux_loss_coef", "tokens", "tensors": [{"name", "shape"}]} (HF names inside the block:
    gate.weight, experts.E.w1/w2/w3.weight); params.bin float32 in that order; x.bin, dout.bin float32
    [tokens, hidden]. In float64: y = block(x); balance = E * sum_e f_e P_e (f_e the fraction of token-slots,
    a constant); L = sum(dout * y) + coef * balance. Writes y.bin, grads.bin (dL/dx, then dL/d each tensor,
    float64) and selected.bin (int32 [tokens, k], top-k order); prints {"balance": .., "hf_aux": ..}."""
    man = json.load(open(os.path.join(folder, "moe.json")))
    d, E, k, N = man["hidden_size"], man["num_local_experts"], man["num_experts_per_tok"], man["tokens"]
    flat = np.fromfile(os.path.join(folder, "params.bin"), dtype="<f4").astype(np.float64)
    params, names, at = {}, [], 0
    for t in man["tensors"]:
        n = int(np.prod(t["shape"]))
        params[t["name"]] = torch.tensor(flat[at:at + n].reshape(t["shape"]), requires_grad=True)
        names.append(t["name"])
        at += n
    assert at == flat.size, "params.bin size does not match moe.json"
    read = lambda name: torch.from_numpy(np.fromfile(os.path.join(folder, name), dtype="<f4").astype(np.float64))
    x = read("x.bin").view(N, d).requires_grad_(True)
    dout = read("dout.bin").view(N, d)
    y, logits, selected = moe_block(params, x, E, k)
    probs = F.softmax(logits, dim=-1)
    f = F.one_hot(selected, E).sum(dim=(0, 1)).to(torch.float64) / (N * k)  # no gradient: a count
    balance = E * torch.sum(f * probs.mean(dim=0))
    hf_aux = hf_load_balancing_loss(logits, E, k)
    loss = torch.sum(dout * y) + man["router_aux_loss_coef"] * balance
    loss.backward()
    y.detach().numpy().astype("<f8").tofile(os.path.join(folder, "y.bin"))
    np.concatenate([x.grad.numpy().ravel()] + [params[n].grad.numpy().ravel() for n in names]).astype(
        "<f8").tofile(os.path.join(folder, "grads.bin"))
    selected.numpy().astype("<i4").tofile(os.path.join(folder, "selected.bin"))
    print(json.dumps({"balance": balance.item(), "hf_aux": hf_aux.item()}))


def distill_main(folder):
    """DIR/distill.json {"rows", "vocab", "alpha", "temperature", "layout": "probabilities" | "log_probabilities"
    | "sparse", "m"}; logits.bin float32 [rows, vocab]; targets.bin int32 [rows]; the teacher: teacher.bin
    float32 [rows, vocab] (full layouts), or ids.bin int32 and logp.bin float32 [rows, m] (sparse: the
    remaining mass 1 - sum exp(logp) spread evenly over the vocab - m other tokens). In float64 with torch's
    own kl_div / log_softmax / cross_entropy: p_T = softmax(log p / T), q_T = log_softmax(z / T),
    L = alpha * T^2 * kl_div(q_T, p_T, batchmean) + (1 - alpha) * cross_entropy(z, labels) (Hinton's T^2).
    Writes losses.bin (float64 [rows], per-row loss) and grads.bin (float64 [rows, vocab], dL/dz of the
    mean); prints {"loss": L}."""
    man = json.load(open(os.path.join(folder, "distill.json")))
    R, V, alpha, T = man["rows"], man["vocab"], man["alpha"], man["temperature"]
    read = lambda name, dt: np.fromfile(os.path.join(folder, name), dtype=dt)
    z = torch.from_numpy(read("logits.bin", "<f4").astype(np.float64)).view(R, V).requires_grad_(True)
    labels = torch.from_numpy(read("targets.bin", "<i4").astype(np.int64))
    if man["layout"] == "sparse":
        m = man["m"]
        ids = torch.from_numpy(read("ids.bin", "<i4").astype(np.int64)).view(R, m)
        top = torch.from_numpy(read("logp.bin", "<f4").astype(np.float64)).view(R, m).exp()
        rest = (1 - top.sum(-1, keepdim=True)).clamp(min=0) / (V - m) if m < V else torch.zeros(R, 1, dtype=torch.float64)
        p = rest.expand(R, V).clone().scatter(1, ids, top)
    else:
        t = torch.from_numpy(read("teacher.bin", "<f4").astype(np.float64)).view(R, V)
        p = t if man["layout"] == "probabilities" else t.exp()
    p_t = F.softmax(p.log() / T, dim=-1)  # p^(1/T), renormalised; log 0 = -inf gives 0
    log_q_t = F.log_softmax(z / T, dim=-1)
    kl_rows = F.kl_div(log_q_t, p_t, reduction="none").sum(-1)
    ce_rows = F.cross_entropy(z, labels, reduction="none")
    loss = alpha * T * T * F.kl_div(log_q_t, p_t, reduction="batchmean") + (1 - alpha) * F.cross_entropy(z, labels)
    loss.backward()
    (alpha * T * T * kl_rows + (1 - alpha) * ce_rows).detach().numpy().astype("<f8").tofile(
        os.path.join(folder, "losses.bin"))
    z.grad.numpy().astype("<f8").tofile(os.path.join(folder, "grads.bin"))
    print(json.dumps({"loss": loss.item()}))


def main():
    if sys.argv[1] == "--moe":
        moe_main(sys.argv[2])
        return
    if sys.argv[1] == "--distill":
        for folder in sys.argv[2:]:  # several cases, one torch import
            distill_main(folder)
        return
    folder = sys.argv[1]
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 0
    man = json.load(open(os.path.join(folder, "manifest.json")))
    cfg, B, T = man["config"], man["batch"], man["seq"]
    flat = np.fromfile(os.path.join(folder, "params.bin"), dtype="<f4").astype(np.float64)
    params, names, at = {}, [], 0
    for t in man["tensors"]:
        n = int(np.prod(t["shape"]))
        params[t["name"]] = torch.tensor(flat[at:at + n].reshape(t["shape"]), requires_grad=True)
        names.append(t["name"])
        at += n
    assert at == flat.size, "params.bin size does not match the manifest"
    tokens = torch.from_numpy(np.fromfile(os.path.join(folder, "tokens.bin"), dtype="<i4").astype(np.int64)).view(B, T)
    targets = torch.from_numpy(np.fromfile(os.path.join(folder, "targets.bin"), dtype="<i4").astype(np.int64)).view(-1)
    V = cfg["vocab_size"]

    loss = F.cross_entropy(forward(params, cfg, tokens).view(-1, V), targets)
    loss.backward()
    np.concatenate([params[n].grad.numpy().ravel() for n in names]).astype("<f8").tofile(
        os.path.join(folder, "grads.bin"))

    step_losses = []
    if steps:
        o = man["optimizer"]
        decay = [params[n] for n in names if params[n].dim() >= 2]
        no_decay = [params[n] for n in names if params[n].dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": o["weight_decay"]},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            l = F.cross_entropy(forward(params, cfg, tokens).view(-1, V), targets)
            l.backward()
            torch.nn.utils.clip_grad_norm_([params[n] for n in names], o["grad_clip"])
            opt.step()
            step_losses.append(l.item())
    print(json.dumps({"loss": loss.item(), "step_losses": step_losses}))


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
