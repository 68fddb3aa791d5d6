// ChatTemplate: the plan's chat template, parsed once and rendered per
// request by the Jinja-subset interpreter in jinja/ (docs/chat-templates.md).
#include "llmc/runtime/text/ChatTemplate.h"

#include "jinja/Interpreter.h"
#include "jinja/Lexer.h"
#include "jinja/Parser.h"

namespace llmc::runtime::text {

using namespace jinja;

struct ChatTemplate::Impl {
  std::string source;
  StmtList body;
};

namespace {

// "chat template line N: message" on one line.
Status templateError(const std::string &what, int line) {
  std::string msg = "chat template";
  if (line > 0)
    msg += " line " + std::to_string(line);
  msg += ": ";
  for (char c : what)
    msg += (c == '\n' || c == '\r') ? ' ' : c;
  return Status::error(msg);
}

template <typename Json> Value fromJson(const Json &j, int depth) {
  if (depth > 500)
    throw JinjaError("context nested too deeply");
  switch (j.type()) {
  case Json::value_t::null:
    return Value::none();
  case Json::value_t::boolean:
    return Value::boolean(j.template get<bool>());
  case Json::value_t::number_integer:
    return Value::integer(j.template get<int64_t>());
  case Json::value_t::number_unsigned: {
    uint64_t u = j.template get<uint64_t>();
    return u > uint64_t(INT64_MAX) ? Value::real(double(u))
                                   : Value::integer(int64_t(u));
  }
  case Json::value_t::number_float:
    return Value::real(j.template get<double>());
  case Json::value_t::string:
    return Value::string(j.template get<std::string>());
  case Json::value_t::array: {
    ValueList l;
    l.reserve(j.size());
    for (const auto &item : j)
      l.push_back(fromJson(item, depth + 1));
    return Value::list(std::move(l));
  }
  case Json::value_t::object: {
    ValueDict d;
    d.entries.reserve(j.size());
    for (auto it = j.begin(); it != j.end(); ++it)
      d.entries.emplace_back(it.key(), fromJson(it.value(), depth + 1));
    return Value::dict(std::move(d));
  }
  default:
    throw JinjaError("unsupported JSON value in the context");
  }
}

template <typename Json>
Status renderImpl(const ChatTemplate::Impl &impl, const Json &context,
                  std::string &out) {
  out.clear();
  if (!context.is_object())
    return Status::error("chat template: the context must be a JSON object");
  try {
    Value ctx = fromJson(context, 0);
    Interpreter in;
    in.render(impl.body, ctx.asDict(), out);
  } catch (const JinjaError &e) {
    out.clear();
    return templateError(e.what(), e.line);
  } catch (const std::exception &e) {
    out.clear();
    return templateError(e.what(), 0);
  }
  return Status::success();
}

} // namespace

ChatTemplate::~ChatTemplate() = default;

Status ChatTemplate::parse(std::string_view source,
                           std::unique_ptr<ChatTemplate> &out) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::string(source);
  try {
    impl->body = parseTemplate(tokenize(source));
  } catch (const JinjaError &e) {
    return templateError(e.what(), e.line);
  }
  out.reset(new ChatTemplate());
  out->impl_ = std::move(impl);
  return Status::success();
}

bool ChatTemplate::planHasChatTemplate(const PlanFile &plan) {
  PlanFile::Bytes bytes;
  return plan.section(kChatTemplateSectionName, bytes);
}

Status ChatTemplate::fromPlan(const PlanFile &plan,
                              std::unique_ptr<ChatTemplate> &out) {
  PlanFile::Bytes bytes;
  if (!plan.section(kChatTemplateSectionName, bytes))
    return Status::error(plan.path() +
                         ": the plan has no chat template (compile it with "
                         "`llmc compile --chat-template FILE`)");
  Status st = parse(std::string_view(reinterpret_cast<const char *>(bytes.data),
                                     bytes.size),
                    out);
  if (!st.ok())
    return Status::error(plan.path() + ": " + st.message);
  return st;
}

Status ChatTemplate::render(const nlohmann::json &context,
                            std::string &out) const {
  return renderImpl(*impl_, context, out);
}

Status ChatTemplate::render(const nlohmann::ordered_json &context,
                            std::string &out) const {
  return renderImpl(*impl_, context, out);
}

const std::string &ChatTemplate::source() const { return impl_->source; }

} // namespace llmc::runtime::text
