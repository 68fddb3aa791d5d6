// Reference renderer: @huggingface/jinja (the renderer of transformers.js),
// from test/text-peer/node_modules. Same stdin/stdout protocol as
// llmc_chat_render: {"template": SRC, "contexts": [...]} ->
// {"results": [{"text"} | {"error"}]} or {"parse_error"}.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "text-peer", "package.json"));
const { Template } = await import(require.resolve("@huggingface/jinja"));

const request = JSON.parse(readFileSync(0, "utf8"));
let template;
try {
  template = new Template(request.template);
} catch (e) {
  process.stdout.write(JSON.stringify({ parse_error: String(e.message || e) }) + "\n");
  process.exit(0);
}
const results = request.contexts.map((ctx) => {
  try {
    return { text: template.render(ctx) };
  } catch (e) {
    return { error: String(e.message || e) };
  }
});
process.stdout.write(JSON.stringify({ results }) + "\n");
