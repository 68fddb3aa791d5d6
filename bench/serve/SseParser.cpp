#include "SseParser.h"

namespace llmc::bench {

std::vector<std::string> SseParser::feed(std::string_view bytes) {
  std::vector<std::string> events;
  for (char c : bytes) {
    if (c == '\n')
      endLine(events);
    else
      line_.push_back(c);
  }
  return events;
}

void SseParser::endLine(std::vector<std::string> &events) {
  if (!line_.empty() && line_.back() == '\r')
    line_.pop_back();
  if (line_.empty()) { // a blank line dispatches the event
    if (hasData_)
      events.push_back(std::move(data_));
    data_.clear();
    hasData_ = false;
    return;
  }
  std::string_view line(line_);
  if (line.substr(0, 5) == "data:") {
    std::string_view value = line.substr(5);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    if (hasData_)
      data_.push_back('\n');
    data_.append(value);
    hasData_ = true;
  }
  line_.clear();
}

} // namespace llmc::bench
