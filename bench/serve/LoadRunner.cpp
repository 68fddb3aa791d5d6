#include "LoadRunner.h"
#include "SseParser.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <optional>

namespace llmc::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;

// A client's connection outlives its requests while the server keeps it
// alive.
struct LoadRunner::Client {
  std::optional<tcp::socket> sock;
  bool reusable = false;
};

// One request on one client: connect (or reuse), write, read the SSE
// stream, classify. Owned by its pending handlers.
class LoadRunner::Session : public std::enable_shared_from_this<Session> {
public:
  Session(LoadRunner &runner, Client &client, RequestSpec spec)
      : r_(runner), c_(client), timer_(runner.ioc_) {
    res_.promptTokens = spec.promptTokens;
    res_.maxTokens = spec.maxTokens;
    req_ = {http::verb::post, r_.opts_.path, 11};
    req_.set(http::field::host, r_.opts_.host);
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::accept, "text/event-stream");
    req_.keep_alive(true);
    req_.body() = std::move(spec.body);
    req_.prepare_payload();
  }

  void start() {
    res_.startS = r_.now();
    timer_.expires_after(std::chrono::duration_cast<net::steady_timer::duration>(
        std::chrono::duration<double>(r_.opts_.timeoutS)));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->done_)
        return;
      self->timedOut_ = true;
      beast::error_code ignored;
      if (self->c_.sock)
        self->c_.sock->close(ignored); // pending operations end aborted
    });
    if (c_.reusable && c_.sock && c_.sock->is_open()) {
      reused_ = true;
      write();
    } else {
      connect();
    }
  }

private:
  void connect() {
    reused_ = false;
    c_.reusable = false;
    c_.sock.emplace(r_.ioc_);
    c_.sock->async_connect(r_.endpoint_, [self = shared_from_this()](
                                              beast::error_code ec) {
      if (ec)
        return self->fail("connect", ec);
      beast::error_code ignored;
      self->c_.sock->set_option(tcp::no_delay(true), ignored);
      self->write();
    });
  }

  void write() {
    parser_.emplace();
    parser_->body_limit(64u << 20);
    buffer_.clear();
    consumed_ = 0;
    http::async_write(*c_.sock, req_, [self = shared_from_this()](
                                          beast::error_code ec, size_t) {
      if (ec)
        return self->retryOrFail("write", ec);
      self->read();
    });
  }

  void read() {
    http::async_read_some(
        *c_.sock, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->onRead(ec, n);
        });
  }

  void onRead(beast::error_code ec, size_t n) {
    if (n > 0)
      gotBytes_ = true;
    if (parser_->is_header_done()) {
      if (parser_->get().result() == http::status::ok) {
        if (!streamOpen_) {
          streamOpen_ = true;
          r_.peakOpen_ = std::max(r_.peakOpen_, ++r_.open_);
        }
        consume();
      }
      else if (ec || parser_->is_done())
        return failStatus();
    }
    if (ec) {
      if (!parser_->is_header_done())
        return retryOrFail("read", ec);
      if (timedOut_)
        return fail("timeout", ec);
      // The stream broke off after a 200: judged like an early end.
      return complete(false);
    }
    if (parser_->is_done())
      return complete(parser_->keep_alive());
    read();
  }

  // Feeds the body bytes that came since the last read to the SSE parser.
  void consume() {
    std::string &body = parser_->get().body();
    if (body.size() == consumed_)
      return;
    double t = r_.now();
    for (std::string &data : sse_.feed(std::string_view(body).substr(consumed_)))
      onEvent(data, t);
    body.clear(); // parsed; the body is not kept
    consumed_ = 0;
  }

  void onEvent(const std::string &data, double t) {
    if (data == "[DONE]") {
      sawDone_ = true;
      return;
    }
    json ev = json::parse(data, nullptr, false);
    if (ev.is_discarded() || !ev.is_object())
      return note("bad_event", data.substr(0, 200));
    if (ev.contains("error"))
      return note("stream_error", ev["error"].dump().substr(0, 200));
    if (ev.contains("usage") && ev["usage"].is_object()) {
      const json &u = ev["usage"];
      res_.usageCompletion = u.value("completion_tokens", int64_t(-1));
      res_.usagePrompt = u.value("prompt_tokens", int64_t(-1));
    }
    if (!ev.contains("choices") || !ev["choices"].is_array() ||
        ev["choices"].empty())
      return;
    const json &choice = ev["choices"][0];
    // llmrun sends token_ids; a server without them counts one token per
    // event with text.
    int64_t n = 0;
    if (choice.contains("token_ids") && choice["token_ids"].is_array())
      n = static_cast<int64_t>(choice["token_ids"].size());
    else if (choice.value("text", std::string()).size() > 0)
      n = 1;
    if (n == 0)
      return;
    if (res_.tokens == 0)
      res_.ttftS = t - res_.startS;
    else
      res_.itlS.push_back(t - lastTokenS_);
    lastTokenS_ = t;
    res_.tokens += n;
  }

  // The first problem seen in the stream is what the request is charged with.
  void note(const char *kind, std::string detail) {
    if (res_.error.empty()) {
      res_.error = kind;
      res_.errorDetail = std::move(detail);
    }
  }

  void failStatus() {
    std::string body = parser_->get().body();
    note(("http_" + std::to_string(parser_->get().result_int())).c_str(),
         body.substr(0, 200));
    end(parser_->is_done() && parser_->keep_alive());
  }

  // A kept-alive connection the server closed meanwhile fails before any
  // answer byte: that is not the request's fault, so it is sent once more
  // on a fresh connection (the request's clock keeps running).
  void retryOrFail(const char *what, beast::error_code ec) {
    if (reused_ && !gotBytes_ && !timedOut_ && !retried_) {
      retried_ = true;
      beast::error_code ignored;
      c_.sock->close(ignored);
      return connect();
    }
    fail(what, ec);
  }

  void fail(const char *what, beast::error_code ec) {
    note(timedOut_ ? "timeout" : what, ec.message());
    end(false);
  }

  void complete(bool keepAlive) {
    if (res_.error.empty()) {
      if (!sawDone_)
        res_.incomplete = "no_done";
      else if (res_.usageCompletion < 0)
        res_.incomplete = "no_usage";
      else if (res_.tokens < res_.usageCompletion)
        res_.incomplete = "fewer_tokens_than_usage";
      else if (res_.tokens > res_.usageCompletion)
        res_.incomplete = "more_tokens_than_usage";
      else if (r_.opts_.checkMaxTokens && res_.tokens != res_.maxTokens)
        res_.incomplete = "tokens_not_max_tokens";
      else if (sse_.pendingBytes() > 0)
        res_.incomplete = "trailing_partial_event";
    }
    end(keepAlive && res_.clean());
  }

  void end(bool keepAlive) {
    if (done_)
      return;
    done_ = true;
    timer_.cancel();
    if (streamOpen_)
      --r_.open_;
    res_.endS = r_.now();
    c_.reusable = keepAlive;
    if (!keepAlive && c_.sock) {
      beast::error_code ignored;
      c_.sock->shutdown(tcp::socket::shutdown_both, ignored);
      c_.sock->close(ignored);
    }
    r_.finished(c_, std::move(res_));
  }

  LoadRunner &r_;
  Client &c_;
  net::steady_timer timer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  beast::flat_buffer buffer_;
  size_t consumed_ = 0;
  SseParser sse_;
  RequestResult res_;
  double lastTokenS_ = 0;
  bool reused_ = false, retried_ = false, gotBytes_ = false;
  bool timedOut_ = false, sawDone_ = false, done_ = false;
  bool streamOpen_ = false;
};

LoadRunner::LoadRunner(net::io_context &ioc, tcp::endpoint endpoint,
                       RunOptions opts, Workload &workload)
    : ioc_(ioc), endpoint_(endpoint), opts_(std::move(opts)),
      workload_(workload) {}

LoadRunner::~LoadRunner() = default;

double LoadRunner::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_)
      .count();
}

double LoadRunner::elapsedS() const { return lastEndS_; }

void LoadRunner::start() {
  t0_ = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < opts_.concurrency; ++i)
    clients_.push_back(std::make_unique<Client>());
  for (auto &c : clients_)
    startNext(*c);
}

void LoadRunner::startNext(Client &client) {
  bool more = (opts_.requests == 0 || issued_ < opts_.requests) &&
              (opts_.durationS == 0 || now() < opts_.durationS);
  if (!more) {
    beast::error_code ignored;
    if (client.sock)
      client.sock->close(ignored);
    return;
  }
  ++issued_;
  std::make_shared<Session>(*this, client, workload_.next())->start();
}

void LoadRunner::finished(Client &client, RequestResult result) {
  lastEndS_ = std::max(lastEndS_, result.endS);
  results_.push_back(std::move(result));
  // Not from inside the ending session's handler: its socket may be
  // replaced by the next request's connect.
  net::post(ioc_, [this, &client] { startNext(client); });
}

} // namespace llmc::bench
