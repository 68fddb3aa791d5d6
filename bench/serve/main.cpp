// llmc-serve-bench: a load generator for `llmrun PLAN` (or any server with
// OpenAI's streaming POST /v1/completions). N concurrent streaming clients,
// seeded request mix, latency percentiles and throughput (README.md).
#include "LoadRunner.h"
#include "Report.h"
#include "Workload.h"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include <sys/resource.h>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace llmc::bench;

int fail(const std::string &message) {
  std::cerr << "llmc-serve-bench: error: " << message << "\n";
  return 2;
}

// Each client holds a socket: the soft limit (often 1024) is raised to the
// hard one so that 1,000+ clients fit.
std::string raiseFileLimit(int64_t needed) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return "getrlimit failed";
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && int64_t(rl.rlim_cur) < needed)
    return std::to_string(needed) + " file descriptors needed, the limit is " +
           std::to_string(rl.rlim_cur) + " (raise ulimit -Hn)";
  return "";
}

struct ModelInfo {
  std::string id;
  int64_t maxModelLen = 0;
};

// GET /v1/models, retried for waitS seconds while the server comes up
// (connection refused, or 503 while it loads the plan).
std::string probeModel(const tcp::endpoint &ep, const std::string &host,
                       double waitS, ModelInfo &out) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(int64_t(waitS * 1000));
  std::string last;
  for (int attempt = 0; attempt < 100000; ++attempt) {
    net::io_context ioc;
    tcp::socket sock(ioc);
    beast::error_code ec;
    sock.connect(ep, ec);
    if (!ec) {
      http::request<http::empty_body> req{http::verb::get, "/v1/models", 11};
      req.set(http::field::host, host);
      http::write(sock, req, ec);
      beast::flat_buffer buf;
      http::response<http::string_body> res;
      if (!ec)
        http::read(sock, buf, res, ec);
      // 503: the server listens while it still loads the plan; wait on.
      if (!ec && res.result() == http::status::service_unavailable)
        ec = beast::error_code(boost::system::errc::resource_unavailable_try_again,
                               boost::system::generic_category());
      if (!ec) {
        if (res.result() != http::status::ok)
          return "GET /v1/models answered " + std::to_string(res.result_int());
        auto j = nlohmann::json::parse(res.body(), nullptr, false);
        if (j.is_discarded() || !j.contains("data") || !j["data"].is_array() ||
            j["data"].empty())
          return "GET /v1/models: no model in the answer";
        out.id = j["data"][0].value("id", "");
        out.maxModelLen = j["data"][0].value("max_model_len", int64_t(0));
        return "";
      }
    }
    last = ec.message();
    if (std::chrono::steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "no server at " + ep.address().to_string() + ":" +
         std::to_string(ep.port()) + ": " + last;
}

} // namespace

int main(int argc, char **argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Load generator for an OpenAI-compatible completions server "
               "(llmrun): concurrent streaming requests, latency percentiles "
               "and throughput."};
  std::string host = "127.0.0.1", promptLen = "8:64", outputLen = "16:64";
  std::string promptDist = "uniform", outputDist = "uniform", textFile;
  int port = 8000;
  RunOptions run;
  run.requests = 100;
  WorkloadOptions wl;
  bool jsonOut = false, requireClean = false, allowEos = false;
  double waitS = 0;
  app.add_option("--host", host, "server address (an IP address)");
  app.add_option("--port,-p", port, "server port")->required();
  app.add_option("--concurrency,-c", run.concurrency,
                 "clients, each with one request in flight")
      ->check(CLI::Range(int64_t(1), int64_t(100000)));
  app.add_option("--requests,-n", run.requests,
                 "requests in all (0: as many as --duration allows)")
      ->check(CLI::Range(int64_t(0), int64_t(1) << 40));
  app.add_option("--duration", run.durationS,
                 "seconds after which no new request starts (0: no bound)")
      ->check(CLI::Range(0.0, 1e7));
  app.add_option("--timeout", run.timeoutS, "seconds per request")
      ->check(CLI::Range(0.001, 1e7));
  app.add_option("--prompt-len", promptLen, "prompt tokens LO:HI");
  app.add_option("--prompt-dist", promptDist, "uniform or lognormal");
  app.add_option("--output-len", outputLen, "max_tokens LO:HI");
  app.add_option("--output-dist", outputDist, "uniform or lognormal");
  app.add_option("--vocab", wl.vocab,
                 "prompt ids are drawn from [3, VOCAB)")
      ->check(CLI::Range(int64_t(4), int64_t(1) << 31));
  app.add_option("--text-prompts", textFile,
                 "file of text prompts, one a line (instead of token ids)");
  app.add_option("--temperature", wl.temperature)->check(CLI::Range(0.0, 1e6));
  app.add_option("--seed", wl.seed, "seed of the request mix");
  app.add_flag("--allow-eos", allowEos,
               "send ignore_eos false (outputs may end before max_tokens)");
  app.add_option("--wait-ready", waitS,
                 "seconds to wait for the server to answer GET /v1/models")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_flag("--json", jsonOut, "print the summary as JSON");
  app.add_flag("--require-clean", requireClean,
               "exit 1 if any request fails or is incomplete");
  CLI11_PARSE(app, argc, argv);

  for (std::string e : {parseRange(promptLen, wl.promptLen),
                        parseRange(outputLen, wl.outputLen),
                        parseDistKind(promptDist, wl.promptLen),
                        parseDistKind(outputDist, wl.outputLen)})
    if (!e.empty())
      return fail(e);
  if (run.requests == 0 && run.durationS == 0)
    return fail("--requests 0 needs a --duration");
  if (!textFile.empty()) {
    std::ifstream f(textFile);
    if (!f)
      return fail("cannot read " + textFile);
    for (std::string line; std::getline(f, line);)
      if (!line.empty())
        wl.textPrompts.push_back(line);
    if (wl.textPrompts.empty())
      return fail(textFile + " has no prompts");
  }
  wl.ignoreEos = !allowEos;
  run.checkMaxTokens = !allowEos;
  run.host = host;
  if (std::string e = raiseFileLimit(run.concurrency + 32); !e.empty())
    return fail(e);

  beast::error_code ec;
  tcp::endpoint ep(net::ip::make_address(host, ec), uint16_t(port));
  if (ec)
    return fail("--host '" + host + "' is not an IP address");
  ModelInfo model;
  if (std::string e = probeModel(ep, host, waitS, model); !e.empty())
    return fail(e);
  wl.model = model.id;
  int64_t longest = wl.promptLen.hi + wl.outputLen.hi;
  if (wl.textPrompts.empty() && model.maxModelLen > 0 &&
      longest > model.maxModelLen)
    return fail("--prompt-len and --output-len allow " +
                std::to_string(longest) + " tokens, over the model's context (" +
                std::to_string(model.maxModelLen) + ")");

  net::io_context ioc(1);
  Workload workload(wl);
  LoadRunner runner(ioc, ep, run, workload);
  runner.start();
  ioc.run();

  Summary s = summarize(runner.results(), runner.elapsedS());
  s.peakOpenStreams = runner.peakOpenStreams();
  if (jsonOut) {
    nlohmann::json j = toJson(s);
    j["model"] = model.id;
    j["concurrency"] = run.concurrency;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "model " << model.id << ", " << run.concurrency
              << " concurrent streaming clients\n";
    printTable(std::cout, s);
  }
  if (requireClean && (s.errors > 0 || s.incomplete > 0 || s.requests == 0)) {
    std::cerr << "llmc-serve-bench: " << s.errors << " errors, "
              << s.incomplete << " incomplete of " << s.requests
              << " requests\n";
    return 1;
  }
  return 0;
}
