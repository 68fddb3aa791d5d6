//===- EmitSharedObject.cpp - LLVM dialect to an x86-64 .so ---------------===//
// The object is linked with ld.lld into a shared object that the plan embeds;
// the runtime dlopens it from memory.
//===----------------------------------------------------------------------===//
#include "llmc/Codegen/CPUBackend.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

static constexpr const char *kTriple = "x86_64-unknown-linux-gnu";

/// `void name_packed(void **args)` calling `name(args[0], args[1], ...)`.
static void addPackedEntry(llvm::Module &module, llvm::Function *kernel) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrTy}, false);
  auto *entry = llvm::Function::Create(
      type, llvm::GlobalValue::ExternalLinkage,
      kernel->getName() + llmc::kPackedKernelSuffix, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (auto [i, param] : llvm::enumerate(kernel->args())) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptrTy, entry->getArg(0), i);
    args.push_back(b.CreateLoad(param.getType(), slot));
  }
  b.CreateCall(kernel, args);
  b.CreateRetVoid();
  // Only the packed entries are the plan's ABI.
  kernel->setLinkage(llvm::GlobalValue::InternalLinkage);
}

static std::string findLinker() {
  for (const char *name : {"ld.lld-22", "ld.lld"}) {
    if (auto p = llvm::sys::findProgramByName(name, {LLMC_LLVM_TOOLS_DIR}))
      return *p;
    if (auto p = llvm::sys::findProgramByName(name))
      return *p;
  }
  return {};
}

FailureOr<std::vector<uint8_t>>
llmc::emitCPUSharedObject(ModuleOp llvmDialectModule,
                          ArrayRef<std::string> kernelNames,
                          const CPUCodegenOptions &options) {
  Location loc = llvmDialectModule.getLoc();
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  llvmDialectModule.getContext()->appendDialectRegistry(registry);

  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> module =
      translateModuleToLLVMIR(llvmDialectModule, llvmCtx, "llmc_kernels");
  if (!module)
    return emitError(loc, "failed to translate kernels to LLVM IR");
  for (const std::string &name : kernelNames) {
    llvm::Function *fn = module->getFunction(name);
    if (!fn)
      return emitError(loc, "kernel '") << name << "' vanished during lowering";
    addPackedEntry(*module, fn);
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(kTriple);
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, err);
  if (!target)
    return emitError(loc, "no x86-64 target in LLVM: ") << err;
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, options.cpu, "", targetOptions, llvm::Reloc::PIC_));
  module->setTargetTriple(triple);
  module->setDataLayout(machine->createDataLayout());

  auto optimize = makeOptimizingTransformer(3, 0, machine.get());
  if (llvm::Error e = optimize(module.get()))
    return emitError(loc, "LLVM optimization failed: ")
           << llvm::toString(std::move(e));

  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("llmc-link", dir))
    return emitError(loc, "cannot create a temporary directory");
  std::string objPath = (dir + "/kernels.o").str();
  std::string soPath = (dir + "/kernels.so").str();
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(objPath);
    llvm::sys::fs::remove(soPath);
    llvm::sys::fs::remove(dir);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(objPath, ec);
    if (ec)
      return emitError(loc, "cannot write ") << objPath << ": " << ec.message();
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, out, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return emitError(loc, "the x86-64 target cannot emit objects");
    codegen.run(*module);
  }

  std::string linker = findLinker();
  if (linker.empty())
    return emitError(loc, "ld.lld not found (install lld-22)");
  // compiler-rt's builtins provide the f16/bf16 conversions (__extendhfsf2,
  // __truncsfbf2, ...) that x86-64 lowers to calls; they are linked in so the
  // runtime needs nothing beyond libc and libm.
  std::string builtins = LLMC_CLANG_RT_BUILTINS;
  llvm::SmallVector<llvm::StringRef> argv = {linker, "-shared", "-o", soPath,
                                              objPath};
  if (llvm::sys::fs::exists(builtins))
    argv.push_back(builtins);
  for (llvm::StringRef arg : {"-L/lib/x86_64-linux-gnu",
                              "-L/usr/lib/x86_64-linux-gnu", "-lm", "-lc"})
    argv.push_back(arg);
  std::string linkErr;
  llvm::SmallString<128> logPath(dir);
  logPath += "/link.log";
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  int rc = llvm::sys::ExecuteAndWait(linker, argv, std::nullopt, redirects, 0, 0,
                                     &linkErr);
  if (rc != 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    llvm::sys::fs::remove(logPath);
    return emitError(loc, "linking kernels failed: ")
           << (log ? (*log)->getBuffer().trim() : llvm::StringRef(linkErr));
  }
  llvm::sys::fs::remove(logPath);
  auto so = llvm::MemoryBuffer::getFile(soPath);
  if (!so)
    return emitError(loc, "cannot read the linked kernels");
  llvm::StringRef bytes = (*so)->getBuffer();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}
