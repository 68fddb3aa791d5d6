// The HTTP server of `llmrun PLAN` (docs/serving.md): connections, routing,
// limits and shutdown. HTTP parsing and writing is Boost.Beast's; JSON is
// nlohmann's; the endpoints live in serve/.
//
// Threads: the main thread accepts connections and waits for SIGTERM/SIGINT
// (Asio); each connection gets a thread (blocking sockets) that reads
// requests and runs their handler, which submits generations to the engine
// thread, the only owner of the GenerationSession. A monitor thread enforces
// what a blocking socket cannot: the request read timeout and the send
// timeout (it shuts the socket down, which wakes the blocked call), and
// cancels the request of a client that hung up while its answer is produced.
#include "Server.h"
#include "serve/AccessLog.h"
#include "serve/ApiError.h"
#include "serve/ChatHandler.h"
#include "serve/CompletionHandler.h"
#include "serve/EngineThread.h"
#include "serve/Metrics.h"
#include "serve/RequestScope.h"
#include "serve/ResponseWriter.h"
#include "serve/ServerContext.h"
#include "serve/TokenizeHandler.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace llmc::runtime::gen {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<http::field, std::string>>;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}
int64_t secondsToNs(double s) { return static_cast<int64_t>(s * 1e9); }

// SIGTERM/SIGINT go to the main thread (Asio's signal_set), never interrupt
// a connection's blocking call.
void blockStopSignals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

// Waits until `fd` is readable (or hung up); false after `ms`.
bool waitReadable(int fd, int64_t ms) {
  int64_t end = nowNs() + ms * 1000000;
  for (;;) {
    int64_t left = (end - nowNs()) / 1000000;
    if (left <= 0)
      return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (r > 0)
      return true;
    if (r == 0 || errno != EINTR)
      return false;
  }
}

// What the connection thread and the monitor share about one connection.
// The monitor reads it under Server::m_; deadlines are steady-clock ns, 0
// when none.
struct ConnState {
  int fd = -1;
  std::atomic<int64_t> readDeadline{0};  // the request must have arrived
  std::atomic<int64_t> writeDeadline{0}; // the current write must be done
  std::atomic<bool> timedOut{false};
  bool idle = false;             // waiting for a request (under m_)
  RequestScope *scope = nullptr; // the request being answered (under m_)
};

// One request and its answer, for the response headers and the access log.
struct Exchange {
  unsigned version = 11;
  bool keep = false;
  std::string requestId;
  int status = 0;         // of the answer sent; 0: none yet
  bool complete = false;  // the whole answer was written
  bool clientGone = false; // it had hung up before the answer's end
};

// Answers on a blocking socket; every write is bounded by the send timeout
// (the monitor cuts a client that stops reading).
class SocketWriter : public ResponseWriter {
public:
  SocketWriter(tcp::socket &sock, ConnState &conn, Exchange &x,
               double sendTimeout)
      : sock_(sock), conn_(conn), x_(x), sendTimeoutNs_(secondsToNs(sendTimeout)) {}

  bool sendJson(http::status status, const json &body) override {
    return sendBody(status, "application/json", dumpJson(body));
  }
  bool beginEvents() override {
    http::response<http::empty_body> res{http::status::ok, x_.version};
    setCommon(res);
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.chunked(true);
    x_.status = 200;
    return timed([&](beast::error_code &ec) {
      http::response_serializer<http::empty_body> sr{res};
      http::write_header(sock_, sr, ec);
    });
  }
  bool sendEvent(const std::string &data) override {
    std::string s = "data: " + data + "\n\n";
    return timed([&](beast::error_code &ec) {
      net::write(sock_, http::make_chunk(net::buffer(s)), ec);
    });
  }
  bool endEvents() override {
    noteClientGone();
    return x_.complete = timed([&](beast::error_code &ec) {
      net::write(sock_, http::make_chunk_last(), ec);
    });
  }

  bool sendBody(http::status status, const char *contentType,
                std::string body, const Headers &extra = {}) {
    http::response<http::string_body> res{status, x_.version};
    setCommon(res);
    res.set(http::field::content_type, contentType);
    for (const auto &[f, v] : extra)
      res.set(f, v);
    res.body() = std::move(body);
    res.prepare_payload();
    x_.status = static_cast<int>(status);
    noteClientGone();
    return x_.complete = timed(
               [&](beast::error_code &ec) { http::write(sock_, res, ec); });
  }
  bool sendApiError(const ApiError &e, const Headers &extra = {}) {
    return sendBody(e.status, "application/json", dumpJson(errorJson(e)),
                    extra);
  }

private:
  // Before the last write: a write into a socket the peer has closed may
  // still succeed, so "complete" alone does not mean the client got it.
  void noteClientGone() {
    if (RequestScope *scope = RequestScope::current())
      x_.clientGone = x_.clientGone || scope->cancelled();
  }
  template <class Res> void setCommon(Res &res) {
    res.set(http::field::server, "llmrun");
    if (!x_.requestId.empty())
      res.set("X-Request-Id", x_.requestId);
    res.keep_alive(x_.keep);
  }
  template <class F> bool timed(F write) {
    beast::error_code ec;
    conn_.writeDeadline = nowNs() + sendTimeoutNs_;
    write(ec);
    conn_.writeDeadline = 0;
    if (ec)
      x_.clientGone = true;
    return !ec;
  }

  tcp::socket &sock_;
  ConnState &conn_;
  Exchange &x_;
  int64_t sendTimeoutNs_;
};

// The request id: the client's X-Request-Id when it is short and printable,
// else req-N.
std::string requestIdOf(const http::request<http::string_body> &req,
                        std::atomic<uint64_t> &counter) {
  auto it = req.find("X-Request-Id");
  if (it != req.end() && !it->value().empty() && it->value().size() <= 128) {
    bool printable = true;
    for (char c : it->value())
      printable = printable && c > ' ' && c < 127;
    if (printable)
      return std::string(it->value());
  }
  return "req-" + std::to_string(counter.fetch_add(1));
}

// Compares without an early exit, so timing does not reveal the key.
bool sameKey(std::string_view a, const std::string &b) {
  if (b.empty())
    return false;
  unsigned diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % b.size()]);
  return diff == 0;
}

class Server {
public:
  Server(const ServerOptions &opts, Metrics &metrics)
      : opts_(opts), metrics_(metrics),
        created_(static_cast<int64_t>(std::time(nullptr))) {}

  // The plan is loaded: requests go to `engine` from now on.
  void setEngine(EngineThread &engine, const text::Tokenizer *tok,
                 int32_t vocab) {
    engine_ = &engine;
    ctx_.reset(new ServerContext{opts_, engine, tok, vocab});
    ready_.store(true, std::memory_order_release);
  }

  void startMonitor() {
    monitor_ = std::thread([this] {
      blockStopSignals();
      monitor();
    });
  }

  // The main thread, for each accepted socket.
  void startConnection(tcp::socket sock) {
    // Without TCP_NODELAY, Nagle holds each small SSE chunk until the
    // previous one is ACKed: ~40 ms per token against a delayed ACK.
    beast::error_code ec;
    sock.set_option(tcp::no_delay(true), ec);
    if (opts_.sendBufferBytes > 0)
      sock.set_option(net::socket_base::send_buffer_size(
                          static_cast<int>(opts_.sendBufferBytes)),
                      ec);
    auto conn = std::make_shared<ConnState>();
    conn->fd = sock.native_handle();
    int id;
    {
      std::lock_guard<std::mutex> l(m_);
      if (active_ >= opts_.maxConnections) {
        refuse(sock);
        return;
      }
      id = nextConn_++;
      conns_[id] = conn;
      ++active_;
    }
    auto owned = std::make_unique<tcp::socket>(std::move(sock));
    std::thread([this, id, conn, s = std::move(owned)]() mutable {
      blockStopSignals();
      connection(*conn, *s);
      {
        // Forgotten before the close, so the monitor never sees a reused fd.
        std::lock_guard<std::mutex> l(m_);
        conns_.erase(id);
      }
      beast::error_code ec;
      s->shutdown(tcp::socket::shutdown_send, ec);
      s->close(ec);
      s.reset(); // before serve() may return and destroy the io_context
      std::lock_guard<std::mutex> l(m_);
      --active_;
      doneCv_.notify_all();
    }).detach();
  }

  // After the acceptor closed: idle connections are shut down, busy ones
  // close after their response; after --drain-timeout what is left is
  // cancelled. Returns false when connections remain even so.
  bool drain() {
    std::unique_lock<std::mutex> l(m_);
    stopping_ = true;
    for (auto &[id, c] : conns_)
      if (c->idle)
        ::shutdown(c->fd, SHUT_RDWR);
    auto allDone = [&] { return active_ == 0; };
    bool done = doneCv_.wait_for(
        l, std::chrono::duration<double>(opts_.drainTimeout), allDone);
    if (!done) {
      std::cerr << "llmrun: --drain-timeout (" << opts_.drainTimeout
                << " s) passed: cancelling the requests of " << active_
                << " connections" << std::endl;
      for (auto &[id, c] : conns_)
        if (!c->scope) // still reading a request
          ::shutdown(c->fd, SHUT_RDWR);
      l.unlock();
      if (ready_.load(std::memory_order_acquire))
        engine_->cancelAll();
      l.lock();
      done = doneCv_.wait_for(l, std::chrono::seconds(5), allDone);
    }
    if (!done) {
      for (auto &[id, c] : conns_)
        ::shutdown(c->fd, SHUT_RDWR);
      done = doneCv_.wait_for(l, std::chrono::seconds(5), allDone);
    }
    monitorStop_ = true;
    monitorCv_.notify_all();
    l.unlock();
    if (monitor_.joinable())
      monitor_.join();
    return done;
  }

private:
  using Request = http::request<http::string_body>;

  // Over --max-connections: a canned 503, without a thread. Never blocks
  // the acceptor (a non-blocking write of a few hundred bytes).
  void refuse(tcp::socket &sock) {
    metrics_.requestRejected();
    beast::error_code ec;
    sock.non_blocking(true, ec);
    std::string body = dumpJson(errorJson(
        {http::status::service_unavailable,
         "too many connections (--max-connections " +
             std::to_string(opts_.maxConnections) + "); retry later",
         "", "too_many_connections"}));
    std::string res = "HTTP/1.1 503 Service Unavailable\r\nServer: llmrun\r\n"
                      "Content-Type: application/json\r\nRetry-After: 1\r\n"
                      "Connection: close\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    sock.write_some(net::buffer(res), ec);
    // Unread request bytes would turn the close into a reset that can
    // destroy the answer before the client reads it.
    char scratch[4096];
    while (::recv(sock.native_handle(), scratch, sizeof scratch,
                  MSG_DONTWAIT) > 0) {
    }
    sock.shutdown(tcp::socket::shutdown_send, ec);
    sock.close(ec);
  }

  // Every 100 ms: read and send deadlines, and clients that hung up while
  // their request runs (POLLRDHUP) get their request cancelled.
  void monitor() {
    std::unique_lock<std::mutex> l(m_);
    std::vector<pollfd> fds;
    std::vector<RequestScope *> scopes;
    while (!monitorStop_) {
      monitorCv_.wait_for(l, std::chrono::milliseconds(100));
      int64_t now = nowNs();
      fds.clear();
      scopes.clear();
      for (auto &[id, c] : conns_) {
        int64_t rd = c->readDeadline, wd = c->writeDeadline;
        if (rd && now > rd && !c->timedOut.exchange(true))
          ::shutdown(c->fd, SHUT_RD); // the reader sees EOF and answers 408
        if (wd && now > wd && !c->timedOut.exchange(true)) {
          ::shutdown(c->fd, SHUT_RDWR); // the blocked write fails
          if (c->scope)
            c->scope->cancel();
        }
        if (c->scope && !c->scope->cancelled()) {
          fds.push_back({c->fd, POLLRDHUP, 0});
          scopes.push_back(c->scope);
        }
      }
      if (!fds.empty() && ::poll(fds.data(), fds.size(), 0) > 0)
        for (size_t i = 0; i < fds.size(); ++i)
          if (fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR))
            scopes[i]->cancel();
    }
  }

  // Marks the connection idle (drain() may shut it down) or busy; false
  // when the server is stopping.
  bool setIdle(ConnState &c, bool idle) {
    std::lock_guard<std::mutex> l(m_);
    c.idle = idle;
    return !stopping_;
  }
  void setScope(ConnState &c, RequestScope *scope) {
    std::lock_guard<std::mutex> l(m_);
    c.scope = scope;
  }
  bool stopping() {
    std::lock_guard<std::mutex> l(m_);
    return stopping_;
  }

  void connection(ConnState &c, tcp::socket &sock) {
    beast::error_code ec;
    std::string client;
    tcp::endpoint peer = sock.remote_endpoint(ec);
    if (!ec)
      client = peer.address().to_string() + ":" + std::to_string(peer.port());
    beast::flat_buffer buffer;
    for (;;) {
      if (!setIdle(c, true))
        break;
      // Idle until a request starts: --keep-alive-timeout (a pipelined
      // request may already be buffered).
      bool ready = buffer.size() > 0 ||
                   waitReadable(c.fd, static_cast<int64_t>(
                                          opts_.keepAliveTimeout * 1000));
      setIdle(c, false);
      if (!ready)
        break;
      Clock::time_point start = Clock::now();
      c.readDeadline = nowNs() + secondsToNs(opts_.requestTimeout);
      http::request_parser<http::string_body> parser;
      parser.body_limit(opts_.maxRequestBytes);
      http::read(sock, buffer, parser, ec);
      c.readDeadline = 0;
      Exchange x;
      SocketWriter early(sock, c, x, opts_.sendTimeout);
      // A request complete just as the deadline passed is still answered.
      if (ec && c.timedOut) {
        early.sendApiError({http::status::request_timeout,
                            "the request did not arrive within "
                            "--request-timeout (" +
                                formatSeconds(opts_.requestTimeout) + ")",
                            "", "request_timeout"});
        break;
      }
      if (ec == http::error::end_of_stream || ec == net::error::eof ||
          ec == net::error::connection_reset || ec == net::error::shut_down)
        break;
      if (ec == http::error::body_limit) {
        early.sendApiError({http::status::payload_too_large,
                            "the request body is over --max-request-bytes (" +
                                std::to_string(opts_.maxRequestBytes) +
                                " bytes)",
                            "", "request_too_large"});
        lingerClose(sock);
        return;
      }
      if (ec) {
        if (ec.category() ==
            http::make_error_code(http::error::body_limit).category())
          early.sendApiError({http::status::bad_request,
                              "malformed HTTP request: " + ec.message(), "",
                              ""});
        break;
      }
      Request req = parser.release();
      x.version = req.version();
      x.keep = req.keep_alive() && !stopping();
      x.requestId = requestIdOf(req, nextRequestId_);
      bool alive;
      AccessRecord rec;
      {
        RequestScope scope;
        setScope(c, &scope);
        alive = handle(sock, c, req, x);
        setScope(c, nullptr);
        rec.promptTokens = scope.promptTokens();
        rec.completionTokens = scope.completionTokens();
        if (x.clientGone || (scope.cancelled() && !x.complete))
          x.status = 499; // nginx's "client closed request"
      }
      if (opts_.accessLog) {
        rec.method = std::string(req.method_string());
        rec.path = std::string(req.target());
        rec.client = client;
        rec.requestId = x.requestId;
        rec.status = x.status;
        rec.durationMs =
            std::chrono::duration<double, std::milli>(Clock::now() - start)
                .count();
        writeAccessLog(rec);
      }
      if (!alive || !x.keep || c.timedOut)
        break;
    }
  }

  static std::string formatSeconds(double s) {
    std::ostringstream os;
    os << s << " s";
    return os.str();
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
  }

  // /v1/*, /tokenize and /detokenize need the key when there is one;
  // /health and /metrics stay open (probes and scrapers), as in vLLM.
  bool needsKey(const std::string &path) const {
    return !opts_.apiKey.empty() &&
           (path.rfind("/v1/", 0) == 0 || path == "/tokenize" ||
            path == "/detokenize");
  }
  bool authorized(const Request &req) const {
    auto it = req.find(http::field::authorization);
    if (it == req.end())
      return false;
    std::string_view v(it->value().data(), it->value().size());
    constexpr std::string_view bearer = "Bearer ";
    if (v.size() < bearer.size())
      return false;
    for (size_t i = 0; i < bearer.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(v[i])) !=
          std::tolower(static_cast<unsigned char>(bearer[i])))
        return false;
    return sameKey(v.substr(bearer.size()), opts_.apiKey);
  }

  using Handler = bool (*)(ServerContext &, const std::string &,
                           ResponseWriter &);

  // A generation endpoint: refused with 503 while draining and with 429
  // when --max-queue requests already wait.
  bool generation(SocketWriter &w, Exchange &x, const Request &req,
                  Handler handler) {
    if (stopping()) {
      metrics_.requestRejected();
      x.keep = false;
      return w.sendApiError({http::status::service_unavailable,
                             "the server is shutting down; retry on another "
                             "replica",
                             "", "server_shutting_down"},
                            {{http::field::retry_after, "1"}});
    }
    if (opts_.maxQueue >= 0 && engine_->queueFull(opts_.maxQueue)) {
      metrics_.requestRejected();
      return w.sendApiError({http::status::too_many_requests,
                             "too many requests waiting (--max-queue " +
                                 std::to_string(opts_.maxQueue) +
                                 "); retry later",
                             "", "queue_full"},
                            {{http::field::retry_after, "1"}});
    }
    return handler(*ctx_, req.body(), w);
  }

  // Returns false when the connection must close.
  bool handle(tcp::socket &sock, ConnState &c, const Request &req,
              Exchange &x) {
    std::string path(req.target());
    size_t q = path.find('?');
    if (q != std::string::npos)
      path.resize(q);
    http::verb m = req.method();
    SocketWriter w(sock, c, x, opts_.sendTimeout);
    auto wrongMethod = [&](const char *allow) {
      return w.sendApiError({http::status::method_not_allowed,
                             "method " + std::string(req.method_string()) +
                                 " is not allowed on " + path + " (use " +
                                 allow + ")",
                             "", "method_not_allowed"},
                            {{http::field::allow, allow}});
    };
    if (needsKey(path) && !authorized(req))
      return w.sendApiError({http::status::unauthorized,
                             "missing or wrong API key (send "
                             "'Authorization: Bearer KEY')",
                             "", "invalid_api_key"},
                            {{http::field::www_authenticate, "Bearer"}});
    if (path == "/health") {
      if (m != http::verb::get && m != http::verb::head)
        return wrongMethod("GET");
      if (!ready_.load(std::memory_order_acquire))
        return w.sendJson(http::status::service_unavailable,
                          {{"status", "loading"}});
      if (stopping())
        return w.sendJson(http::status::service_unavailable,
                          {{"status", "draining"}});
      return w.sendJson(http::status::ok, {{"status", "ok"}});
    }
    if (path == "/metrics") {
      if (m != http::verb::get)
        return wrongMethod("GET");
      return w.sendBody(http::status::ok,
                        "text/plain; version=0.0.4; charset=utf-8",
                        metrics_.render());
    }
    if (!ready_.load(std::memory_order_acquire))
      return w.sendApiError({http::status::service_unavailable,
                             "the model is still loading; retry later", "",
                             "model_loading"},
                            {{http::field::retry_after, "1"}});
    if (path == "/v1/models") {
      if (m != http::verb::get)
        return wrongMethod("GET");
      json model = {{"id", opts_.modelId},
                    {"object", "model"},
                    {"created", created_},
                    {"owned_by", "llmc"},
                    {"max_model_len", engine_->maxContext()}};
      return w.sendJson(http::status::ok,
                        {{"object", "list"}, {"data", json::array({model})}});
    }
    // Generation endpoints: POST, behind the queue and drain checks.
    if (path == "/v1/completions") {
      if (m != http::verb::post)
        return wrongMethod("POST");
      return generation(w, x, req, handleCompletion);
    }
    if (path == "/v1/chat/completions") {
      if (m != http::verb::post)
        return wrongMethod("POST");
      return generation(w, x, req, handleChatCompletion);
    }
    if (path == "/tokenize" || path == "/detokenize") {
      if (m != http::verb::post)
        return wrongMethod("POST");
      return (path == "/tokenize" ? handleTokenize : handleDetokenize)(
          *ctx_, req.body(), w);
    }
    return w.sendApiError(
        {http::status::not_found,
         "no such endpoint: " + path +
             " (this server has GET /health, GET /metrics, GET /v1/models, "
             "POST /v1/completions, POST /v1/chat/completions, POST "
             "/tokenize and POST /detokenize)",
         "", "not_found"});
  }

  const ServerOptions &opts_;
  Metrics &metrics_;
  // Set once by setEngine (before ready_), read after ready_.
  EngineThread *engine_ = nullptr;
  std::unique_ptr<ServerContext> ctx_;
  std::atomic<bool> ready_{false};
  int64_t created_;
  std::atomic<uint64_t> nextRequestId_{0};

  std::mutex m_;
  std::condition_variable doneCv_, monitorCv_;
  std::map<int, std::shared_ptr<ConnState>> conns_;
  int nextConn_ = 0;
  int64_t active_ = 0;
  bool stopping_ = false;
  bool monitorStop_ = false;
  std::thread monitor_;
};

// One socket per connection: the soft descriptor limit (often 1024) would
// cap connections long before --max-connections.
void raiseFileLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

} // namespace

int serve(const ServerOptions &options, const EngineLoader &load) {
  std::signal(SIGPIPE, SIG_IGN);
  raiseFileLimit();
  Metrics metrics(options.modelId, options.metricsVllmNames);

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
  std::string url = "http://" + options.host + ":" +
                    std::to_string(acceptor.local_endpoint().port());

  Server server(options, metrics);
  server.startMonitor();
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code &, int) {
    acceptor.close();
    ioc.stop();
  });
  // Out of descriptors (EMFILE/ENFILE) the pending connection stays in the
  // backlog and accept fails at once: retry after a pause, not in a spin.
  net::steady_timer backoff(ioc);
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](beast::error_code aec, tcp::socket sock) {
      if (aec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (aec) {
        backoff.expires_after(std::chrono::milliseconds(100));
        backoff.async_wait([&](const beast::error_code &) {
          if (acceptor.is_open())
            accept();
        });
        return;
      }
      server.startConnection(std::move(sock));
      accept();
    });
  };
  accept();
  std::cerr << "llmrun: listening on " << url << "; loading '"
            << options.modelId << "'" << std::endl;

  // Loading runs beside the acceptor, so probes get 503 "loading" instead
  // of "connection refused".
  ServedEngine served;
  std::unique_ptr<EngineThread> engine;
  int loadRc = 0;
  std::thread loader([&] {
    blockStopSignals();
    loadRc = load(served);
    if (loadRc == 0) {
      engine = std::make_unique<EngineThread>(served.config, *served.executor);
      engine->setMetrics(&metrics);
      Status st = engine->init();
      if (!st.ok()) {
        std::cerr << "llmrun: error: " << st.message << "\n";
        engine.reset();
        loadRc = 1;
      }
    }
    if (loadRc != 0) {
      net::post(ioc, [&] {
        acceptor.close();
        ioc.stop();
      });
      return;
    }
    engine->start();
    server.setEngine(*engine, served.tokenizer, served.executor->vocabSize());
    std::cerr << "llmrun: serving '" << options.modelId << "' on " << url
              << " (context " << engine->maxContext() << " tokens)"
              << std::endl;
  });
  ioc.run();
  loader.join(); // a SIGTERM while loading waits for the load to end
  if (loadRc == 0)
    std::cerr << "llmrun: shutting down: finishing in-flight requests"
              << std::endl;
  bool drained = server.drain();
  if (engine)
    engine->stopAndJoin();
  // Another SIGTERM while exiting must not turn exit status 0 into a kill.
  signals.clear(ec);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  if (!drained) {
    // Connection threads still blocked would outlive the objects they use.
    std::cerr << "llmrun: stopped (connections left behind)" << std::endl;
    std::_Exit(loadRc);
  }
  if (loadRc == 0)
    std::cerr << "llmrun: stopped" << std::endl;
  return loadRc;
}

int serve(const ServerOptions &options, const GenerationConfig &config,
          StepExecutor &executor, const text::Tokenizer *tokenizer) {
  return serve(options, [&](ServedEngine &e) {
    e.config = config;
    e.executor = &executor;
    e.tokenizer = tokenizer;
    return 0;
  });
}

} // namespace llmc::runtime::gen
