#include "serve/TokenizeHandler.h"

#include <optional>
#include <vector>

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

namespace {

// The body as a JSON object, the `model` check and the tokenizer check
// shared by both endpoints.
std::optional<ApiError> common(ServerContext &ctx, const std::string &raw,
                               json &body) {
  body = json::parse(raw, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ApiError{http::status::bad_request,
                    "the request body is not a JSON object", "",
                    "invalid_json"};
  if (body.contains("model") && !body["model"].is_null() &&
      body["model"] != ctx.opts.modelId)
    return ApiError{http::status::not_found,
                    "the model '" +
                        (body["model"].is_string()
                             ? body["model"].get<std::string>()
                             : body["model"].dump()) +
                        "' does not exist; this server has '" +
                        ctx.opts.modelId + "'",
                    "model", "model_not_found"};
  if (!ctx.tokenizer)
    return ApiError{http::status::bad_request,
                    "the plan has no tokenizer (compile it with llmc compile "
                    "--tokenizer tokenizer.model)",
                    "", ""};
  return std::nullopt;
}

} // namespace

bool handleTokenize(ServerContext &ctx, const std::string &raw,
                    ResponseWriter &w) {
  json body;
  if (std::optional<ApiError> e = common(ctx, raw, body))
    return w.sendError(*e);
  if (body.contains("messages"))
    return w.sendError(badField("messages",
                                "'messages' is not supported by /tokenize; "
                                "send the rendered text as 'prompt'",
                                "unsupported_field"));
  if (!body.contains("prompt") || !body["prompt"].is_string())
    return w.sendError(badField("prompt", "'prompt' must be a string"));
  bool special = true;
  if (body.contains("add_special_tokens") &&
      !body["add_special_tokens"].is_null()) {
    if (!body["add_special_tokens"].is_boolean())
      return w.sendError(badField("add_special_tokens",
                                  "'add_special_tokens' must be a boolean"));
    special = body["add_special_tokens"].get<bool>();
  }
  const text::Tokenizer &tok = *ctx.tokenizer;
  std::vector<TokenId> ids;
  Status st = tok.encode(body["prompt"].get<std::string>(), ids);
  if (!st.ok())
    return w.sendError({http::status::bad_request, st.message, "prompt", ""});
  // encode() adds what the spec's add_bos/add_eos say; without special
  // tokens those come off again.
  if (!special) {
    if (tok.spec().add_eos() && !ids.empty() && ids.back() == tok.eosId())
      ids.pop_back();
    if (tok.spec().add_bos() && !ids.empty() && ids.front() == tok.bosId())
      ids.erase(ids.begin());
  }
  return w.sendJson(http::status::ok,
                    {{"tokens", ids},
                     {"count", ids.size()},
                     {"max_model_len", ctx.engine.maxContext()}});
}

bool handleDetokenize(ServerContext &ctx, const std::string &raw,
                      ResponseWriter &w) {
  json body;
  if (std::optional<ApiError> e = common(ctx, raw, body))
    return w.sendError(*e);
  if (!body.contains("tokens") || !body["tokens"].is_array())
    return w.sendError(
        badField("tokens", "'tokens' must be an array of token ids"));
  std::vector<TokenId> ids;
  int32_t vocab = ctx.tokenizer->vocabSize();
  for (const json &t : body["tokens"]) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
        t.get<int64_t>() >= vocab)
      return w.sendError(badField(
          "tokens", "'tokens' must hold integer ids in [0, " +
                        std::to_string(vocab) + "), got " + t.dump()));
    ids.push_back(static_cast<TokenId>(t.get<int64_t>()));
  }
  return w.sendJson(http::status::ok, {{"prompt", ctx.tokenizer->decode(ids)}});
}

} // namespace llmc::runtime::gen
