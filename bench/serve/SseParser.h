// Incremental server-sent-events parser: bytes go in as they arrive (an
// event may be split across reads), whole events' data come out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmc::bench {

class SseParser {
public:
  // Appends bytes; returns the data of every event completed by them (the
  // `data:` lines of an event joined by '\n', as the SSE spec says).
  // Lines end with "\n" or "\r\n"; comments (":...") and other fields
  // (event, id, retry) are skipped.
  std::vector<std::string> feed(std::string_view bytes);

  // Bytes held back because their line or event is not complete yet.
  size_t pendingBytes() const { return line_.size() + data_.size(); }

private:
  void endLine(std::vector<std::string> &events);

  std::string line_; // the current, unfinished line
  std::string data_; // data lines of the current event
  bool hasData_ = false;
};

} // namespace llmc::bench
