// ResponseWriter: how an endpoint handler answers, independent of the HTTP
// transport (the connection layer in Server.cpp implements it): one JSON
// response, or a stream of server-sent events.
#ifndef LLMC_TOOLS_LLMRUN_SERVE_RESPONSEWRITER_H
#define LLMC_TOOLS_LLMRUN_SERVE_RESPONSEWRITER_H

#include "serve/ApiError.h"

#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace llmc::runtime::gen {

class ResponseWriter {
public:
  virtual ~ResponseWriter() = default;
  // Each returns false when the client is gone (the connection then closes).
  virtual bool sendJson(boost::beast::http::status status,
                        const nlohmann::json &body) = 0;
  bool sendError(const ApiError &e) { return sendJson(e.status, errorJson(e)); }
  // Server-sent events: the header, then "data: ...\n\n" events, then the end.
  virtual bool beginEvents() = 0;
  virtual bool sendEvent(const std::string &data) = 0;
  virtual bool endEvents() = 0;
};

} // namespace llmc::runtime::gen

#endif
