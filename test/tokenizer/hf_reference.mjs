// Reference answers for check_hf_tokenizers.py from @huggingface/tokenizers
// (pure-JS Hugging Face tokenizers, in test/text-peer/node_modules):
//   node hf_reference.mjs tokenizer.json [tokenizer_config.json] < requests.jsonl
// One JSON answer per line, as llmc_tokenize gives them:
//   {"text": "...", "add_special_tokens": bool} -> {"ids": [...], "decoded": "..."}
//   {"decode": [ids]}                           -> {"text": "..."}
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import readline from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "text-peer", "package.json"));
const { Tokenizer } = require("@huggingface/tokenizers");

const [tokenizerPath, configPath] = process.argv.slice(2);
const tokenizerJson = JSON.parse(readFileSync(tokenizerPath, "utf8"));
const config = configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {};
const tokenizer = new Tokenizer(tokenizerJson, config);

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const req = JSON.parse(line);
  let out;
  try {
    if ("text" in req) {
      const ids = tokenizer.encode(req.text, {
        add_special_tokens: req.add_special_tokens ?? true,
      }).ids;
      out = { ids, decoded: ids.length ? tokenizer.decode(ids) : "" };
    } else {
      out = { text: req.decode.length ? tokenizer.decode(req.decode) : "" };
    }
  } catch (e) {
    out = { error: String(e.message || e).split("\n")[0] };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
