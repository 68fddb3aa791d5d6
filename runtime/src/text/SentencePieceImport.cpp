// sentencepiece.ModelProto -> llmc.plan.Tokenizer. The model file is parsed
// with our own declaration of the fields we need
// (proto/sentencepiece_model_subset.proto).
#include "llmc/runtime/text/SentencePieceImport.h"

#include "llmc/runtime/sentencepiece_model_subset.pb.h"

#include <fstream>
#include <set>
#include <sstream>

namespace llmc::runtime::text {

namespace {

plan::Tokenizer::ModelType modelType(spm::TrainerSpec::ModelType t) {
  switch (t) {
  case spm::TrainerSpec::BPE:
    return plan::Tokenizer::BPE;
  case spm::TrainerSpec::UNIGRAM:
    return plan::Tokenizer::UNIGRAM;
  case spm::TrainerSpec::WORD:
    return plan::Tokenizer::WORD;
  case spm::TrainerSpec::CHAR:
    return plan::Tokenizer::CHAR;
  }
  return plan::Tokenizer::MODEL_TYPE_UNSPECIFIED;
}

const char *modelTypeName(spm::TrainerSpec::ModelType t) {
  switch (t) {
  case spm::TrainerSpec::BPE:
    return "bpe";
  case spm::TrainerSpec::UNIGRAM:
    return "unigram";
  case spm::TrainerSpec::WORD:
    return "word";
  case spm::TrainerSpec::CHAR:
    return "char";
  }
  return "unknown";
}

// An id field: -1 (absent) or in [0, n).
bool validId(int32_t id, int n) { return id == -1 || (id >= 0 && id < n); }

} // namespace

Status importSentencePieceModel(const std::string &bytes, plan::Tokenizer &out,
                                std::vector<std::string> &warnings) {
  spm::ModelProto model;
  if (!model.ParseFromString(bytes))
    return Status::error("not a SentencePiece model (the file does not parse "
                         "as a sentencepiece.ModelProto)");
  if (model.pieces_size() == 0)
    return Status::error("not a SentencePiece model (no pieces)");
  const spm::TrainerSpec &trainer = model.trainer_spec();
  const spm::NormalizerSpec &norm = model.normalizer_spec();

  plan::Tokenizer t;
  t.set_source("sentencepiece");
  t.set_model_type(modelType(trainer.model_type()));
  t.set_byte_fallback(trainer.byte_fallback());
  t.set_add_dummy_prefix(norm.add_dummy_prefix());
  t.set_remove_extra_whitespaces(norm.remove_extra_whitespaces());
  t.set_escape_whitespaces(norm.escape_whitespaces());
  t.set_treat_whitespace_as_suffix(trainer.treat_whitespace_as_suffix());
  t.set_normalizer_name(norm.name());
  t.set_unk_surface(trainer.unk_surface());

  const int n = model.pieces_size();
  std::set<std::string> seen;
  int32_t unk = -1;
  for (int i = 0; i < n; ++i) {
    const spm::ModelProto::SentencePiece &p = model.pieces(i);
    if (p.piece().empty())
      return Status::error("piece " + std::to_string(i) + " is empty");
    if (!seen.insert(p.piece()).second)
      return Status::error("piece " + std::to_string(i) + " ('" + p.piece() +
                           "') is defined twice");
    plan::Tokenizer::Piece *q = t.add_pieces();
    q->set_piece(p.piece());
    q->set_score(p.score());
    q->set_type(static_cast<plan::Tokenizer::PieceType>(p.type()));
    if (p.type() == spm::ModelProto::SentencePiece::UNKNOWN) {
      if (unk >= 0)
        return Status::error("pieces " + std::to_string(unk) + " and " +
                             std::to_string(i) + " are both <unk>");
      unk = i;
    }
    if (p.type() == spm::ModelProto::SentencePiece::BYTE &&
        !trainer.byte_fallback())
      return Status::error("piece " + std::to_string(i) +
                           " is a byte piece but byte_fallback is off");
  }
  if (unk < 0)
    return Status::error("the model has no <unk> piece");
  if (trainer.unk_id() != unk)
    warnings.push_back("trainer_spec.unk_id " +
                       std::to_string(trainer.unk_id()) +
                       " differs from the <unk> piece " + std::to_string(unk) +
                       "; using " + std::to_string(unk));
  t.set_unk_id(unk);
  auto special = [&](int32_t id, const char *what) {
    if (validId(id, n))
      return id;
    warnings.push_back(std::string(what) + " " + std::to_string(id) +
                       " is outside the vocabulary; ignored");
    return -1;
  };
  t.set_bos_id(special(trainer.bos_id(), "bos_id"));
  t.set_eos_id(special(trainer.eos_id(), "eos_id"));
  t.set_pad_id(special(trainer.pad_id(), "pad_id"));

  if (t.model_type() == plan::Tokenizer::MODEL_TYPE_UNSPECIFIED)
    return Status::error("unknown model type " +
                         std::to_string(trainer.model_type()));
  if (t.model_type() != plan::Tokenizer::BPE)
    warnings.push_back(std::string("model type '") +
                       modelTypeName(trainer.model_type()) +
                       "': the runtime decodes ids to text but cannot encode "
                       "text prompts yet (BPE only)");
  if (!norm.precompiled_charsmap().empty() ||
      !norm.normalization_rule_tsv().empty())
    warnings.push_back("normalization rule '" + norm.name() +
                       "' is not applied by the runtime (only whitespace "
                       "handling is): prompts that it would change may "
                       "encode differently from SentencePiece");
  out = std::move(t);
  return Status::success();
}

Status readSentencePieceModel(const std::string &path, plan::Tokenizer &out,
                              std::vector<std::string> &warnings) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot read tokenizer '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  Status st = importSentencePieceModel(ss.str(), out, warnings);
  if (!st.ok())
    return Status::error(path + ": " + st.message);
  for (std::string &w : warnings)
    w = path + ": " + w;
  return Status::success();
}

} // namespace llmc::runtime::text
