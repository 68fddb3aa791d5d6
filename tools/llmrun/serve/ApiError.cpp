#include "serve/ApiError.h"

namespace llmc::runtime::gen {

using json = nlohmann::json;
namespace http = boost::beast::http;

json errorJson(const ApiError &e) {
  const char *type = "invalid_request_error";
  if (e.status == http::status::not_found)
    type = "not_found_error";
  else if (e.status == http::status::unauthorized)
    type = "authentication_error";
  else if (e.status == http::status::too_many_requests)
    type = "rate_limit_error";
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
                  const std::string &code) {
  return {http::status::bad_request, message, field, code};
}

std::string dumpJson(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace llmc::runtime::gen
