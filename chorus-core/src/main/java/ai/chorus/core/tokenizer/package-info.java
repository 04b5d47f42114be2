/**
 * Byte-level BPE, compatible with Hugging Face {@code tokenizers} (GPT-2 style).
 *
 * <ul>
 *   <li>{@link ai.chorus.core.tokenizer.BpeTrainer} learns a vocabulary from texts;
 *       {@link ai.chorus.core.tokenizer.BpeTokenizer} encodes, decodes, saves and loads it as
 *       tokenizer.json, the file Hugging Face {@code Tokenizer.from_file} and {@code transformers}
 *       read.
 *   <li>Ids of a trained tokenizer: 0-255 the bytes, then the merges in the order learned, last
 *       {@code <|endoftext|>} (special). It separates documents: the caller appends it by id;
 *       {@code encode} never produces it, even for the literal text "&lt;|endoftext|&gt;".
 *   <li>Laws the tests hold: decode(encode(s)) = s for valid Unicode; same texts ⇒ byte-identical
 *       tokenizer.json on any thread count; ids equal Hugging Face's (tools/check_tokenizer.py,
 *       tools/check_tokenizer_djl.sh).
 * </ul>
 */
package ai.chorus.core.tokenizer;
