// The HTTP server of `llmrun PLAN` (docs/serving.md). HTTP parsing and
// writing is Boost.Beast's; JSON is nlohmann's.
//
// Threads: the main thread accepts connections and waits for SIGTERM/SIGINT
// (Asio); each connection gets a thread that reads requests, validates them
// and submits completions to the engine thread, which alone owns the
// GenerationSession and steps it while anything is unfinished. New requests
// join at the next step (continuous batching across HTTP requests).
#include "Server.h"
#include "serve/ApiError.h"
#include "serve/CompletionHandler.h"
#include "serve/EngineThread.h"
#include "serve/ResponseWriter.h"
#include "serve/ServerContext.h"

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

// ---------------------------------------------------------------- server

// Answers on a blocking socket (one thread per connection).
class SocketWriter : public ResponseWriter {
public:
  SocketWriter(tcp::socket &sock, unsigned version, bool keep)
      : sock_(sock), version_(version), keep_(keep) {}

  bool sendJson(http::status status, const json &body) override {
    return sendJsonResponse(sock_, version_, keep_, status, body);
  }
  bool beginEvents() override {
    http::response<http::empty_body> res{http::status::ok, version_};
    res.set(http::field::server, "llmrun");
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(sock_, sr, ec);
    return !ec;
  }
  bool sendEvent(const std::string &data) override {
    std::string s = "data: " + data + "\n\n";
    beast::error_code ec;
    net::write(sock_, http::make_chunk(net::buffer(s)), ec);
    return !ec;
  }
  bool endEvents() override {
    beast::error_code ec;
    net::write(sock_, http::make_chunk_last(), ec);
    return !ec;
  }

  static bool sendJsonResponse(tcp::socket &sock, unsigned version, bool keep,
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

private:
  tcp::socket &sock_;
  unsigned version_;
  bool keep_;
};

class Server {
public:
  Server(const ServerOptions &opts, EngineThread &engine,
         const text::Tokenizer *tok, int32_t vocab)
      : opts_(opts), engine_(engine), ctx_{opts, engine, tok, vocab},
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
    return SocketWriter::sendJsonResponse(sock, version, keep, status, body,
                                          allow);
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
      SocketWriter w(sock, v, keep);
      return handleCompletion(ctx_, req.body(), w);
    }
    return sendError(sock, v, keep,
                     {http::status::not_found,
                      "no such endpoint: " + path +
                          " (this server has GET /health, GET /v1/models and "
                          "POST /v1/completions)",
                      "", "not_found"});
  }

  const ServerOptions &opts_;
  EngineThread &engine_;
  ServerContext ctx_;
  int64_t created_;

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
