// Tests of the chat-template interpreter (runtime/src/text/jinja): Jinja2
// whitespace rules, Undefined, Python semantics, one-line errors with the
// template's line, and the limits that stop runaway templates. Rendering of
// real templates against reference renderers is test/chat.
#include "llmc/runtime/text/ChatTemplate.h"

#include "text/jinja/Interpreter.h"
#include "text/jinja/Lexer.h"
#include "text/jinja/Parser.h"

#include <gtest/gtest.h>

#include <ctime>

using llmc::runtime::Status;
using llmc::runtime::text::ChatTemplate;

namespace {

// Renders `source` with `context`; the text, or "ERROR: <message>".
std::string render(const std::string &source,
                   const nlohmann::ordered_json &context =
                       nlohmann::ordered_json::object()) {
  std::unique_ptr<ChatTemplate> t;
  Status st = ChatTemplate::parse(source, t);
  if (!st.ok())
    return "ERROR: " + st.message;
  std::string out;
  st = t->render(context, out);
  return st.ok() ? out : "ERROR: " + st.message;
}

nlohmann::ordered_json chat() {
  return nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "S"},
                 {"role": "user", "content": "Hi"},
                 {"role": "assistant", "content": "Yo"}],
    "add_generation_prompt": true, "bos_token": "<s>"})");
}

TEST(ChatTemplate, RendersAConversation) {
  EXPECT_EQ(render("{{ bos_token }}{% for m in messages %}<{{ m.role }}>"
                   "{{ m['content'] }}\n{% endfor %}"
                   "{% if add_generation_prompt %}<assistant>{% endif %}",
                   chat()),
            "<s><system>S\n<user>Hi\n<assistant>Yo\n<assistant>");
}

TEST(ChatTemplate, TrimBlocksAndLstripBlocks) {
  // The block tags' lines vanish; the {{ }} line keeps its indentation.
  EXPECT_EQ(render("a\n  {% if true %}\n    x\n  {% endif %}\nb"), "a\n    x\nb");
  EXPECT_EQ(render("{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}"),
            "  1\n  2\n");
  // {%+ keeps leading spaces, +%} keeps the newline.
  EXPECT_EQ(render("  {%+ if true %}x{% endif +%}\ny"), "  x\ny");
  // Comments take their line too.
  EXPECT_EQ(render("a\n  {# note #}\nb"), "a\nb");
}

TEST(ChatTemplate, WhitespaceControl) {
  EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(render("x \n {{- 'y' -}} \n z"), "xyz");
  EXPECT_EQ(render("a {#- c -#} b"), "ab");
}

TEST(ChatTemplate, NewlinesAreNormalizedAndOneTrailingNewlineDropped) {
  EXPECT_EQ(render("a\r\nb\rc\n"), "a\nb\nc");
  EXPECT_EQ(render("a\n\n"), "a\n");
}

TEST(ChatTemplate, UndefinedPrintsEmptyAndIsFalsy) {
  EXPECT_EQ(render("[{{ nothing }}][{{ messages[0].nope }}][{{ nothing is "
                   "defined }}][{{ 'y' if not nothing }}]",
                   chat()),
            "[][][False][y]");
  EXPECT_EQ(render("{{ nothing | default('d') }} {{ nothing | length }}"), "d 0");
  EXPECT_EQ(render("{% for x in nothing %}x{% else %}empty{% endfor %}"), "empty");
}

TEST(ChatTemplate, UsingUndefinedIsAnError) {
  EXPECT_EQ(render("\n{{ nothing.attr }}"),
            "ERROR: chat template line 2: 'nothing' is undefined");
  EXPECT_EQ(render("{{ messages[0].nope.x }}", chat()),
            "ERROR: chat template line 1: 'dict object' has no attribute 'nope'");
  EXPECT_EQ(render("{{ nothing + 1 }}"),
            "ERROR: chat template line 1: 'nothing' is undefined");
}

TEST(ChatTemplate, RaiseExceptionIsARenderError) {
  EXPECT_EQ(render("{% for m in messages %}\n{% if m.role == 'system' %}\n"
                   "{{ raise_exception('System role not supported') }}\n"
                   "{% endif %}{% endfor %}",
                   chat()),
            "ERROR: chat template line 3: System role not supported");
  // Messages stay on one line.
  EXPECT_EQ(render("{{ raise_exception('a\\nb') }}"),
            "ERROR: chat template line 1: a b");
}

TEST(ChatTemplate, ParseErrorsAreOneLineWithTheLine) {
  EXPECT_EQ(render("{% if true %}\nx"),
            "ERROR: chat template line 2: unexpected end of template, "
            "expected 'elif' or 'else' or 'endif'");
  EXPECT_EQ(render("a\n{% for x in y %}{% endif %}"),
            "ERROR: chat template line 2: unknown tag 'endif' (expected "
            "'endfor' or 'else')");
  EXPECT_EQ(render("\n\n{{ x | nosuchfilter }}"),
            "ERROR: chat template line 3: no filter named 'nosuchfilter'");
  EXPECT_EQ(render("{{ x is nosuchtest }}"),
            "ERROR: chat template line 1: no test named 'nosuchtest'");
  EXPECT_EQ(render("{{ 'abc }}"),
            "ERROR: chat template line 1: unterminated string literal");
  EXPECT_EQ(render("{% include 'x' %}"),
            "ERROR: chat template line 1: unknown tag 'include'");
  EXPECT_EQ(render("{{ a b }}"),
            "ERROR: chat template line 1: unexpected 'b', expected end of "
            "print statement");
  EXPECT_EQ(render("{{ m.content }\n{% endfor %}"),
            "ERROR: chat template line 1: unexpected '}'");
  EXPECT_EQ(render("{{ (1] }}"),
            "ERROR: chat template line 1: unexpected ']', expected ')'");
  EXPECT_EQ(render("{% break %}"),
            "ERROR: chat template line 1: 'break' outside of a loop");
}

TEST(ChatTemplate, PythonSemantics) {
  EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 1 / 2 }} "
                   "{{ 2 ** 10 }} {{ 1e16 }} {{ 0.1 + 0.2 }} {{ 3.0 }}"),
            "3 -4 -2 0.5 1024 1e+16 0.30000000000000004 3.0");
  EXPECT_EQ(render("{{ [1, 'a', none, true, {'k': 1.5}] }} {{ ('x',) }}"),
            "[1, 'a', None, True, {'k': 1.5}] ('x',)");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none }} {{ 'ab' * 2 }} {{ [1] + [2] }}"),
            "a1None abab [1, 2]");
  EXPECT_EQ(render("{{ 'a' + 1 }}"),
            "ERROR: chat template line 1: can only concatenate str (not "
            "\"int\") to str");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'b' in 'abc' }} "
                   "{{ 1 not in [2] }}"),
            "True False True True");
}

TEST(ChatTemplate, StringsAreCodePoints) {
  EXPECT_EQ(render("{{ s | length }} {{ s[1] }} {{ s[::-1] }} {{ s.upper() }}",
                   {{"s", "aé😀"}}),
            "3 é 😀éa AÉ😀");
  EXPECT_EQ(render("{{ '\\u00e9\\x41\\n' }}|{{ \"q\\\"\" }}"), "éA\n|q\"");
}

TEST(ChatTemplate, ScopingFollowsJinja) {
  // A set inside a loop does not leak; a namespace carries values out.
  EXPECT_EQ(render("{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}"
                   "{% endfor %}{{ x }}"),
            "000");
  EXPECT_EQ(render("{% set ns = namespace(x=0) %}{% for i in [1, 2] %}"
                   "{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}"),
            "3");
  EXPECT_EQ(render("{% set ns = 1 %}{% set ns.x = 2 %}"),
            "ERROR: chat template line 1: cannot assign attribute on "
            "non-namespace object");
}

TEST(ChatTemplate, LoopVariables) {
  EXPECT_EQ(render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}"
                   "{{ loop.revindex }}{{ loop.first }}{{ loop.last }}"
                   "{{ loop.length }}{{ loop.previtem }}|{% endfor %}"),
            "103TrueFalse3|212FalseFalse3a|321FalseTrue3b|");
  EXPECT_EQ(render("{% for k, v in d.items() if v > 1 %}{{ k }}{{ v }}"
                   "{{ loop.length }}{% endfor %}",
                   nlohmann::ordered_json::parse(
                       R"({"d": {"z": 3, "a": 1, "m": 2}})")),
            "z32m22");
}

TEST(ChatTemplate, MacrosAndCalls) {
  EXPECT_EQ(render("{% macro m(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}"
                   "{{ m(1) }}{{ m(2, b=3) }}"),
            "[1B][23]");
}

TEST(ChatTemplate, ToJsonKeepsKeyOrderWithOrderedJson) {
  auto ctx = nlohmann::ordered_json::parse(
      R"({"t": {"name": "f", "args": {"b": 1, "a": [1, "é\n"]}}})");
  EXPECT_EQ(render("{{ t | tojson }}", ctx),
            R"({"name": "f", "args": {"b": 1, "a": [1, "é\n"]}})");
  EXPECT_EQ(render("{{ t.args | tojson(indent=2) }}", ctx),
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    \"é\\n\"\n  ]\n}");
}

TEST(ChatTemplate, RecursionIsBounded) {
  EXPECT_EQ(render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
            "ERROR: chat template line 1: macro calls nested deeper than 100");
}

TEST(ChatTemplate, RangeIsBounded) {
  EXPECT_EQ(render("{% for i in range(1000000) %}{% endfor %}"),
            "ERROR: chat template line 1: Range too big. The sandbox blocks "
            "ranges larger than MAX_RANGE (100000).");
}

TEST(ChatTemplate, DeepNestingIsAParseError) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" +
                     std::string(5000, ')') + " }}";
  EXPECT_EQ(render(deep),
            "ERROR: chat template line 1: template nesting too deep");
}

TEST(ChatTemplate, StrftimeNowIsLocalTime) {
  char year[16];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(year, sizeof year, "%Y", &tm);
  EXPECT_EQ(render("{{ strftime_now('%Y') }}"), year);
}

TEST(ChatTemplate, NonObjectContextIsAnError) {
  std::unique_ptr<ChatTemplate> t;
  ASSERT_TRUE(ChatTemplate::parse("x", t).ok());
  std::string out;
  Status st = t->render(nlohmann::json::array(), out);
  EXPECT_EQ(st.message, "chat template: the context must be a JSON object");
}

// The limits themselves, small enough to hit quickly.
std::string renderWithLimits(const std::string &source,
                             llmc::runtime::text::jinja::Limits limits) {
  using namespace llmc::runtime::text::jinja;
  try {
    StmtList body = parseTemplate(tokenize(source));
    Interpreter in(limits);
    std::string out;
    in.render(body, ValueDict(), out);
    return out;
  } catch (const JinjaError &e) {
    return "ERROR: line " + std::to_string(e.line) + ": " + e.what();
  }
}

TEST(ChatTemplateLimits, OutputSize) {
  llmc::runtime::text::jinja::Limits limits;
  limits.maxOutputBytes = 1000;
  EXPECT_EQ(renderWithLimits("{% for i in range(100) %}0123456789ab"
                             "{% endfor %}",
                             limits),
            "ERROR: line 1: output exceeds the size limit of 1000 bytes");
  EXPECT_EQ(renderWithLimits("{{ 'x' * 5000 }}", limits),
            "ERROR: line 1: string repetition exceeds the output size limit");
}

TEST(ChatTemplateLimits, Steps) {
  llmc::runtime::text::jinja::Limits limits;
  limits.maxSteps = 5000;
  EXPECT_EQ(renderWithLimits("{% for i in range(100) %}{% for j in range(100)"
                             " %}{% endfor %}{% endfor %}",
                             limits),
            "ERROR: line 1: template exceeds the limit of 5000 loop "
            "iterations and calls");
}

} // namespace
