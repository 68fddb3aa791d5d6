// llmrun: loads an llmc plan and runs it once on TensorProto inputs
// (--exec), writing every graph output to <output-dir>/<name>.pb, or
// generates for a JSONL file of requests (--batch) or for text prompts
// (--prompt, streamed) with a generation plan, or scores a text file
// (--perplexity), or, with no mode flag, serves an OpenAI-compatible HTTP
// API (docs/serving.md).
#include "llmc/runtime/OnnxWeights.h"
#include "llmc/runtime/DeviceSelect.h"
#include "llmc/runtime/Runtime.h"
#include "llmc/runtime/TensorFile.h"
#include "llmc/runtime/gen/BatchIO.h"
#include "llmc/runtime/gen/BatchRunner.h"
#include "llmc/runtime/gen/GenerationMetadata.h"
#include "llmc/runtime/gen/PlanStepExecutor.h"
#include "llmc/runtime/text/Tokenizer.h"
#include "serve/ChatRequest.h"

#include "Perplexity.h"
#include "RenderChatMode.h"
#include "Server.h"
#include "TextGeneration.h"
#include "TokenizeMode.h"

#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace llmc::runtime;

namespace {

constexpr const char *kVersion = "llmrun 0.1.0";

struct Options {
  std::string plan;
  std::string device = "auto"; // --device: auto, cpu or cuda
  bool exec = false;
  std::vector<std::string> inputs;
  std::string outputDir; // --batch: the results file
  std::string batch;
  std::string onError = "fail";
  int32_t maxNumSeqs = 0;   // 0: the plan's largest batch
  int32_t maxNumTokens = 0; // 0: the plan's largest token bucket
  int32_t kvBlocks = 0;     // 0: the plan's generation.kv_blocks_max
  // --prompt
  std::vector<std::string> prompts;
  bool noEcho = false;
  gen::SamplingParams sampling;
  bool seedGiven = false;
  // --perplexity
  std::string perplexity;
  int64_t context = 0; // 0: kDefaultContext, capped by the model length
  int64_t stride = 0;  // 0: context / 2
  bool wholeFile = false;
  std::string renderChat; // --render-chat MESSAGES.json
  // --encode / --decode (TokenizeMode.h)
  std::optional<std::string> encode, decode;
  bool noSpecialTokens = false;
  // serving (no mode flag)
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  uint64_t maxRequestBytes = 1 << 20;
  std::string apiKey; // also LLMC_API_KEY
  int64_t maxQueue = -1;
  int64_t maxConnections = 4096;
  double requestTimeout = 30, keepAliveTimeout = 5, sendTimeout = 30;
  int64_t sendBufferBytes = 0;
  double drainTimeout = 30;
  bool noAccessLog = false, metricsVllmNames = false;
  // Weight-stripped plans (llmc compile --no-weights)
  std::string weights; // the ONNX model to read them from
  bool randomWeights = false;
  uint64_t randomSeed = 0;
};

// scripts/kjv/evaluate.py's window (the kjv model's training context).
constexpr int64_t kDefaultContext = 256;

int fail(const std::string &message) {
  std::cerr << "llmrun: error: " << message << "\n";
  return 1;
}

// Opens the plan and, for a weight-stripped one, supplies its weights from
// --weights or --random-weights.
Status openPlan(const Options &opts, std::unique_ptr<PlanFile> &plan) {
  LLMC_RETURN_IF_ERROR(PlanFile::open(opts.plan, plan));
  if (!plan->missingWeights()) {
    if (!opts.weights.empty() || opts.randomWeights)
      return Status::error(opts.plan + ": the plan holds all its weights; "
                           "--weights and --random-weights are for plans "
                           "compiled with --no-weights");
    return Status::success();
  }
  if (opts.randomWeights) {
    std::cerr << "llmrun: note: " << plan->header().external_weights_size()
              << " weights are random (--random-weights "
              << opts.randomSeed << "); outputs are meaningless\n";
    return attachRandomWeights(*plan, opts.randomSeed);
  }
  if (!opts.weights.empty())
    return attachOnnxWeights(*plan, opts.weights);
  return Status::error(opts.plan + ": the plan has no weights (compiled with "
                       "--no-weights); pass --weights MODEL.onnx or "
                       "--random-weights SEED");
}

// The engine on the --device choice (docs/cuda-runtime.md). auto says on
// stderr why it runs a plan that has PTX code on the CPU.
Status createEngine(const Options &opts, std::unique_ptr<PlanFile> plan,
                    std::unique_ptr<Engine> &engine) {
  DeviceKind kind = DeviceKind::Auto;
  LLMC_RETURN_IF_ERROR(parseDeviceKind(opts.device, kind));
  std::unique_ptr<Device> device;
  std::string note;
  Status st = createDevice(plan->header(), kind, device, note);
  if (!st.ok())
    return Status::error("--device " + opts.device + ": " + st.message);
  if (!note.empty())
    std::cerr << "llmrun: " << note << "; running on CPU\n";
  return Engine::create(std::move(plan), std::move(device), engine);
}

// Output file name for a graph output: '/' becomes '_', and names that would
// escape or vanish ("", ".", "..") get a leading '_'.
std::string outputFileName(const std::string &name) {
  std::string s = name;
  for (char &c : s)
    if (c == '/')
      c = '_';
  if (s.empty() || s == "." || s == "..")
    s = "_" + s;
  return s + ".pb";
}

std::string quotedList(const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "'" : ", '") + n + "'";
  return s.empty() ? "none" : s;
}

// Reads every --input and binds it; every plan input must be bound.
Status bindInputs(Engine &engine, const std::vector<std::string> &specs) {
  std::vector<std::string> planInputs = engine.inputNames();
  std::set<std::string> known(planInputs.begin(), planInputs.end()), bound;
  for (const std::string &spec : specs) {
    std::string name, file = spec;
    size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      std::string prefix = spec.substr(0, eq);
      if (known.count(prefix)) {
        name = prefix;
        file = spec.substr(eq + 1);
      } else if (!std::filesystem::exists(spec)) {
        return Status::error("--input '" + spec + "': plan has no input '" +
                             prefix + "' (plan inputs: " +
                             quotedList(planInputs) + ")");
      }
    }
    Tensor tensor;
    std::string protoName;
    LLMC_RETURN_IF_ERROR(readTensorFile(file, tensor, protoName));
    if (name.empty()) {
      if (protoName.empty())
        return Status::error("input file '" + file +
                             "' has no tensor name; use --input NAME=" + file);
      name = protoName;
    }
    if (!bound.insert(name).second)
      return Status::error("input '" + name + "' is given more than once");
    Status st = engine.setInput(name, tensor);
    if (!st.ok())
      return Status::error(file + ": " + st.message);
  }
  for (const std::string &name : planInputs)
    if (!bound.count(name))
      return Status::error("missing input '" + name + "' (use --input " +
                           name + "=FILE.pb)");
  return Status::success();
}

Status writeOutputs(Engine &engine, const std::string &dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::error("cannot create output directory '" + dir +
                         "': " + ec.message());
  std::map<std::string, std::string> fileToOutput;
  for (const std::string &name : engine.outputNames()) {
    std::string file = outputFileName(name);
    auto [it, fresh] = fileToOutput.emplace(file, name);
    if (!fresh)
      return Status::error("outputs '" + it->second + "' and '" + name +
                           "' would both be written to " + file);
  }
  for (const std::string &name : engine.outputNames()) {
    Tensor tensor;
    LLMC_RETURN_IF_ERROR(engine.getOutput(name, tensor));
    std::string path = (std::filesystem::path(dir) / outputFileName(name));
    LLMC_RETURN_IF_ERROR(writeTensorFile(path, tensor, name));
    std::cout << "wrote " << path << " ("
              << typeString(tensor.dtype, tensor.shape) << ")\n";
  }
  return Status::success();
}

int execute(const Options &opts) {
  if (opts.outputDir.empty())
    return fail("--exec requires --output-dir DIR");
  std::unique_ptr<PlanFile> plan;
  Status st = openPlan(opts, plan);
  if (!st.ok())
    return fail(st.message);
  std::unique_ptr<Engine> engine;
  st = createEngine(opts, std::move(plan), engine);
  if (!st.ok())
    return fail(st.message);
  if (engine->defaultProgramEmpty())
    return fail(opts.plan + ": a generation plan (programs " +
                quotedList(engine->programNames()) +
                ") has no default program to --exec; use --batch");
  st = bindInputs(*engine, opts.inputs);
  if (!st.ok())
    return fail(st.message);
  st = engine->run();
  if (!st.ok())
    return fail(st.message);
  st = writeOutputs(*engine, opts.outputDir);
  if (!st.ok())
    return fail(st.message);
  return 0;
}

// A CLI limit: 0 takes the plan's; a larger one is clamped to it (the
// compiled buckets cannot hold more), with a warning.
int32_t planLimit(int32_t requested, int32_t plan, const char *option) {
  if (requested > plan)
    std::cerr << "llmrun: warning: " << option << " " << requested
              << " exceeds what the plan supports; using " << plan << "\n";
  return requested == 0 ? plan : std::min(requested, plan);
}

// Everything --batch and --prompt need from a generation plan.
struct GenerationSetup {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<gen::PlanStepExecutor> executor;
  std::unique_ptr<text::Tokenizer> tokenizer; // when asked for
  gen::GenerationConfig config;
};

// Opens the plan, checks it is a generation plan, loads the tokenizer when
// `needTokenizer`, and sizes the scheduler from the options and the plan.
// Returns 0, or the exit status after printing the error.
int setUpGeneration(const Options &opts, bool needTokenizer, const char *mode,
                    GenerationSetup &setup) {
  gen::SchedulerConfig &sched = setup.config.scheduler;
  Status st;
  if (opts.maxNumSeqs < 0 || opts.maxNumTokens < 0)
    return fail("--max-num-seqs and --max-num-tokens must be at least 1 (or "
                "0: the plan's limits)");
  if (opts.maxNumSeqs > 0 && opts.maxNumTokens > 0) {
    sched.maxNumSeqs = opts.maxNumSeqs;
    sched.maxNumTokens = opts.maxNumTokens;
    st = sched.validate();
    if (!st.ok())
      return fail(st.message);
  }
  if (opts.kvBlocks < 0)
    return fail("--kv-cache-blocks must be at least 1 (or 0: the plan's " +
                std::string(gen::kMetaKvBlocksMax) + ")");

  std::unique_ptr<PlanFile> plan;
  st = openPlan(opts, plan);
  if (!st.ok())
    return fail(st.message);
  std::map<std::string, std::string> metadata(
      plan->header().metadata().begin(), plan->header().metadata().end());
  if (!gen::isGenerationPlan(metadata))
    return fail(opts.plan + ": not a generation plan (compile a decoder LLM "
                            "with llmc compile to use " + mode + ")");
  if (needTokenizer) {
    if (!text::Tokenizer::planHasTokenizer(*plan))
      return fail(opts.plan +
                  ": the plan has no tokenizer, so text prompts cannot be "
                  "encoded (compile it with `llmc compile --tokenizer "
                  "tokenizer.model`" +
                  (std::string(mode) == "--batch" ? ", or give prompt_ids)"
                                                  : ")"));
    st = text::Tokenizer::fromPlan(*plan, setup.tokenizer);
    if (!st.ok())
      return fail(st.message);
    if (!setup.tokenizer->canEncode())
      return fail(opts.plan + ": the plan's tokenizer cannot encode text: " +
                  [&] {
                    std::vector<text::TokenId> ids;
                    return setup.tokenizer->encode("", ids).message;
                  }());
  }
  gen::GenerationMetadata meta;
  st = gen::parseGenerationMetadata(metadata, meta);
  if (!st.ok())
    return fail(opts.plan + ": " + st.message);
  st = createEngine(opts, std::move(plan), setup.engine);
  if (!st.ok())
    return fail(st.message);
  st = gen::PlanStepExecutor::create(*setup.engine, meta, opts.kvBlocks,
                                     setup.executor);
  if (!st.ok())
    return fail(opts.plan + ": " + st.message);
  gen::PlanStepExecutor *executor = setup.executor.get();

  sched.maxNumTokens = planLimit(opts.maxNumTokens, executor->maxNumTokens(),
                                 "--max-num-tokens");
  sched.maxNumSeqs =
      planLimit(opts.maxNumSeqs, executor->maxBatch(), "--max-num-seqs");
  // Every running decode must fit one step.
  sched.maxNumSeqs = std::min(sched.maxNumSeqs, sched.maxNumTokens);
  sched.maxModelLen = executor->maxModelLen();
  sched.eosTokenIds = meta.eosTokenIds;
  setup.config.numKvBlocks = executor->numKvBlocks();
  st = sched.validate();
  if (!st.ok())
    return fail(st.message);
  return 0;
}

// --batch: requests are parsed and validated in full before the plan is
// even opened, so bad input never costs a model load.
int batchMode(const Options &opts) {
  if (opts.exec)
    return fail("--exec and --batch cannot be used together");
  if (!opts.inputs.empty())
    return fail("--input is for --exec; --batch reads requests from " +
                opts.batch);
  std::ifstream in(opts.batch);
  if (!in)
    return fail("cannot read '" + opts.batch + "'");
  gen::BatchInput input;
  gen::OnError policy =
      opts.onError == "skip" ? gen::OnError::Skip : gen::OnError::Fail;
  Status st = gen::parseBatch(in, opts.batch, policy, input);
  for (const gen::BatchIssue &issue : input.issues)
    std::cerr << "llmrun: " << (st.ok() ? "warning: " : "error: ")
              << opts.batch << ":" << issue.line << ": " << issue.message
              << (st.ok() ? " (line skipped)" : "") << "\n";
  if (!st.ok())
    return fail(st.message);

  gen::BatchRunOptions run;
  bool textPrompts = false;
  for (const std::string &t : input.promptTexts)
    textPrompts |= !t.empty();
  GenerationSetup setup;
  if (int rc = setUpGeneration(opts, textPrompts, "--batch", setup))
    return rc;
  run.generation = setup.config;
  if (textPrompts) {
    for (size_t i = 0; i < input.requests.size(); ++i) {
      if (input.promptTexts[i].empty())
        continue;
      // An encoding failure (or an empty result) becomes the request's error.
      st = setup.tokenizer->encode(input.promptTexts[i],
                                   input.requests[i].promptIds);
      if (!st.ok())
        return fail(opts.batch + ":" + std::to_string(input.lines[i]) + ": " +
                    st.message);
    }
  }

  std::ofstream file;
  if (!opts.outputDir.empty()) {
    file.open(opts.outputDir, std::ios::trunc);
    if (!file)
      return fail("cannot write '" + opts.outputDir + "'");
  }
  std::ostream &results =
      file.is_open() ? static_cast<std::ostream &>(file) : std::cout;
  run.progressBar = ::isatty(2) != 0;
  gen::GenerationStats stats;
  std::vector<gen::GenerationRequest> requests = input.requests;
  if (!textPrompts) {
    st = gen::runBatch(run, std::move(requests), *setup.executor, results,
                       std::cerr, stats);
    if (!st.ok())
      return fail(st.message);
    return stats.failedRequests > 0 ? 1 : 0;
  }
  // Results of text prompts also carry their text: the result lines (one
  // per request, in request order) get it added.
  std::ostringstream lines;
  st = gen::runBatch(run, std::move(requests), *setup.executor, lines,
                     std::cerr, stats);
  if (!st.ok())
    return fail(st.message);
  std::istringstream in2(lines.str());
  std::string line, withText;
  for (size_t i = 0; std::getline(in2, line); ++i) {
    if (i < input.requests.size() && !input.promptTexts[i].empty()) {
      const std::vector<gen::TokenId> &prompt = input.requests[i].promptIds;
      st = gen::addResultText(
          line,
          [&](const std::vector<gen::TokenId> &ids) {
            text::StreamDecoder d(*setup.tokenizer);
            d.prime(prompt);
            std::string t;
            for (gen::TokenId id : ids)
              t += d.add(id);
            return t + d.finish();
          },
          withText);
      if (!st.ok())
        return fail("internal error: result line " + std::to_string(i + 1) +
                    ": " + st.message);
      line = withText;
    }
    results << line << '\n';
  }
  results.flush();
  if (!results)
    return fail("cannot write results");
  return stats.failedRequests > 0 ? 1 : 0;
}

// --prompt: encode, generate and stream the text of each prompt in turn.
int promptMode(const Options &opts) {
  if (opts.exec)
    return fail("--exec and --prompt cannot be used together");
  if (!opts.inputs.empty() || !opts.outputDir.empty())
    return fail("--input and --output-dir are for --exec; --prompt prints "
                "the text");
  GenerationSetup setup;
  if (int rc = setUpGeneration(opts, true, "--prompt", setup))
    return rc;
  bool failed = false;
  for (size_t i = 0; i < opts.prompts.size(); ++i) {
    gen::GenerationRequest request;
    request.id = "prompt" + std::to_string(i);
    request.params = opts.sampling;
    Status st = setup.tokenizer->encode(opts.prompts[i], request.promptIds);
    if (!st.ok())
      return fail(st.message);
    if (request.promptIds.empty())
      return fail("--prompt '" + opts.prompts[i] +
                  "' encodes to no tokens; give some text");
    size_t promptTokens = request.promptIds.size();
    gen::GenerationConfig config = setup.config;
    config.baseSeed = i; // like --batch: request i gets mixSeed(i)
    if (!opts.noEcho)
      std::cout << opts.prompts[i] << std::flush;
    gen::StreamedGeneration result;
    st = gen::generateStreaming(
        config, *setup.executor, *setup.tokenizer, std::move(request),
        [](const std::string &piece) { std::cout << piece << std::flush; },
        result);
    std::cout << "\n" << std::flush;
    if (!st.ok())
      return fail(st.message);
    if (result.finishReason == gen::FinishReason::Error) {
      std::cerr << "llmrun: error: prompt " << i + 1 << ": " << result.error
                << "\n";
      failed = true;
      continue;
    }
    char stats[200];
    std::snprintf(stats, sizeof stats,
                  "[%zu prompt tokens, %zu generated in %.2f s (%.1f tok/s), "
                  "finish_reason %s]",
                  promptTokens, result.outputIds.size(), result.seconds,
                  result.seconds > 0 ? result.outputIds.size() / result.seconds
                                     : 0.0,
                  gen::finishReasonName(result.finishReason));
    std::cerr << stats << "\n";
  }
  return failed ? 1 : 0;
}

// --perplexity: encode the file, score it with a sliding window and print
// tokens, mean NLL and perplexity (docs/accuracy.md).
int perplexityMode(const Options &opts) {
  if (opts.exec)
    return fail("--exec and --perplexity cannot be used together");
  if (!opts.inputs.empty() || !opts.outputDir.empty())
    return fail("--input and --output-dir are for --exec; --perplexity "
                "prints the result");
  if (opts.context < 0 || opts.context == 1 || opts.stride < 0 ||
      (opts.context > 0 && opts.stride >= opts.context))
    return fail("--context must be at least 2 (or 0: " +
                std::to_string(kDefaultContext) +
                ") and --stride between 1 and the context - 1 (or 0: "
                "half the context)");
  std::ifstream in(opts.perplexity, std::ios::binary);
  if (!in)
    return fail("cannot read '" + opts.perplexity + "'");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  GenerationSetup setup;
  if (int rc = setUpGeneration(opts, true, "--perplexity", setup))
    return rc;
  gen::PlanStepExecutor &ex = *setup.executor;
  gen::PerplexityOptions po;
  po.context = opts.context;
  if (po.context == 0) {
    po.context = std::min<int64_t>(kDefaultContext, ex.maxModelLen());
  } else if (po.context > ex.maxModelLen()) {
    return fail("--context " + std::to_string(po.context) +
                " exceeds the plan's model length (" +
                std::to_string(ex.maxModelLen()) + ")");
  }
  po.stride = opts.stride ? opts.stride : std::max<int64_t>(1, po.context / 2);
  if (po.stride >= po.context)
    return fail("--stride " + std::to_string(po.stride) +
                " must be below the context (" + std::to_string(po.context) +
                ")");
  po.maxNumTokens = setup.config.scheduler.maxNumTokens;
  po.maxEntries = setup.config.scheduler.maxNumSeqs;
  po.numKvBlocks = ex.numKvBlocks();

  std::vector<gen::TokenId> ids;
  Status st = gen::encodeForPerplexity(*setup.tokenizer, text, !opts.wholeFile,
                                       setup.tokenizer->eosId(), ids);
  if (!st.ok())
    return fail(opts.perplexity + ": " + st.message);
  gen::PerplexityResult r;
  st = gen::scorePerplexity(ex, ids, po, r);
  if (!st.ok())
    return fail(opts.perplexity + ": " + st.message);
  char line[160];
  std::cout << "file: " << opts.perplexity << "\n";
  std::cout << "tokens: " << r.tokens << "\n";
  std::cout << "scored: " << r.scored << "\n";
  std::cout << "context: " << po.context << "\n";
  std::cout << "stride: " << po.stride << "\n";
  std::snprintf(line, sizeof line, "mean NLL: %.6f nats/token\n", r.meanNll());
  std::cout << line;
  std::snprintf(line, sizeof line, "perplexity: %.4f\n", r.perplexity());
  std::cout << line << std::flush;
  std::snprintf(line, sizeof line,
                "[%lld windows, %lld steps in %.2f s (%.0f scored tok/s)]",
                static_cast<long long>(r.windows),
                static_cast<long long>(r.steps), r.seconds,
                r.seconds > 0 ? r.scored / r.seconds : 0.0);
  std::cerr << line << "\n";
  return 0;
}

// No mode flag: serve the plan over HTTP until SIGTERM/SIGINT. A plan that is
// not a generation plan keeps the old "no mode given" answer (exit 2).
int serveMode(const Options &opts) {
  if (!opts.inputs.empty() || !opts.outputDir.empty())
    return fail("--input and --output-dir are for --exec");
  {
    std::unique_ptr<PlanFile> plan;
    Status st = PlanFile::open(opts.plan, plan);
    if (!st.ok())
      return fail(st.message);
    std::map<std::string, std::string> metadata(
        plan->header().metadata().begin(), plan->header().metadata().end());
    if (!gen::isGenerationPlan(metadata)) {
      std::cerr << "llmrun: error: no mode given: use --exec, --batch or "
                   "--prompt, or --perplexity FILE (serving HTTP needs a "
                   "generation plan)\n";
      return 2;
    }
    bool hasTokenizer = text::Tokenizer::planHasTokenizer(*plan);
    // For /v1/chat/completions; without one that endpoint answers 400.
    std::unique_ptr<text::ChatTemplate> chatTemplate;
    st = gen::loadChatTemplate(*plan, chatTemplate);
    if (!st.ok())
      return fail(st.message);
    plan.reset(); // setUpGeneration opens it again
    gen::ServerOptions so;
    so.host = opts.host;
    so.port = opts.port;
    so.maxRequestBytes = opts.maxRequestBytes;
    so.apiKey = opts.apiKey;
    if (so.apiKey.empty())
      if (const char *key = std::getenv("LLMC_API_KEY"))
        so.apiKey = key;
    so.maxQueue = opts.maxQueue;
    so.maxConnections = opts.maxConnections;
    so.requestTimeout = opts.requestTimeout;
    so.keepAliveTimeout = opts.keepAliveTimeout;
    so.sendTimeout = opts.sendTimeout;
    so.sendBufferBytes = opts.sendBufferBytes;
    so.drainTimeout = opts.drainTimeout;
    so.accessLog = !opts.noAccessLog;
    so.metricsVllmNames = opts.metricsVllmNames;
    so.modelId = std::filesystem::path(opts.plan).stem().string();
    so.chatTemplate = chatTemplate.get();
    // Loaded while the server already listens (/health: 503 "loading").
    GenerationSetup setup;
    return gen::serve(so, [&](gen::ServedEngine &e) {
      if (int rc = setUpGeneration(opts, hasTokenizer, "serving", setup))
        return rc;
      e.config = setup.config;
      e.executor = setup.executor.get();
      e.tokenizer = setup.tokenizer.get();
      return 0;
    });
  }
}

int realMain(int argc, char **argv) {
  // Errors are reported as one `llmrun: error:` line; libprotobuf's own log
  // lines (e.g. invalid UTF-8 in a header string) would only add noise.
  google::protobuf::SetLogHandler(nullptr);
  Options opts;
  CLI::App app{"Run a plan compiled by llmc.\n\n"
               "With --exec, binds the given TensorProto (.pb) files to the "
               "plan's inputs, runs the plan once and writes each graph output "
               "to DIR/<output name>.pb ('/' in names becomes '_').\n\n"
               "With --batch, generates for every JSONL request through the "
               "continuous-batching scheduler (generation plans only; see "
               "docs/generation-runtime.md).\n\n"
               "With --prompt, encodes the text with the plan's tokenizer, "
               "generates and streams the continuation to stdout (generation "
               "plans compiled with --tokenizer; docs/tokenizer.md).\n\n"
               "With --perplexity, encodes a text file with the plan's "
               "tokenizer (each line followed by the end-of-sequence token), "
               "scores every token with a sliding window and prints tokens, "
               "mean NLL and perplexity (docs/accuracy.md).\n\n"
               "With none of these, serves an OpenAI-compatible HTTP API "
               "(/v1/completions, /v1/models, /health) on --host:--port "
               "until SIGTERM/SIGINT (generation plans; docs/serving.md).",
               "llmrun"};
  app.add_option("plan", opts.plan, "Plan file produced by llmc")
      ->required()
      ->type_name("PLAN");
  app.add_flag("--exec", opts.exec, "Run the plan once and exit");
  app.add_option("--batch", opts.batch,
                 "Generate for every request of a JSONL file (one JSON "
                 "object per line; needs a generation plan). Results go to "
                 "-o FILE, or stdout.")
      ->type_name("IN.jsonl");
  app.add_option("--on-error", opts.onError,
                 "--batch: malformed request lines fail the run before "
                 "generating, or are reported and skipped")
      ->check(CLI::IsMember({"skip", "fail"}))
      ->default_str("fail");
  app.add_option("--max-num-seqs", opts.maxNumSeqs,
                 "--batch: sequences running at once (0: the plan's "
                 "generation.max_batch; at most that)")
      ->default_str("0");
  app.add_option("--max-num-tokens", opts.maxNumTokens,
                 "--batch: tokens per step, the chunked prefill budget (0: "
                 "the plan's largest token bucket; at most that)")
      ->default_str("0");
  app.add_option("--kv-cache-blocks,--kv-blocks", opts.kvBlocks,
                 "--batch: KV cache blocks to allocate (0: the plan's "
                 "generation.kv_blocks_max; at most that)")
      ->default_str("0");
  app.add_option("-p,--prompt", opts.prompts,
                 "Generate a continuation of TEXT and print it as it comes "
                 "(needs a generation plan with a tokenizer). Repeat for "
                 "more prompts; each is generated in turn.")
      ->type_name("TEXT")
      ->allow_extra_args(false);
  app.add_flag("--no-echo", opts.noEcho,
               "--prompt: print only the generated text, not the prompt");
  gen::SamplingParams &sp = opts.sampling;
  sp.maxTokens = 64;
  app.add_option("--max-tokens", sp.maxTokens,
                 "--prompt: new tokens to generate at most")
      ->check(CLI::Range(1, std::numeric_limits<int32_t>::max()))
      ->capture_default_str();
  app.add_option("--temperature", sp.temperature,
                 "--prompt: sampling temperature (0: greedy)")
      ->check(CLI::Range(0.0f, 1e6f))
      ->capture_default_str();
  app.add_option("--top-p", sp.topP, "--prompt: nucleus sampling mass (1: off)")
      ->check(CLI::Range(1e-6f, 1.0f))
      ->capture_default_str();
  app.add_option("--top-k", sp.topK, "--prompt: keep the k best tokens (0: off)")
      ->check(CLI::Range(-1, std::numeric_limits<int32_t>::max()))
      ->capture_default_str();
  app.add_option("--min-p", sp.minP,
                 "--prompt: drop tokens below min_p * the best one's "
                 "probability (0: off)")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  app.add_option("--repetition-penalty", sp.repetitionPenalty,
                 "--prompt: penalty for prompt and output tokens (1: off)")
      ->check(CLI::Range(1e-6f, 1e6f))
      ->capture_default_str();
  app.add_option("--presence-penalty", sp.presencePenalty,
                 "--prompt: penalty for tokens already generated")
      ->check(CLI::Range(-2.0f, 2.0f))
      ->capture_default_str();
  app.add_option("--frequency-penalty", sp.frequencyPenalty,
                 "--prompt: penalty per occurrence in the output")
      ->check(CLI::Range(-2.0f, 2.0f))
      ->capture_default_str();
  auto *seed = app.add_option("--seed", sp.seed,
                              "--prompt: random seed (default: derived from "
                              "the prompt's position)");
  app.add_flag("--ignore-eos", sp.ignoreEos,
               "--prompt: keep generating after an end-of-sequence token");
  app.add_option("--perplexity", opts.perplexity,
                 "Score the text of FILE: encode each line with the plan's "
                 "tokenizer followed by the end-of-sequence id, run sliding "
                 "windows and print tokens, mean NLL and perplexity (needs a "
                 "generation plan with a tokenizer)")
      ->type_name("FILE.txt");
  app.add_option("--context", opts.context,
                 "--perplexity: window length in tokens (0: 256, the kjv "
                 "training context, at most the plan's model length)")
      ->default_str("0");
  app.add_option("--stride", opts.stride,
                 "--perplexity: window stride, below the context; a window "
                 "after the first scores only its last STRIDE tokens (0: "
                 "half the context)")
      ->default_str("0");
  app.add_flag("--whole-file", opts.wholeFile,
               "--perplexity: encode the file as one text, without an "
               "end-of-sequence token after each line");
  app.add_option("--render-chat", opts.renderChat,
                 "Print the prompt the plan's chat template makes of the "
                 "messages in FILE (a JSON array, or an object with "
                 "\"messages\", \"tools\", ...; no model load; "
                 "docs/chat-templates.md)")
      ->type_name("MESSAGES.json");
  app.add_option("-i,--input", opts.inputs,
                 "Input tensor: NAME=FILE.pb, or FILE.pb to bind by the "
                 "TensorProto's name field. Repeat for each input.")
      ->type_name("[NAME=]FILE")
      ->allow_extra_args(false);
  app.add_option("-o,--output-dir", opts.outputDir,
                 "--exec: directory for the output .pb files (created if "
                 "missing); --batch: the results JSONL file")
      ->type_name("DIR|FILE");
  app.add_option("--encode", opts.encode,
                 "Print the ids the plan's tokenizer gives TEXT (no model "
                 "load; docs/tokenizer.md)")
      ->type_name("TEXT");
  app.add_option("--decode", opts.decode,
                 "Print the text of token ids (comma or space separated)")
      ->type_name("IDS");
  app.add_flag("--no-special-tokens", opts.noSpecialTokens,
               "--encode: without the tokenizer's bos/template ids");
  app.add_option("--host", opts.host,
                 "Serving (no mode flag): address to listen on")
      ->capture_default_str();
  app.add_option("--port", opts.port, "Serving: TCP port to listen on")
      ->capture_default_str();
  app.add_option("--max-request-bytes", opts.maxRequestBytes,
                 "Serving: larger request bodies get 413")
      ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40))
      ->capture_default_str();
  app.add_option("--api-key", opts.apiKey,
                 "Serving: /v1/*, /tokenize and /detokenize need "
                 "'Authorization: Bearer KEY' (default: $LLMC_API_KEY; "
                 "none: open)");
  app.add_option("--max-queue", opts.maxQueue,
                 "Serving: generation requests that would wait behind N "
                 "waiting ones get 429 (-1: no cap)")
      ->check(CLI::Range(int64_t(-1), int64_t(1) << 40))
      ->capture_default_str();
  app.add_option("--max-connections", opts.maxConnections,
                 "Serving: connections at once; more get 503")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 20))
      ->capture_default_str();
  app.add_option("--request-timeout", opts.requestTimeout,
                 "Serving: seconds for a request's headers and body to "
                 "arrive (else 408 and close)")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.add_option("--keep-alive-timeout", opts.keepAliveTimeout,
                 "Serving: seconds an idle connection stays open")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.add_option("--send-timeout", opts.sendTimeout,
                 "Serving: seconds one write to a client may block (a "
                 "client that stops reading is cut, its request cancelled)")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.add_option("--send-buffer-bytes", opts.sendBufferBytes,
                 "Serving: kernel send buffer per connection (SO_SNDBUF; "
                 "0: the kernel's autotuning, up to tcp_wmem's maximum); "
                 "bounds what a client that stops reading can pin")
      ->check(CLI::Range(int64_t(0), int64_t(1) << 30))
      ->capture_default_str();
  app.add_option("--drain-timeout", opts.drainTimeout,
                 "Serving: on SIGTERM, seconds to finish in-flight "
                 "requests before cancelling them")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_flag("--no-access-log", opts.noAccessLog,
               "Serving: no JSON access log line per request on stderr");
  app.add_flag("--metrics-vllm-names", opts.metricsVllmNames,
               "Serving: /metrics also under vLLM's names (vllm:...)");
  app.add_option("--weights", opts.weights,
                 "Plans compiled with --no-weights: read the left-out weights "
                 "from this ONNX model (and its external data), checking "
                 "each one's checksum")
      ->type_name("MODEL.onnx");
  auto *randomWeights = app.add_option(
      "--random-weights", opts.randomSeed,
      "Plans compiled with --no-weights: fill the left-out weights with "
      "deterministic random values from SEED (benchmarks)");
  randomWeights->type_name("SEED");
  app.add_option("--device", opts.device,
                 "Where kernels run: cuda (the plan's PTX on GPU 0), cpu, or "
                 "auto: cuda when the driver, a GPU and PTX for it are there")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app.set_version_flag("--version", kVersion);
  app.footer("Examples:\n  llmrun model.plan --exec --input x=input_0.pb "
             "--output-dir out/\n  llmrun model.plan --batch requests.jsonl "
             "-o results.jsonl\n  llmrun model.plan --prompt \"In the "
             "beginning\" --max-tokens 40 --temperature 0.8 --seed 1\n  "
             "llmrun model.plan --perplexity heldout.txt --context 256\n  "
             "llmrun model.plan --port 8000\n\n"
             "Exit status: 0 on success, 1 on error "
             "(with --batch also when a request finished with an error), 2 "
             "when none of --exec, --batch, --prompt, --perplexity is "
             "given and the plan is not a generation plan.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e); // --help / --version
    return fail(e.what());
  }
  sp.hasSeed = seed->count() > 0;
  opts.randomWeights = randomWeights->count() > 0;
  if (opts.randomWeights && !opts.weights.empty())
    return fail("--weights and --random-weights cannot be used together");
  if (opts.encode || opts.decode)
    return llmc::tool::tokenizeMode(opts.plan, opts.encode, opts.decode,
                                    opts.noSpecialTokens);
  if (!opts.renderChat.empty())
    return llmc::tool::renderChatMode(opts.plan, opts.renderChat);
  if (!opts.prompts.empty() && !opts.batch.empty())
    return fail("--prompt and --batch cannot be used together");
  if (!opts.perplexity.empty()) {
    if (!opts.prompts.empty() || !opts.batch.empty())
      return fail("--perplexity cannot be used with --prompt or --batch");
    return perplexityMode(opts);
  }
  if (!opts.prompts.empty())
    return promptMode(opts);
  if (!opts.batch.empty())
    return batchMode(opts);
  if (!opts.exec)
    return serveMode(opts);
  return execute(opts);
}

} // namespace

int main(int argc, char **argv) {
  try {
    return realMain(argc, argv);
  } catch (const std::exception &e) {
    return fail(std::string("internal error: ") + e.what());
  } catch (...) {
    return fail("internal error");
  }
}
