#!/usr/bin/env python3
"""Checks that Hugging Face `transformers` loads Chorus model folders as LlamaForCausalLM and agrees on logits.

Input: a directory written by the Java utility HfLogitsDump (chorus-engine test sources):
  cases.json          [{"model": DIR (relative to the dump directory, or absolute), "batch", "seq", "vocab", "logits": FILE, "ids": [...]}, ...]
  caseN.logits.f32    Chorus's logits, little-endian float32 [batch, seq, vocab]

Make it (from the repository root; pass trained expert folders to include them):
  mvn -q -pl chorus-engine test-compile
  java --add-modules=jdk.incubator.vector -cp chorus-engine/target/test-classes:chorus-engine/target/classes \
       ai.chorus.engine.model.HfLogitsDump /tmp/logits RUN/experts/e00 RUN/dense
Then:
  python3 tools/check_hf_logits.py /tmp/logits     (needs torch and transformers)

Each folder is loaded strictly (missing, unexpected or mis-shaped weights fail) in float64 and in float32 on
the CPU. The check passes when Chorus's logits are within 1e-4 of transformers' float64 logits relative to the
logits' scale: max |ours - hf64| <= 1e-4 * max(1, max |hf64|). transformers' own float32 error is printed
beside it as the yardstick of float32 rounding. Exits 1 on any failure.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import LlamaForCausalLM

TOLERANCE = 1e-4


def hf_logits(model_dir, ids, dtype):
    model, info = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=dtype, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(ids)).logits
    return logits.to(torch.float64).numpy(), problems


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = Path(sys.argv[1])
    cases = json.loads((root / "cases.json").read_text(encoding="utf-8"))
    torch.backends.cuda.matmul.allow_tf32 = False
    failed = 0
    for case in cases:
        batch, seq, vocab = case["batch"], case["seq"], case["vocab"]
        ids = np.array(case["ids"], dtype=np.int64).reshape(batch, seq)
        ours = np.fromfile(root / case["logits"], dtype="<f4").reshape(batch, seq, vocab).astype(np.float64)
        model_dir = str(root / case["model"])  # relative to the dump directory, or absolute
        ref64, problems64 = hf_logits(model_dir, ids, torch.float64)
        ref32, _ = hf_logits(model_dir, ids, torch.float32)
        scale = max(1.0, float(np.abs(ref64).max()))
        ours_err = float(np.abs(ours - ref64).max())
        hf32_err = float(np.abs(ref32 - ref64).max())
        same_argmax = float((ours.argmax(-1) == ref64.argmax(-1)).mean())
        ok = not problems64 and ours_err <= TOLERANCE * scale
        failed += 0 if ok else 1
        print(f"{'PASS' if ok else 'FAIL'} {case['model']}: [{batch}x{seq}x{vocab}] max|logit| {scale:.3f}, "
              f"max|chorus - hf float64| {ours_err:.3e} (relative {ours_err / scale:.2e}), "
              f"max|hf float32 - hf float64| {hf32_err:.3e}, same argmax {same_argmax:.4f}"
              + (f", loading problems {problems64}" if problems64 else ""))
    import transformers
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: "
          f"{len(cases) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
