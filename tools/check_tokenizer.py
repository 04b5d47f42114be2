#!/usr/bin/env python3
"""Checks that Hugging Face `tokenizers` reads Chorus's tokenizer.json and agrees with its ids.

Input: a directory written by the Java utility TokenizerParityDump (chorus-core test sources):
  tokenizer.json  trained on Europarl's train split
  parity.jsonl    one {"kind", "text", "ids"} per line:
                  "europarl"/"synthetic": ids are Chorus's encoding of text; HF must encode text to the
                  same ids and decode the ids back to text;
                  "decode": ids are arbitrary (broken UTF-8 included); HF must decode them to text.

Make the input (from the repository root):
  mvn -q -pl chorus-core -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
  java -cp chorus-core/target/test-classes:chorus-core/target/classes:$(cat /tmp/cp.txt) \
       ai.chorus.core.tokenizer.TokenizerParityDump /tmp/parity 1000 500
Then:
  python3 tools/check_tokenizer.py /tmp/parity          (needs: pip install tokenizers)

Chorus encodes a literal "<|endoftext|>" inside a text as plain text; HF matches added tokens in text
unless `encode_special_tokens` is set, so this script sets it (tokenizers >= 0.15).
Where Python `tokenizers` cannot be installed (Debian 12 has no package), tools/check_tokenizer_djl.sh
runs the same check with the Rust library through DJL's Java binding.
Prints "N passed, N failed" and exits 1 on any failure.
"""
import json
import sys
from pathlib import Path

from tokenizers import Tokenizer


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out = Path(sys.argv[1])
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    if hasattr(tok, "encode_special_tokens"):
        tok.encode_special_tokens = True
    passed = failed = 0
    with open(out / "parity.jsonl", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            row = json.loads(line)
            text, ours = row["text"], row["ids"]
            theirs = ours if row["kind"] == "decode" else tok.encode(text, add_special_tokens=False).ids
            decoded = tok.decode(ours, skip_special_tokens=False)
            if theirs == ours and decoded == text:
                passed += 1
                continue
            failed += 1
            if failed <= 10:
                at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
                print(f"line {number} ({row['kind']}): ids differ at {at} of {len(ours)}/{len(theirs)}: "
                      f"ours {ours[at:at + 5]} theirs {theirs[at:at + 5]}; decode round trip {decoded == text}")
    print(f"tokenizers {getattr(__import__('tokenizers'), '__version__', '?')}: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
