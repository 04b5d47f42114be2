#!/usr/bin/env python3
"""Checks that Chorus model folders load on their own in Hugging Face `transformers` and score as `chorus score` does.

Input: a directory with, for each model NAME,
  NAME/               a Chorus model folder as written (config.json, model.safetensors, tokenizer.json,
                      tokenizer_config.json, generation_config.json), copied away from its run
  NAME.score.json     `chorus score --model NAME --bos --json --text TEXT` plus {"text": TEXT}

tools/hf_parity.sh dump writes it (folders/); then:
  python3 tools/check_hf_folder.py DIR      (needs torch and transformers)

For each folder, from the folder alone: AutoTokenizer gives the ids Chorus scored (after its leading
<|endoftext|>, which is the tokenizer's bos token and generation_config's bos/eos id) and decodes them back
to the text; AutoModelForCausalLM (float64) gives log p(tokens[i] | tokens[..i-1]) within 1e-4 of Chorus's
logprobs. Exits 1 on any failure.
"""
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

TOLERANCE = 1e-4


def check(folder: Path, score: dict) -> list:
    faults = []
    text, tokens, logprobs = score["text"], score["tokens"], score["logprobs"]
    tok = AutoTokenizer.from_pretrained(str(folder))
    ids = tok(text)["input_ids"]
    if ids != tokens[1:]:
        faults.append(f"AutoTokenizer ids {ids[:12]}... differ from chorus's {tokens[1:13]}...")
    if tok.decode(ids) != text:
        faults.append(f"AutoTokenizer decodes to {tok.decode(ids)!r}, not the text")
    if tok.bos_token_id != tokens[0] or tok.eos_token_id != tokens[0]:
        faults.append(f"bos/eos ids {tok.bos_token_id}/{tok.eos_token_id}, expected {tokens[0]} (<|endoftext|>)")
    gen = GenerationConfig.from_pretrained(str(folder))
    if gen.eos_token_id != tokens[0] or gen.bos_token_id != tokens[0]:
        faults.append(f"generation_config bos/eos {gen.bos_token_id}/{gen.eos_token_id}, expected {tokens[0]}")
    model = AutoModelForCausalLM.from_pretrained(str(folder), torch_dtype=torch.float64)
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor([tokens])).logits[0]
    lp = torch.log_softmax(logits, dim=-1)
    ref = [float(lp[i - 1, tokens[i]]) for i in range(1, len(tokens))]
    err = max(abs(a - b) for a, b in zip(ref, logprobs))
    if len(ref) != len(logprobs) or err > TOLERANCE * max(1.0, max(abs(x) for x in ref)):
        faults.append(f"logprobs differ: max |chorus - hf float64| {err:.3e}")
    print(f"{'PASS' if not faults else 'FAIL'} {folder.name}: {len(tokens)} tokens, max |logprob diff| {err:.3e}"
          + "".join("; " + f for f in faults))
    return faults


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = Path(sys.argv[1])
    failed = 0
    cases = sorted(p for p in root.glob("*.score.json"))
    for case in cases:
        folder = root / case.name[: -len(".score.json")]
        failed += 1 if check(folder, json.loads(case.read_text(encoding="utf-8"))) else 0
    print(f"{len(cases) - failed} folders passed, {failed} failed")
    return 0 if cases and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
