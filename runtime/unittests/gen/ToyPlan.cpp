// The toy generation plan: PlanWriterInput built by hand, one program per
// token bucket, all sharing one STATE cache and one activation arena.
#include "gen/ToyPlan.h"

#include "TestUtil.h"
#include "llmc/runtime/Device.h"

#include <algorithm>

namespace llmc::runtime::gen::test {
namespace {

void dims(google::protobuf::RepeatedPtrField<plan::Dim> *out,
          std::initializer_list<int64_t> values) {
  for (int64_t v : values)
    out->Add()->set_value(v);
}

int addBuffer(PlanHeader &h, plan::BufferKind kind, plan::DType dtype,
              std::initializer_list<int64_t> shape, uint64_t elemBytes) {
  plan::Buffer *b = h.add_buffers();
  b->set_id(h.buffers_size() - 1);
  b->set_kind(kind);
  b->set_dtype(dtype);
  dims(b->mutable_dims(), shape);
  uint64_t n = elemBytes;
  for (int64_t v : shape)
    n *= static_cast<uint64_t>(v);
  b->set_size_bytes(n);
  return b->id();
}

void addIo(google::protobuf::RepeatedPtrField<plan::TensorDesc> *list,
           const std::string &name, const plan::Buffer &b) {
  plan::TensorDesc *d = list->Add();
  d->set_name(name);
  d->set_dtype(b.dtype());
  *d->mutable_dims() = b.dims();
  d->set_buffer(b.id());
}

int addKernel(PlanHeader &h, const std::string &symbol, int numArgs) {
  plan::Kernel *k = h.add_kernels();
  k->set_name(symbol);
  k->set_symbol(symbol);
  k->set_num_args(numArgs);
  return h.kernels_size() - 1;
}

void addStep(plan::Program &p, int kernel, std::initializer_list<int> args) {
  plan::Step *s = p.add_steps();
  s->set_kernel(kernel);
  for (int a : args)
    s->add_args(a);
}

} // namespace

PlanWriterInput makeToyPlan(const ToyPlanOptions &o) {
  PlanWriterInput in;
  PlanHeader &h = in.header;
  h.set_producer("llmc-runtime-tests");
  auto &md = *h.mutable_metadata();
  md["generation.step"] = o.step;
  md["generation.page_size"] = std::to_string(kToyPage);
  md["generation.kv_blocks_max"] = std::to_string(o.kvBlocksMax);
  md["generation.max_batch"] = std::to_string(kToyMaxBatch);
  md["generation.max_num_tokens"] =
      std::to_string(*std::max_element(o.buckets.begin(), o.buckets.end()));
  md["generation.max_model_len"] = std::to_string(
      o.maxModelLen ? o.maxModelLen : kToyMaxBlocksPerSeq * kToyPage);
  md["generation.kv_dtype"] = "fp32";
  if (!o.eos.empty())
    md["generation.eos_token_ids"] = o.eos;

  plan::Target *t = h.add_targets();
  t->set_name(hostCpuTargetName());
  t->set_code_section(0);

  // The cache: dims[0] symbolic, size_bytes for kv_blocks_max.
  plan::Buffer *cache = h.add_buffers();
  cache->set_id(0);
  cache->set_kind(plan::STATE);
  cache->set_dtype(plan::INT64);
  cache->add_dims()->set_symbol("kv_blocks");
  dims(cache->mutable_dims(), {kToyPage, 2});
  cache->set_size_bytes(uint64_t(o.kvBlocksMax) * kToyPage * 2 * 8);

  uint64_t arena = 0;
  for (int32_t n : o.buckets) {
    int64_t N = n, B = std::min(n, kToyMaxBatch), M = B;
    plan::Program &p = *h.add_programs();
    p.set_name("step_n" + std::to_string(n));
    int tok = addBuffer(h, plan::INPUT, plan::INT64, {1, N}, 8);
    int pos = addBuffer(h, plan::INPUT, plan::INT64, {1, N}, 8);
    int slot = addBuffer(h, plan::INPUT, plan::INT64, {N}, 8);
    int seq = addBuffer(h, plan::INPUT, plan::INT64, {N}, 8);
    int tables =
        addBuffer(h, plan::INPUT, plan::INT64, {B, kToyMaxBlocksPerSeq}, 8);
    int sample = addBuffer(h, plan::INPUT, plan::INT64, {M}, 8);
    int sums = addBuffer(h, plan::ACTIVATION, plan::INT64, {N}, 8);
    int logits =
        addBuffer(h, plan::OUTPUT, plan::FLOAT, {1, M, kToyVocab}, 4);
    arena = std::max<uint64_t>(arena, h.buffers(sums).size_bytes());
    const char *names[] = {"token_ids",    "positions",   "slot_mapping",
                           "token_seq",    "block_tables", "sample_index"};
    int ids[] = {tok, pos, slot, seq, tables, sample};
    for (int i = 0; i < 6; ++i)
      addIo(p.mutable_inputs(), names[i], h.buffers(ids[i]));
    addIo(p.mutable_outputs(), "logits", h.buffers(logits));
    std::string sfx = "_n" + std::to_string(n);
    addStep(p, addKernel(h, "toy_append" + sfx, 4), {tok, pos, slot, 0});
    addStep(p, addKernel(h, "toy_attend" + sfx, 6),
            {pos, seq, tables, slot, 0, sums});
    addStep(p, addKernel(h, "toy_logits" + sfx, 3), {sample, sums, logits});
  }
  h.mutable_memory()->set_arena_bytes(arena);
  h.mutable_memory()->set_arena_alignment(64);
  in.sections.emplace_back(std::string("code.") + hostCpuTargetName(),
                           runtime::test::readBytes(LLMC_TEST_TOY_KERNELS_PATH));
  return in;
}

std::vector<TokenId> toyExpected(const std::vector<TokenId> &prompt,
                                 int32_t maxTokens,
                                 const std::vector<TokenId> &eos,
                                 int64_t maxModelLen) {
  std::vector<TokenId> out;
  int64_t sum = 0;
  for (TokenId t : prompt)
    sum += t;
  while (int32_t(out.size()) < maxTokens &&
         int64_t(prompt.size() + out.size()) < maxModelLen) {
    TokenId next = static_cast<TokenId>(sum % kToyVocab);
    out.push_back(next);
    sum += next;
    if (std::find(eos.begin(), eos.end(), next) != eos.end())
      break;
  }
  return out;
}

plan::Tokenizer toyTokenizer() {
  plan::Tokenizer t;
  t.set_source("test");
  t.set_model_type(plan::Tokenizer::BPE);
  t.set_add_dummy_prefix(true);
  t.set_remove_extra_whitespaces(true);
  t.set_escape_whitespaces(true);
  t.set_unk_id(0);
  t.set_bos_id(1);
  t.set_eos_id(16);
  t.set_pad_id(-1);
  t.set_unk_surface("?");
  auto add = [&](const std::string &p, plan::Tokenizer::PieceType type) {
    auto *q = t.add_pieces();
    q->set_piece(p);
    q->set_type(type);
    q->set_score(-static_cast<float>(t.pieces_size()));
  };
  add("<unk>", plan::Tokenizer::UNKNOWN);
  add("<s>", plan::Tokenizer::CONTROL);
  for (char c = 'a'; c <= 'n'; ++c)
    add(std::string("\xE2\x96\x81") + c, plan::Tokenizer::NORMAL);
  add("</s>", plan::Tokenizer::CONTROL);
  return t;
}

PlanWriterInput makeToyPlanWithTokenizer(const ToyPlanOptions &options) {
  PlanWriterInput in = makeToyPlan(options);
  std::string bytes = toyTokenizer().SerializeAsString();
  in.sections.emplace_back(text::kTokenizerSectionName,
                           std::vector<uint8_t>(bytes.begin(), bytes.end()));
  return in;
}

} // namespace llmc::runtime::gen::test
