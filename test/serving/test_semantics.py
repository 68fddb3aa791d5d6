#!/usr/bin/env python3
"""Request semantics of llmrun's OpenAI API (docs/serving.md), stdlib only.

Compiles models/kjv with its tokenizer (and a small chat template when
`llmc compile --chat-template` exists), starts `llmrun PLAN --port P` and
checks on loopback:
  - streamed and non-streamed output are equal (same seed, same text);
  - stop strings: the output ends right before the first one, also when it
    spans a token boundary; streaming never emits it; stop_reason;
    include_stop_str_in_output;
  - logprobs (completions and chat formats): shapes, values <= 0, the greedy
    token has the top logprob, text_offset;
  - n = 3 with a seed: 3 choices, indices 0..2, choice i equals seed + i,
    usage counts the prompt once; streamed choices interleave by index;
  - echo; rejected fields name themselves;
  - /v1/chat/completions: happy path equals /v1/completions on the rendered
    prompt, streaming, content-part arrays, each rejected field.
Usage: test_semantics.py --build BUILD_DIR [--plan KJV_PLAN]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from serving_common import (check, compile_kjv, report, request,
                            start_server as start_llmrun, stop_server)

DEADLINE = time.time() + 240  # every wait below is bounded by this too

# A small template that starts with bos_token: the chat endpoint must turn
# the "<s>" it writes into the bos id (SentencePiece does not read control
# pieces in text), so its prompt is [BOS] + the ids of the rest.
BOS = 1  # models/kjv/tokenizer.vocab: <unk> 0, <s> 1, </s> 2
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{{ m['role'] | upper }}: {{ m['content'] }}\n"
    "{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}")


def prompt_ids(client, text):
    """[BOS] + the ids of `text` (what the chat endpoint should encode)."""
    status, r = client.post("/tokenize", {"prompt": text, "add_special_tokens": False})
    return [BOS] + (r["tokens"] if status == 200 else [])


def render(messages, add_generation_prompt=True):
    """The template's text after bos_token."""
    out = "".join("%s: %s\n" % (m["role"].upper(), m["content"]) for m in messages)
    return out + ("ASSISTANT:" if add_generation_prompt else "")


def timeout():
    return max(1.0, min(60.0, DEADLINE - time.time()))


class Client:
    def __init__(self, port):
        self.port = port

    def post(self, path, body):
        status, _, payload = request(self.port, "POST", path, body, timeout=timeout())
        try:
            return status, json.loads(payload)
        except ValueError:
            return status, payload

    def stream(self, path, body):
        """Returns (status, [parsed chunks], done_seen)."""
        status, _, buf = request(self.port, "POST", path, dict(body, stream=True),
                                 timeout=timeout())
        chunks, done = [], False
        for block in buf.decode().split("\n\n"):
            if not block.strip():
                continue
            data = block[len("data: "):]
            if data == "[DONE]":
                done = True
            else:
                chunks.append(json.loads(data))
        return status, chunks, done


def start_server(llmrun, plan):
    server, port, lines, reader = start_llmrun(llmrun, plan)
    return server, Client(port), lines, reader


def expect_error(client, path, body, param, status_want=400):
    status, resp = client.post(path, body)
    err = resp.get("error") if isinstance(resp, dict) else None
    ok = status == status_want and err is not None and err.get("param") == param
    check(ok, "%s %s: want %d param %r, got %s %s" % (path, json.dumps(body)[:80],
                                                     status_want, param, status, resp))


def joined_completion(chunks):
    """Per index: (text, token_ids, finish_reason) from completion chunks."""
    out = {}
    for c in chunks:
        for ch in c["choices"]:
            t, ids, fin = out.get(ch["index"], ("", [], None))
            out[ch["index"]] = (t + ch["text"], ids + ch["token_ids"],
                                ch["finish_reason"] or fin)
    return out


def check_completions(client):
    P = "/v1/completions"
    prompt = "And God said, Let there be light"
    greedy = {"prompt": prompt, "max_tokens": 40, "temperature": 0,
              "logprobs": 2, "ignore_eos": True}
    status, full = client.post(P, greedy)
    check(status == 200, "greedy: %s %s" % (status, full))
    if status != 200:
        return
    c = full["choices"][0]
    text, ids, lp = c["text"], c["token_ids"], c["logprobs"]

    # Logprobs: one entry per token, values <= 0, greedy token on top.
    n = len(ids)
    check(len(lp["tokens"]) == n and len(lp["token_logprobs"]) == n and
          len(lp["top_logprobs"]) == n and len(lp["text_offset"]) == n,
          "logprobs lengths: %d tokens, %s" % (n, {k: len(v) for k, v in lp.items()}))
    check(all(v <= 0 for v in lp["token_logprobs"]), "logprobs > 0: %s" % lp["token_logprobs"])
    for i, (tok, v, top) in enumerate(zip(lp["tokens"], lp["token_logprobs"], lp["top_logprobs"])):
        check(tok in top and abs(top[tok] - v) < 1e-5 and max(top.values()) <= v + 1e-5
              and 1 <= len(top) <= 3,
              "logprobs[%d]: greedy %r %s not on top of %s" % (i, tok, v, top))
    # Control tokens (</s>, kept by ignore_eos) have no text.
    shown = ["" if t == "</s>" else t for t in lp["tokens"]]
    check("".join(shown) == text, "tokens %r do not join to %r" % (lp["tokens"], text))
    offs = [len("".join(shown[:i])) for i in range(n)]
    check(lp["text_offset"] == offs, "text_offset %s != %s" % (lp["text_offset"], offs))

    # Streaming equals non-streaming: greedy (with logprobs) and seeded.
    status, chunks, done = client.stream(P, greedy)
    s = joined_completion(chunks).get(0, ("", [], None))
    slp = [t for ch in chunks for t in ch["choices"][0]["logprobs"]["tokens"]]
    check(status == 200 and done and s[0] == text and s[1] == ids and slp == lp["tokens"],
          "greedy streamed %r != %r" % (s[0], text))
    seeded = {"prompt": prompt, "max_tokens": 30, "temperature": 0.9, "seed": 42}
    status, one = client.post(P, seeded)
    status2, chunks, done = client.stream(P, seeded)
    s = joined_completion(chunks).get(0, ("", [], None))
    check(status == 200 and status2 == 200 and done and
          s[0] == one["choices"][0]["text"] and s[1] == one["choices"][0]["token_ids"],
          "seeded streamed %r != %r" % (s[0], one["choices"][0]["text"]))

    # Stop strings. Token boundaries from text_offset: a stop string that
    # spans one, and one that lies inside the output.
    bounds = [o for o in lp["text_offset"][1:] if 4 <= o <= len(text) - 4]
    cases = []
    if bounds:
        b = bounds[len(bounds) // 2]
        cases.append(text[b - 2:b + 2])  # across a token boundary
    mid = text[len(text) // 2:len(text) // 2 + 3]
    cases.append(mid)
    base = dict(greedy, logprobs=None)
    for stop in cases:
        cut = text.find(stop)
        for body in (dict(base, stop=stop), dict(base, stop=["@@@", stop])):
            status, r = client.post(P, body)
            ch = r["choices"][0] if status == 200 else {}
            check(status == 200 and ch["text"] == text[:cut] and
                  ch["finish_reason"] == "stop" and ch["stop_reason"] == stop,
                  "stop %r: %r (want %r) %s" % (stop, ch.get("text"), text[:cut],
                                               ch.get("finish_reason")))
            if status == 200:
                k = len(ch["token_ids"])
                check(ch["token_ids"] == ids[:k] and r["usage"]["completion_tokens"] == k
                      and k < n, "stop %r: ids %s usage %s" % (stop, ch["token_ids"], r["usage"]))
            status, chunks, done = client.stream(P, body)
            s = joined_completion(chunks).get(0, ("", [], None))
            check(status == 200 and done and s[0] == text[:cut] and s[2] == "stop" and
                  all(stop not in c["choices"][0]["text"] for c in chunks),
                  "stop %r streamed: %r (want %r)" % (stop, s[0], text[:cut]))
        status, r = client.post(P, dict(base, stop=stop, include_stop_str_in_output=True))
        check(status == 200 and r["choices"][0]["text"] == text[:cut + len(stop)],
              "include_stop_str_in_output %r: %s" % (stop, r))
    # A stop string that never occurs changes nothing.
    status, r = client.post(P, dict(base, stop=["@@@", "###"]))
    check(status == 200 and r["choices"][0]["text"] == text and
          r["choices"][0]["finish_reason"] == "length",
          "unmatched stop: %s" % r)

    # n = 3 with a seed: choice i is the request with seed + i.
    body = dict(seeded, n=3)
    status, r = client.post(P, body)
    check(status == 200 and [c["index"] for c in r["choices"]] == [0, 1, 2],
          "n=3: %s %s" % (status, r))
    if status == 200:
        singles = [client.post(P, dict(seeded, seed=42 + i))[1]["choices"][0] for i in range(3)]
        for i in range(3):
            check(r["choices"][i]["token_ids"] == singles[i]["token_ids"],
                  "n=3 choice %d != seed %d" % (i, 42 + i))
        total = sum(len(c["token_ids"]) for c in r["choices"])
        pt = r["usage"]["prompt_tokens"]
        check(r["usage"] == {"prompt_tokens": pt, "completion_tokens": total,
                             "total_tokens": pt + total} and pt == one["usage"]["prompt_tokens"],
              "n=3 usage %s" % r["usage"])
        status, chunks, done = client.stream(P, dict(body, stream_options={"include_usage": True}))
        joined = joined_completion(chunks)
        check(status == 200 and done and sorted(joined) == [0, 1, 2] and
              all(joined[i][1] == r["choices"][i]["token_ids"] for i in range(3)) and
              all(len(c["choices"]) == 1 for c in chunks[:-1]) and
              chunks[-1]["usage"] == r["usage"],
              "n=3 streamed: %s" % {i: joined[i][1] for i in joined})
        status, r = client.post(P, dict(greedy, n=2, best_of=2, logprobs=None))
        check(status == 200 and len(r["choices"]) == 2 and
              r["choices"][0]["text"] == r["choices"][1]["text"] == text,
              "greedy n=2 best_of=2: %s" % r)

    # echo: the prompt comes first.
    status, r = client.post(P, dict(base, echo=True))
    check(status == 200 and r["choices"][0]["text"] == prompt + text, "echo: %s" % r)

    # Rejections name the field.
    b = {"prompt": "In the beginning", "max_tokens": 4}
    expect_error(client, P, dict(b, n=17), "n")
    expect_error(client, P, dict(b, n=0), "n")
    expect_error(client, P, dict(b, best_of=2), "best_of")
    expect_error(client, P, dict(b, logprobs=21), "logprobs")
    expect_error(client, P, dict(b, logprobs=True), "logprobs")
    expect_error(client, P, dict(b, stop=["a", "b", "c", "d", "e"]), "stop")
    expect_error(client, P, dict(b, stop=[1]), "stop")
    expect_error(client, P, dict(b, suffix="x"), "suffix")
    expect_error(client, P, dict(b, echo=True, logprobs=1), "echo")
    expect_error(client, P, dict(b, include_stop_str_in_output=1), "include_stop_str_in_output")
    expect_error(client, P, dict(b, frobnicate=1), "frobnicate")


def joined_chat(chunks):
    out = {}
    for c in chunks:
        for ch in c["choices"]:
            t, fin, roles = out.get(ch["index"], ("", None, []))
            d = ch["delta"]
            out[ch["index"]] = (t + (d.get("content") or ""), ch["finish_reason"] or fin,
                                roles + ([d["role"]] if "role" in d else []))
    return out


def check_chat(client, have_template):
    C = "/v1/chat/completions"
    msgs = [{"role": "system", "content": "Thou art a scribe."},
            {"role": "user", "content": "In the beginning"}]
    # kjv ends a verse with </s> at once after "ASSISTANT:"; ignore_eos
    # gives text to check.
    body = {"messages": msgs, "max_tokens": 24, "temperature": 0, "ignore_eos": True}
    if not have_template:
        expect_error(client, C, body, "messages")
        status, r = client.post(C, body)
        check("chat template" in json.dumps(r), "no template: %s" % r)
        return
    status, r = client.post(C, body)
    check(status == 200 and r["object"] == "chat.completion" and
          r["choices"][0]["message"]["role"] == "assistant",
          "chat: %s %s" % (status, r))
    if status != 200:
        return
    content = r["choices"][0]["message"]["content"]
    # Same ids as the completions endpoint on the rendered prompt.
    status, cr = client.post("/v1/completions", {"prompt": prompt_ids(client, render(msgs)),
                                                 "max_tokens": 24,
                                                 "temperature": 0, "ignore_eos": True})
    check(status == 200 and cr["choices"][0]["text"] == content and
          cr["usage"] == r["usage"],
          "chat %r %s != completions on the rendered prompt %r %s" % (
              content, r["usage"], cr["choices"][0]["text"], cr["usage"]))
    # Streaming: role first, same text.
    status, chunks, done = client.stream(C, dict(body, stream_options={"include_usage": True}))
    j = joined_chat(chunks).get(0, ("", None, []))
    check(status == 200 and done and j[0] == content and j[2] == ["assistant"] and
          chunks[0]["object"] == "chat.completion.chunk" and
          chunks[-1]["usage"] == r["usage"] and
          j[1] == r["choices"][0]["finish_reason"],
          "chat streamed %r %s != %r" % (j[0], j[1:], content))
    # Content parts join with newlines.
    parts = [{"role": "user", "content": [{"type": "text", "text": "In the"},
                                          {"type": "text", "text": "beginning"}]}]
    same = [{"role": "user", "content": "In the\nbeginning"}]
    _, a = client.post(C, dict(body, messages=parts))
    _, b2 = client.post(C, dict(body, messages=same))
    check(a["choices"][0]["message"] == b2["choices"][0]["message"],
          "content parts: %s != %s" % (a, b2))
    # Seeded n=2, stop, logprobs in chat format.
    status, r2 = client.post(C, dict(body, n=2, temperature=0.9, seed=5,
                                     logprobs=True, top_logprobs=3))
    check(status == 200 and [c["index"] for c in r2["choices"]] == [0, 1],
          "chat n=2: %s" % r2)
    if status == 200:
        for c in r2["choices"]:
            ents = c["logprobs"]["content"]
            check(all(e["logprob"] <= 0 and len(e["top_logprobs"]) == 3 and
                      (e["token"].startswith("bytes:") or
                       e["bytes"] == list(e["token"].encode())) for e in ents) and
                  "".join(e["token"] for e in ents if e["token"] != "</s>") ==
                  c["message"]["content"],
                  "chat logprobs: %s" % ents[:3])
        status, chunks, done = client.stream(C, dict(body, n=2, temperature=0.9, seed=5))
        j = joined_chat(chunks)
        check(done and [j[i][0] for i in (0, 1)] ==
              [c["message"]["content"] for c in r2["choices"]],
              "chat n=2 streamed: %s" % j)
    check(len(content) > 8, "chat: short output %r" % content)
    if len(content) > 8:
        stop = content[3:6]
        status, r3 = client.post(C, dict(body, stop=stop))
        check(status == 200 and r3["choices"][0]["message"]["content"] ==
              content[:content.find(stop)] and r3["choices"][0]["stop_reason"] == stop,
              "chat stop %r: %s" % (stop, r3))
    # continue_final_message continues the assistant's text.
    cont = msgs + [{"role": "assistant", "content": "And the"}]
    status, r4 = client.post(C, dict(body, messages=cont, continue_final_message=True,
                                     add_generation_prompt=False))
    status2, cr = client.post("/v1/completions", {
        "prompt": prompt_ids(client, render(cont, False)[:-1]), "max_tokens": 24,
        "temperature": 0,
        "ignore_eos": True})
    check(status == 200 and status2 == 200 and
          r4["choices"][0]["message"]["content"] == cr["choices"][0]["text"],
          "continue_final_message: %s %s" % (r4, cr))

    # Rejections name the field.
    expect_error(client, C, dict(body, tools=[{"type": "function", "function": {"name": "f"}}]), "tools")
    expect_error(client, C, dict(body, tool_choice="auto"), "tool_choice")
    expect_error(client, C, dict(body, response_format={"type": "json_object"}), "response_format")
    expect_error(client, C, dict(body, functions=[{"name": "f"}]), "functions")
    expect_error(client, C, dict(body, audio={"voice": "x"}), "audio")
    expect_error(client, C, dict(body, modalities=["text", "audio"]), "modalities")
    expect_error(client, C, dict(body, top_logprobs=2), "top_logprobs")
    expect_error(client, C, dict(body, top_logprobs=21, logprobs=True), "top_logprobs")
    expect_error(client, C, dict(body, messages=[]), "messages")
    expect_error(client, C, {"max_tokens": 4}, "messages")
    expect_error(client, C, dict(body, messages=[{"role": "wizard", "content": "x"}]),
                 "messages[0].role")
    expect_error(client, C, dict(body, messages=[{"role": "user", "content": [
        {"type": "text", "text": "x"},
        {"type": "image_url", "image_url": {"url": "http://x"}}]}]),
        "messages[0].content[1].type")
    expect_error(client, C, dict(body, messages=[{"role": "user", "content": 3}]),
                 "messages[0].content")
    expect_error(client, C, dict(body, continue_final_message=True), "continue_final_message")
    expect_error(client, C, dict(body, n=17), "n")
    # Still fine with the accepted no-op values.
    status, _ = client.post(C, dict(body, tool_choice="none", response_format={"type": "text"},
                                    max_completion_tokens=3, max_tokens=None))
    check(status == 200, "chat no-op values: %s" % status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--plan", help="serve this kjv plan instead of compiling one")
    args = ap.parse_args()
    llmc = os.path.join(args.build, "bin", "llmc")
    llmrun = os.path.join(args.build, "bin", "llmrun")
    start = time.time()
    tmp = tempfile.mkdtemp(prefix="llmc_semantics_")
    plan = os.path.join(tmp, "kjv.plan")
    flags = ["--max-batch", "4", "--max-num-tokens", "32"]
    helptext = subprocess.run([llmc, "compile", "--help"], capture_output=True,
                              text=True, timeout=60).stdout
    have_template = "--chat-template" in helptext
    if have_template:
        tpl = os.path.join(tmp, "chat.jinja")
        with open(tpl, "w") as f:
            f.write(CHAT_TEMPLATE)
        flags += ["--chat-template", tpl]
    if args.plan:
        plan = args.plan
    else:
        compile_kjv(llmc, plan, *flags, timeout=180)
    server, client, lines, reader = start_server(llmrun, plan)
    try:
        if args.plan:  # does the given plan have a chat template?
            _, r = client.post("/v1/chat/completions", {"messages": [
                {"role": "user", "content": "x"}], "max_tokens": 1})
            have_template = "no chat template" not in json.dumps(r)
        if not have_template:
            print("SKIP: chat happy paths: the plan has no chat template (`llmc "
                  "compile --chat-template` missing?); checking only the 400",
                  flush=True)
        check_completions(client)
        check_chat(client, have_template)
    finally:
        stop_server(server, reader)
        err = "".join(lines)
    return report("serving_semantics", err[-4000:], start)


if __name__ == "__main__":
    sys.exit(main())
