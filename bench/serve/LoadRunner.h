// Drives N concurrent streaming clients against POST /v1/completions on
// one Asio io thread; each client sends its next request when the last one
// ends, over a kept-alive connection where the server allows it.
#pragma once

#include "Result.h"
#include "Workload.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace llmc::bench {

struct RunOptions {
  int64_t concurrency = 1;
  int64_t requests = 0;     // 0: bounded by duration only
  double durationS = 0;     // 0: bounded by requests only
  double timeoutS = 60;     // per request, connect to [DONE]
  bool checkMaxTokens = true; // with ignore_eos: tokens must equal max_tokens
  std::string host = "127.0.0.1";
  std::string path = "/v1/completions";
};

class LoadRunner {
public:
  LoadRunner(boost::asio::io_context &ioc,
             boost::asio::ip::tcp::endpoint endpoint, RunOptions opts,
             Workload &workload);
  ~LoadRunner();

  // Starts the clients; results are complete when ioc.run() returns.
  void start();
  const std::vector<RequestResult> &results() const { return results_; }
  double elapsedS() const; // first request sent to last one ended
  // Most 200 streams open at once (header received, not ended).
  int64_t peakOpenStreams() const { return peakOpen_; }

  struct Client;
  class Session;

private:
  void startNext(Client &client);
  void finished(Client &client, RequestResult result);
  double now() const;

  boost::asio::io_context &ioc_;
  boost::asio::ip::tcp::endpoint endpoint_;
  RunOptions opts_;
  Workload &workload_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<RequestResult> results_;
  int64_t issued_ = 0;
  int64_t open_ = 0, peakOpen_ = 0;
  double lastEndS_ = 0;
  std::chrono::steady_clock::time_point t0_;
};

} // namespace llmc::bench
