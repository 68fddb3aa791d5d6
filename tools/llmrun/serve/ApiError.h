// ApiError: an OpenAI-style error answer ({"error": {"message", "type",
// "param", "code"}}) with its HTTP status (docs/serving.md).
#ifndef LLMC_TOOLS_LLMRUN_SERVE_APIERROR_H
#define LLMC_TOOLS_LLMRUN_SERVE_APIERROR_H

#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace llmc::runtime::gen {

struct ApiError {
  boost::beast::http::status status = boost::beast::http::status::bad_request;
  std::string message;
  std::string param; // "" -> null
  std::string code;  // "" -> null
};

nlohmann::json errorJson(const ApiError &e);

// A 400 about one request field.
ApiError badField(const std::string &field, const std::string &message,
                  const std::string &code = "");

// JSON text with invalid UTF-8 replaced (a client's bytes never crash it).
std::string dumpJson(const nlohmann::json &j);

} // namespace llmc::runtime::gen

#endif
