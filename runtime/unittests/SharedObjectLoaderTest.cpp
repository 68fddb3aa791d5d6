// Both code-loading paths (memfd and the temp-file fallback) load the test
// kernels and resolve symbols; bad bytes and missing symbols are errors.
#include "SharedObjectLoader.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace llmc::runtime;
using namespace llmc::runtime::test;

namespace {

void expectWorks(std::unique_ptr<CodeModule> &m, float scale) {
  ASSERT_TRUE(m);
  KernelHandle h;
  Status st = m->lookup("scale2_f32", h);
  ASSERT_TRUE(st.ok()) << st.message;
  float in[4] = {1, 2, 3, 4}, out[4] = {};
  void *args[2] = {in, out};
  reinterpret_cast<void (*)(void **)>(h.impl)(args);
  EXPECT_EQ(out[3], 4 * scale);
  st = m->lookup("missing_kernel", h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "kernel symbol 'missing_kernel' not found in the code section");
}

TEST(SharedObjectLoader, Memfd) {
  std::vector<uint8_t> so = testKernelBytes();
  std::unique_ptr<CodeModule> m;
  bool unavailable = true;
  Status st = detail::loadViaMemfd(so.data(), so.size(), m, unavailable);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_FALSE(unavailable);
  expectWorks(m, 2);
}

TEST(SharedObjectLoader, TempFileFallback) {
  std::vector<uint8_t> so = testKernelBytes(/*alt=*/true);
  std::unique_ptr<CodeModule> m;
  Status st = detail::loadViaTempFile(so.data(), so.size(), m);
  ASSERT_TRUE(st.ok()) << st.message;
  expectWorks(m, 3);
}

TEST(SharedObjectLoader, GarbageIsAnError) {
  const char junk[] = "definitely not ELF";
  std::unique_ptr<CodeModule> m;
  bool unavailable = true;
  Status st = detail::loadViaMemfd(junk, sizeof junk, m, unavailable);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(unavailable);
  EXPECT_NE(st.message.find("cannot load code section"), std::string::npos);
  st = detail::loadViaTempFile(junk, sizeof junk, m);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("cannot load code section"), std::string::npos);
}

} // namespace
