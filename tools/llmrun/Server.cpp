// The HTTP server of `llmrun PLAN` (docs/serving.md). HTTP parsing and
// writing is Boost.Beast's; JSON is nlohmann's.
//
// Threads: the main thread accepts connections and waits for SIGTERM/SIGINT
// (Asio); each connection gets a thread that reads requests, validates them
// and submits completions to the engine thread, which alone owns the
// GenerationSession and steps it while anything is unfinished. New requests
// join at the next step (continuous batching across HTTP requests).
#include "Server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <poll.h>
#include <sys/socket.h>

namespace llmc::runtime::gen {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;

// ---------------------------------------------------------------- engine

// What a connection thread and the engine thread share for one request.
struct Channel {
  std::mutex m;
  std::condition_variable cv;
  std::vector<TokenId> tokens; // generated so far
  bool done = false;
  FinishReason reason = FinishReason::None;
  std::string error;
  std::atomic<bool> cancelled{false}; // the client went away
};

class EngineThread {
public:
  EngineThread(const GenerationConfig &config, StepExecutor &executor)
      : session_(config, executor) {}

  Status init() {
    LLMC_RETURN_IF_ERROR(session_.init());
    maxContext_ = session_.scheduler().maxContext();
    return Status::success();
  }
  int64_t maxContext() const { return maxContext_; }

  void start() { thread_ = std::thread([this] { loop(); }); }

  void submit(GenerationRequest request, std::shared_ptr<Channel> ch) {
    {
      std::lock_guard<std::mutex> l(m_);
      pending_.push_back({std::move(request), std::move(ch)});
    }
    cv_.notify_one();
  }

  // Finishes what was submitted, then ends the thread.
  void stopAndJoin() {
    {
      std::lock_guard<std::mutex> l(m_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable())
      thread_.join();
  }

private:
  struct Job {
    GenerationRequest request;
    std::shared_ptr<Channel> ch;
  };

  void loop() {
    std::vector<StepToken> tokens;
    for (;;) {
      std::deque<Job> jobs;
      {
        std::unique_lock<std::mutex> l(m_);
        cv_.wait(l, [&] {
          return stop_ || !pending_.empty() || session_.hasUnfinished();
        });
        if (stop_ && pending_.empty() && !session_.hasUnfinished())
          return;
        jobs.swap(pending_);
      }
      for (Job &j : jobs)
        live_[session_.add(std::move(j.request))] = std::move(j.ch);
      for (auto &[seq, ch] : live_)
        if (ch->cancelled.load())
          session_.abort(seq, "cancelled: the client went away");
      tokens.clear();
      Status st = session_.step(&tokens);
      if (!st.ok()) {
        std::cerr << "llmrun: error: " << st.message << "\n";
        for (auto &[seq, ch] : live_)
          session_.abort(seq, st.message);
      }
      for (const StepToken &t : tokens) {
        auto it = live_.find(t.seq);
        if (it == live_.end())
          continue;
        std::lock_guard<std::mutex> l(it->second->m);
        it->second->tokens.push_back(t.tokenId);
        it->second->cv.notify_all();
      }
      for (SeqId seq : session_.takeFinished()) {
        auto it = live_.find(seq);
        if (it == live_.end())
          continue;
        const Sequence &s = session_.sequence(seq);
        {
          std::lock_guard<std::mutex> l(it->second->m);
          it->second->tokens = s.outputIds;
          it->second->reason = s.finishReason;
          it->second->error = s.error;
          it->second->done = true;
          it->second->cv.notify_all();
        }
        live_.erase(it);
        session_.release(seq);
      }
    }
  }

  GenerationSession session_;
  int64_t maxContext_ = 0;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> pending_;
  bool stop_ = false;
  std::map<SeqId, std::shared_ptr<Channel>> live_; // engine thread only
};

// ---------------------------------------------------------------- errors

struct ApiError {
  http::status status = http::status::bad_request;
  std::string message;
  std::string param; // "" -> null
  std::string code;  // "" -> null
};

json errorJson(const ApiError &e) {
  const char *type = "invalid_request_error";
  if (e.status == http::status::not_found)
    type = "not_found_error";
  else if (static_cast<int>(e.status) >= 500)
    type = "server_error";
  json err = {{"message", e.message}, {"type", type}, {"param", nullptr},
              {"code", nullptr}};
  if (!e.param.empty())
    err["param"] = e.param;
  if (!e.code.empty())
    err["code"] = e.code;
  return json{{"error", err}};
}

ApiError badField(const std::string &field, const std::string &message,
                  const std::string &code = "") {
  return {http::status::bad_request, message, field, code};
}

std::string dumpJson(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---------------------------------------------------------------- requests

struct Completion {
  GenerationRequest request;
  bool stream = false;
  bool includeUsage = false; // stream_options.include_usage
};

// Fields the server reads; anything else is rejected with its name.
const std::set<std::string> kKnownFields = {
    "model", "prompt", "max_tokens", "temperature", "top_p", "top_k",
    "min_p", "seed", "stop_token_ids", "presence_penalty",
    "frequency_penalty", "repetition_penalty", "ignore_eos", "stream",
    "stream_options", "n", "best_of", "echo", "logprobs", "stop", "suffix",
    "logit_bias", "user"};

class CompletionParser {
public:
  CompletionParser(const json &body, const std::string &modelId,
                   const text::Tokenizer *tokenizer, int32_t vocab,
                   int64_t maxContext)
      : b_(body), modelId_(modelId), tok_(tokenizer), vocab_(vocab),
        maxContext_(maxContext) {}

  std::optional<ApiError> parse(Completion &out) {
    if (!b_.is_object())
      return badField("", "the request body must be a JSON object");
    for (auto it = b_.begin(); it != b_.end(); ++it)
      if (!kKnownFields.count(it.key()))
        return badField(it.key(), "unsupported field '" + it.key() +
                                      "' (docs/serving.md lists the "
                                      "supported fields)",
                        "unsupported_field");
    if (has("model")) {
      if (!b_["model"].is_string())
        return badField("model", "'model' must be a string");
      if (b_["model"].get<std::string>() != modelId_)
        return ApiError{http::status::not_found,
                        "the model '" + b_["model"].get<std::string>() +
                            "' does not exist (this server has '" + modelId_ +
                            "')",
                        "model", "model_not_found"};
    }
    // Accepted only at their no-op values.
    if (auto e = onlyValue("n", 1)) return e;
    if (auto e = onlyValue("best_of", 1)) return e;
    if (has("echo") && !(b_["echo"].is_boolean() && !b_["echo"].get<bool>()))
      return unsupported("echo", "'echo' is not supported");
    if (has("logprobs"))
      return unsupported("logprobs", "'logprobs' is not supported yet");
    if (has("suffix"))
      return unsupported("suffix", "'suffix' is not supported");
    if (has("logit_bias") &&
        !(b_["logit_bias"].is_object() && b_["logit_bias"].empty()))
      return unsupported("logit_bias", "'logit_bias' is not supported");
    if (has("stop")) {
      const json &s = b_["stop"];
      bool empty = (s.is_string() && s.get<std::string>().empty()) ||
                   (s.is_array() && s.empty());
      if (!empty)
        return unsupported("stop", "stop strings are not supported yet; use "
                                   "'stop_token_ids'");
    }
    if (has("user") && !b_["user"].is_string())
      return badField("user", "'user' must be a string");

    SamplingParams &p = out.request.params;
    p.maxTokens = 16; // OpenAI's default for completions
    if (auto e = getInt("max_tokens", p.maxTokens, 1, INT32_MAX)) return e;
    if (auto e = getFloat("temperature", p.temperature, 0, 1e6)) return e;
    if (auto e = getFloat("top_p", p.topP, 1e-9, 1)) return e;
    if (auto e = getInt("top_k", p.topK, -1, INT32_MAX)) return e;
    if (auto e = getFloat("min_p", p.minP, 0, 1)) return e;
    if (auto e = getFloat("presence_penalty", p.presencePenalty, -2, 2))
      return e;
    if (auto e = getFloat("frequency_penalty", p.frequencyPenalty, -2, 2))
      return e;
    if (auto e = getFloat("repetition_penalty", p.repetitionPenalty, 1e-9, 1e6))
      return e;
    if (auto e = getBool("ignore_eos", p.ignoreEos)) return e;
    if (auto e = getBool("stream", out.stream)) return e;
    if (has("seed")) {
      const json &s = b_["seed"];
      if (!s.is_number_integer())
        return badField("seed", "'seed' must be an integer");
      p.hasSeed = true;
      p.seed = s.is_number_unsigned() ? s.get<uint64_t>()
                                      : static_cast<uint64_t>(s.get<int64_t>());
    }
    if (has("stop_token_ids")) {
      const json &s = b_["stop_token_ids"];
      if (!s.is_array())
        return badField("stop_token_ids",
                        "'stop_token_ids' must be an array of token ids");
      for (const json &t : s) {
        if (!t.is_number_integer())
          return badField("stop_token_ids",
                          "'stop_token_ids' must be an array of token ids");
        p.stopTokenIds.push_back(static_cast<TokenId>(t.get<int64_t>()));
      }
    }
    if (has("stream_options")) {
      const json &so = b_["stream_options"];
      if (!so.is_object())
        return badField("stream_options", "'stream_options' must be an object");
      if (!out.stream)
        return badField("stream_options",
                        "'stream_options' is only allowed with \"stream\": "
                        "true");
      for (auto it = so.begin(); it != so.end(); ++it) {
        if (it.key() != "include_usage" || !it.value().is_boolean())
          return badField("stream_options",
                          "'stream_options' supports only \"include_usage\": "
                          "true/false");
        out.includeUsage = it.value().get<bool>();
      }
    }
    return parsePrompt(out.request.promptIds);
  }

private:
  bool has(const char *k) const {
    auto it = b_.find(k);
    return it != b_.end() && !it->is_null();
  }
  static ApiError unsupported(const std::string &f, const std::string &m) {
    return badField(f, m, "unsupported_field");
  }
  std::optional<ApiError> onlyValue(const char *k, int64_t v) {
    if (!has(k))
      return std::nullopt;
    if (!b_[k].is_number_integer())
      return badField(k, std::string("'") + k + "' must be an integer");
    if (b_[k].get<int64_t>() != v)
      return unsupported(k, std::string("'") + k + "' must be " +
                                std::to_string(v) + " (only one choice per "
                                                    "request is supported)");
    return std::nullopt;
  }
  std::optional<ApiError> getInt(const char *k, int32_t &v, int64_t lo,
                                 int64_t hi) {
    if (!has(k))
      return std::nullopt;
    const json &j = b_[k];
    if (!j.is_number_integer())
      return badField(k, std::string("'") + k + "' must be an integer");
    bool inRange = j.is_number_unsigned()
                       ? j.get<uint64_t>() <= uint64_t(hi) &&
                             int64_t(j.get<uint64_t>()) >= lo
                       : j.get<int64_t>() >= lo && j.get<int64_t>() <= hi;
    if (!inRange)
      return badField(k, std::string("'") + k + "' must be between " +
                             std::to_string(lo) + " and " +
                             std::to_string(hi));
    v = static_cast<int32_t>(j.get<int64_t>());
    return std::nullopt;
  }
  std::optional<ApiError> getFloat(const char *k, float &v, double lo,
                                   double hi) {
    if (!has(k))
      return std::nullopt;
    const json &j = b_[k];
    if (!j.is_number())
      return badField(k, std::string("'") + k + "' must be a number");
    double d = j.get<double>();
    if (!(d >= lo && d <= hi))
      return badField(k, std::string("'") + k + "' must be between " +
                             json(lo).dump() + " and " + json(hi).dump());
    v = static_cast<float>(d);
    return std::nullopt;
  }
  std::optional<ApiError> getBool(const char *k, bool &v) {
    if (!has(k))
      return std::nullopt;
    if (!b_[k].is_boolean())
      return badField(k, std::string("'") + k + "' must be true or false");
    v = b_[k].get<bool>();
    return std::nullopt;
  }

  std::optional<ApiError> parsePrompt(std::vector<TokenId> &ids) {
    if (!has("prompt"))
      return badField("prompt", "'prompt' is required");
    json prompt = b_["prompt"];
    // One prompt in a list (["text"] or [[1, 2]]) is that prompt.
    if (prompt.is_array() && prompt.size() == 1 &&
        (prompt[0].is_string() || prompt[0].is_array()))
      prompt = json(prompt[0]);
    if (prompt.is_string()) {
      if (!tok_)
        return badField("prompt",
                        "this plan has no tokenizer, so 'prompt' must be an "
                        "array of token ids (compile with llmc compile "
                        "--tokenizer to accept text)");
      Status st = tok_->encode(prompt.get<std::string>(), ids);
      if (!st.ok())
        return badField("prompt", "cannot encode 'prompt': " + st.message);
    } else if (prompt.is_array()) {
      for (const json &t : prompt) {
        if (t.is_string() || t.is_array())
          return unsupported("prompt", "only one prompt per request is "
                                       "supported");
        if (!t.is_number_integer())
          return badField("prompt", "'prompt' must be a string or an array "
                                    "of token ids");
        int64_t id = t.get<int64_t>();
        if (id < 0 || id >= vocab_)
          return badField("prompt", "prompt token id " + std::to_string(id) +
                                        " is outside the vocabulary (size " +
                                        std::to_string(vocab_) + ")");
        ids.push_back(static_cast<TokenId>(id));
      }
    } else {
      return badField("prompt",
                      "'prompt' must be a string or an array of token ids");
    }
    if (ids.empty())
      return badField("prompt", "'prompt' is empty (it encodes to no tokens)");
    int64_t n = static_cast<int64_t>(ids.size());
    if (n >= maxContext_)
      return badField("prompt",
                      "the prompt has " + std::to_string(n) +
                          " tokens but the model's context is " +
                          std::to_string(maxContext_) +
                          " tokens, and at least one must be left to generate",
                      "context_length_exceeded");
    return std::nullopt;
  }

  const json &b_;
  const std::string &modelId_;
  const text::Tokenizer *tok_;
  int32_t vocab_;
  int64_t maxContext_;
};

// ---------------------------------------------------------------- server

class Server {
public:
  Server(const ServerOptions &opts, EngineThread &engine,
         const text::Tokenizer *tok, int32_t vocab)
      : opts_(opts), engine_(engine), tok_(tok), vocab_(vocab),
        created_(static_cast<int64_t>(std::time(nullptr))) {}

  void startConnection(tcp::socket sock) {
    int id;
    {
      std::lock_guard<std::mutex> l(m_);
      id = nextConn_++;
      conns_[id] = Conn{nullptr, false};
      ++active_;
    }
    auto owned = std::make_unique<tcp::socket>(std::move(sock));
    std::thread([this, id, s = std::move(owned)]() mutable {
      connection(id, *s);
      s.reset(); // before serve() may return and destroy the io_context
      std::lock_guard<std::mutex> l(m_);
      conns_.erase(id);
      --active_;
      doneCv_.notify_all();
    }).detach();
  }

  // Stops reading new requests: idle connections are shut down, busy ones
  // close after their response. Waits until every connection has ended.
  void drain() {
    std::unique_lock<std::mutex> l(m_);
    stopping_ = true;
    for (auto &[id, c] : conns_)
      if (c.idle && c.sock) {
        beast::error_code ec;
        c.sock->shutdown(tcp::socket::shutdown_both, ec);
      }
    doneCv_.wait(l, [&] { return active_ == 0; });
  }

private:
  struct Conn {
    tcp::socket *sock;
    bool idle;
  };
  using Request = http::request<http::string_body>;

  bool setIdle(int id, tcp::socket *sock, bool idle) {
    std::lock_guard<std::mutex> l(m_);
    conns_[id] = Conn{sock, idle};
    return !stopping_;
  }
  bool stopping() {
    std::lock_guard<std::mutex> l(m_);
    return stopping_;
  }

  void connection(int id, tcp::socket &sock) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      if (!setIdle(id, &sock, true))
        break;
      http::request_parser<http::string_body> parser;
      parser.body_limit(opts_.maxRequestBytes);
      http::read(sock, buffer, parser, ec);
      setIdle(id, &sock, false);
      if (ec == http::error::end_of_stream || ec == net::error::eof ||
          ec == net::error::connection_reset || ec == net::error::shut_down)
        break;
      if (ec == http::error::body_limit) {
        sendError(sock, 11, false,
                  {http::status::payload_too_large,
                   "the request body is over --max-request-bytes (" +
                       std::to_string(opts_.maxRequestBytes) + " bytes)",
                   "", "request_too_large"});
        lingerClose(sock);
        return;
      }
      if (ec) {
        if (ec.category() ==
            http::make_error_code(http::error::body_limit).category())
          sendError(sock, 11, false,
                    {http::status::bad_request,
                     "malformed HTTP request: " + ec.message(), "", ""});
        break;
      }
      Request req = parser.release();
      bool keep = req.keep_alive() && !stopping();
      if (!handle(sock, req, keep))
        break;
      if (!keep)
        break;
    }
    sock.shutdown(tcp::socket::shutdown_send, ec);
    sock.close(ec);
  }

  // After an early error response, reads (and drops) what the client still
  // sends for a moment, so that closing does not reset the connection
  // before it reads the response.
  static void lingerClose(tcp::socket &sock) {
    beast::error_code ec;
    sock.shutdown(tcp::socket::shutdown_send, ec);
    int fd = sock.native_handle();
    char scratch[65536];
    size_t total = 0;
    for (int i = 0; i < 100 && total < (64u << 20); ++i) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0)
        break;
      ssize_t n = ::recv(fd, scratch, sizeof scratch, 0);
      if (n <= 0)
        break;
      total += static_cast<size_t>(n);
    }
    sock.close(ec);
  }

  bool sendJson(tcp::socket &sock, unsigned version, bool keep,
                http::status status, const json &body,
                const char *allow = nullptr) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::server, "llmrun");
    res.set(http::field::content_type, "application/json");
    if (allow)
      res.set(http::field::allow, allow);
    res.keep_alive(keep);
    res.body() = dumpJson(body);
    res.prepare_payload();
    beast::error_code ec;
    http::write(sock, res, ec);
    return !ec;
  }
  bool sendError(tcp::socket &sock, unsigned version, bool keep,
                 const ApiError &e, const char *allow = nullptr) {
    return sendJson(sock, version, keep, e.status, errorJson(e), allow);
  }

  // Returns false when the connection must close.
  bool handle(tcp::socket &sock, const Request &req, bool &keep) {
    std::string path(req.target());
    size_t q = path.find('?');
    if (q != std::string::npos)
      path.resize(q);
    unsigned v = req.version();
    auto wrongMethod = [&](const char *allow) {
      return sendError(sock, v, keep,
                       {http::status::method_not_allowed,
                        "method " + std::string(req.method_string()) +
                            " is not allowed on " + path + " (use " + allow +
                            ")",
                        "", "method_not_allowed"},
                       allow);
    };
    if (path == "/health") {
      if (req.method() != http::verb::get && req.method() != http::verb::head)
        return wrongMethod("GET");
      return sendJson(sock, v, keep, http::status::ok, {{"status", "ok"}});
    }
    if (path == "/v1/models") {
      if (req.method() != http::verb::get)
        return wrongMethod("GET");
      json model = {{"id", opts_.modelId},
                    {"object", "model"},
                    {"created", created_},
                    {"owned_by", "llmc"},
                    {"max_model_len", engine_.maxContext()}};
      return sendJson(sock, v, keep, http::status::ok,
                      {{"object", "list"}, {"data", json::array({model})}});
    }
    if (path == "/v1/completions") {
      if (req.method() != http::verb::post)
        return wrongMethod("POST");
      return completions(sock, req, keep);
    }
    return sendError(sock, v, keep,
                     {http::status::not_found,
                      "no such endpoint: " + path +
                          " (this server has GET /health, GET /v1/models and "
                          "POST /v1/completions)",
                      "", "not_found"});
  }

  bool completions(tcp::socket &sock, const Request &req, bool &keep) {
    unsigned v = req.version();
    json body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded())
      return sendError(sock, v, keep,
                       {http::status::bad_request,
                        "the request body is not valid JSON", "",
                        "invalid_json"});
    Completion c;
    CompletionParser parser(body, opts_.modelId, tok_, vocab_,
                            engine_.maxContext());
    if (std::optional<ApiError> e = parser.parse(c))
      return sendError(sock, v, keep, *e);

    std::string id = "cmpl-" + std::to_string(nextId_.fetch_add(1));
    int64_t created = static_cast<int64_t>(std::time(nullptr));
    c.request.id = id;
    std::vector<TokenId> prompt = c.request.promptIds;
    size_t promptTokens = prompt.size();
    auto ch = std::make_shared<Channel>();
    engine_.submit(std::move(c.request), ch);

    std::optional<text::StreamDecoder> decoder;
    if (tok_) {
      decoder.emplace(*tok_);
      decoder->prime(prompt);
    }
    auto choice = [&](const std::string &text,
                      const std::vector<TokenId> &ids,
                      const char *finish) {
      json ch = {{"index", 0}, {"text", text}, {"token_ids", ids},
                 {"logprobs", nullptr}, {"finish_reason", nullptr}};
      if (finish)
        ch["finish_reason"] = finish;
      return ch;
    };
    auto usage = [&](size_t completion) {
      return json{{"prompt_tokens", promptTokens},
                  {"completion_tokens", completion},
                  {"total_tokens", promptTokens + completion}};
    };
    auto envelope = [&](json choices) {
      return json{{"id", id},
                  {"object", "text_completion"},
                  {"created", created},
                  {"model", opts_.modelId},
                  {"choices", std::move(choices)}};
    };

    if (!c.stream) {
      std::vector<TokenId> out;
      FinishReason reason;
      std::string error;
      {
        std::unique_lock<std::mutex> l(ch->m);
        ch->cv.wait(l, [&] { return ch->done; });
        out = ch->tokens;
        reason = ch->reason;
        error = ch->error;
      }
      if (reason == FinishReason::Error)
        return sendError(sock, v, keep,
                         {http::status::internal_server_error,
                          "generation failed: " + error, "", "internal_error"});
      std::string text;
      if (decoder) {
        for (TokenId t : out)
          text += decoder->add(t);
        text += decoder->finish();
      }
      json r = envelope(
          json::array({choice(text, out, finishReasonName(reason))}));
      r["usage"] = usage(out.size());
      return sendJson(sock, v, keep, http::status::ok, r);
    }

    // Server-sent events: one chunk per step's new tokens.
    http::response<http::empty_body> res{http::status::ok, v};
    res.set(http::field::server, "llmrun");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(sock, sr, ec);
    auto event = [&](const std::string &data) {
      std::string s = "data: " + data + "\n\n";
      net::write(sock, http::make_chunk(net::buffer(s)), ec);
      return !ec;
    };
    size_t sent = 0;
    bool ok = !ec;
    for (;;) {
      std::vector<TokenId> fresh;
      bool done;
      FinishReason reason;
      std::string error;
      {
        std::unique_lock<std::mutex> l(ch->m);
        ch->cv.wait(l, [&] { return ch->done || ch->tokens.size() > sent; });
        fresh.assign(ch->tokens.begin() + static_cast<std::ptrdiff_t>(sent),
                     ch->tokens.end());
        sent = ch->tokens.size();
        done = ch->done;
        reason = ch->reason;
        error = ch->error;
      }
      if (done && reason == FinishReason::Error) {
        if (ok)
          ok = event(dumpJson(errorJson({http::status::internal_server_error,
                                         "generation failed: " + error, "",
                                         "internal_error"})));
        break;
      }
      std::string text;
      if (decoder)
        for (TokenId t : fresh)
          text += decoder->add(t);
      if (done && decoder)
        text += decoder->finish();
      if (ok && (!fresh.empty() || !text.empty() || done))
        ok = event(dumpJson(envelope(json::array(
            {choice(text, fresh, done ? finishReasonName(reason) : nullptr)}))));
      if (!ok)
        ch->cancelled = true; // the engine aborts it at its next step
      if (done) {
        if (ok && c.includeUsage) {
          json u = envelope(json::array());
          u["usage"] = usage(sent);
          ok = event(dumpJson(u));
        }
        break;
      }
    }
    if (!ok)
      return false;
    if (!event("[DONE]"))
      return false;
    net::write(sock, http::make_chunk_last(), ec);
    return !ec;
  }

  const ServerOptions &opts_;
  EngineThread &engine_;
  const text::Tokenizer *tok_;
  int32_t vocab_;
  int64_t created_;
  std::atomic<uint64_t> nextId_{0};

  std::mutex m_;
  std::condition_variable doneCv_;
  std::map<int, Conn> conns_;
  int nextConn_ = 0;
  int active_ = 0;
  bool stopping_ = false;
};

} // namespace

int serve(const ServerOptions &options, const GenerationConfig &config,
          StepExecutor &executor, const text::Tokenizer *tokenizer) {
  std::signal(SIGPIPE, SIG_IGN);
  EngineThread engine(config, executor);
  Status st = engine.init();
  if (!st.ok()) {
    std::cerr << "llmrun: error: " << st.message << "\n";
    return 1;
  }

  net::io_context ioc;
  tcp::acceptor acceptor(ioc);
  beast::error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(options.host, ec),
                         options.port);
  if (ec) {
    std::cerr << "llmrun: error: --host '" << options.host
              << "' is not an IP address: " << ec.message() << "\n";
    return 1;
  }
  acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(endpoint, ec);
  if (!ec)
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "llmrun: error: cannot listen on " << options.host << ":"
              << options.port << ": " << ec.message() << "\n";
    return 1;
  }

  engine.start();
  Server server(options, engine, tokenizer, executor.vocabSize());
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code &, int) {
    acceptor.close();
    ioc.stop();
  });
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](beast::error_code aec, tcp::socket sock) {
      if (aec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (!aec)
        server.startConnection(std::move(sock));
      accept();
    });
  };
  accept();
  std::cerr << "llmrun: serving '" << options.modelId << "' on http://"
            << options.host << ":" << acceptor.local_endpoint().port()
            << " (context " << engine.maxContext() << " tokens)" << std::endl;
  ioc.run();
  std::cerr << "llmrun: shutting down: finishing in-flight requests"
            << std::endl;
  server.drain();
  engine.stopAndJoin();
  std::cerr << "llmrun: stopped" << std::endl;
  return 0;
}

} // namespace llmc::runtime::gen
