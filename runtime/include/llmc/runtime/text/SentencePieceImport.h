// Reading SentencePiece model files ("tokenizer.model", as many models ship
// one) into the plan's tokenizer message. Part of llmc_plan, so the
// compiler can use it (`llmc compile --tokenizer`).
#ifndef LLMC_RUNTIME_TEXT_SENTENCEPIECEIMPORT_H
#define LLMC_RUNTIME_TEXT_SENTENCEPIECEIMPORT_H

#include "llmc/runtime/Status.h"
#include "llmc/runtime/tokenizer.pb.h"

#include <string>
#include <vector>

namespace llmc::runtime::text {

// Converts a serialized sentencepiece.ModelProto. `warnings` receives one
// line per setting that the runtime does not implement (e.g. a Unicode
// normalization rule) but that does not prevent using the model.
Status importSentencePieceModel(const std::string &bytes,
                                plan::Tokenizer &out,
                                std::vector<std::string> &warnings);
// Reads the file; messages name `path`.
Status readSentencePieceModel(const std::string &path, plan::Tokenizer &out,
                              std::vector<std::string> &warnings);

} // namespace llmc::runtime::text

#endif
