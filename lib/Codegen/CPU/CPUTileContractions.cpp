//===- CPUTileContractions.cpp - register-tiled contraction kernels -------===//
// Replaces bufferized contractions (C[.., m, n] = f(C, A[.., m, k], B[.., k, n])
// with static shapes) by loops over register tiles of R rows x V vectors:
//
//   for batch dims:                     (step 1)
//     for n0 in [0, N) step V*w:        (full column tiles, then one tail tile)
//       for m0 in [0, M) step R:        (full row tiles, then one tail tile)
//         acc[i] = load C[m0+i, n0:n0+V*w]           i < R
//         for k in [0, K):                            acc[] in iter_args
//           b = load B[k, n0:n0+V*w]    (vector operand: n is its last dim)
//           a_i = splat A[m0+i, k]      (scalar operand: no n)
//           acc[i] = body(a_i, b, acc[i])   (the generic's own ops, vectorized)
//         store acc[i] -> C[m0+i, n0:...]
//
// The column loop is outermost so that the K x (V*w) panel of B stays in L1
// while all row tiles use it. Each output element is updated in the same
// order as by the loop form (k ascending, same mul and add, no FMA
// contraction), so results are bit-identical to convert-linalg-to-loops.
//===----------------------------------------------------------------------===//
#include "llmc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace llmc {
#define GEN_PASS_DEF_LLMCPUTILECONTRACTIONS
#include "llmc/Transforms/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace {

/// How one linalg op maps onto the micro-kernel.
struct ContractionPlan {
  mutable linalg::LinalgOp op;
  unsigned mDim = 0, nDim = 0, kDim = 0;
  bool hasM = true;
  SmallVector<unsigned> batchDims;
  SmallVector<int64_t> loopSizes;
  /// Per input: true when it is read as a vector along n.
  SmallVector<bool> vectorInput;
  /// With use-fma, a body yielding `out + x * y`: emitted as fma(x, y, acc).
  arith::MulFOp fmaMul;
  arith::AddFOp fmaAdd;
};

/// The `addf(out, mulf(x, y))` (either order) that the body yields, if any.
static void matchMulAdd(ContractionPlan &plan) {
  Block &body = *plan.op.getBlock();
  Value out = body.getArguments().back();
  auto add = body.getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !isa<FloatType>(add.getType()))
    return;
  Value other;
  if (add.getLhs() == out)
    other = add.getRhs();
  else if (add.getRhs() == out)
    other = add.getLhs();
  else
    return;
  auto mul = other.getDefiningOp<arith::MulFOp>();
  if (!mul || !mul->hasOneUse() || mul.getLhs() == out ||
      mul.getRhs() == out || mul.getLhs().getParentBlock() != &body ||
      mul.getRhs().getParentBlock() != &body)
    return;
  plan.fmaMul = mul;
  plan.fmaAdd = add;
}

/// The op's body must be scalar arith ops that have a lane-wise vector form.
static bool isVectorizableBody(Block &body) {
  for (Operation &inner : body.without_terminator()) {
    if (inner.getDialect()->getNamespace() != "arith" ||
        inner.getNumRegions() != 0 || inner.getNumResults() != 1)
      return false;
    if (isa<arith::ConstantOp>(inner)) {
      if (!inner.getResult(0).getType().isIntOrIndexOrFloat())
        return false;
      continue;
    }
    if (!inner.hasTrait<OpTrait::Elementwise>())
      return false;
    for (Type t : inner.getOperandTypes())
      if (!t.isIntOrFloat())
        return false;
    if (!inner.getResult(0).getType().isIntOrFloat())
      return false;
  }
  return true;
}

static std::optional<ContractionPlan> matchContraction(linalg::LinalgOp op,
                                                       int64_t minRows) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() < 1 || op.getNumReductionLoops() != 1)
    return std::nullopt;
  if (op->getNumRegions() != 1 || !op.getBlock())
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        !type.getElementType().isIntOrFloat())
      return std::nullopt;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  if (!isVectorizableBody(*op.getBlock()))
    return std::nullopt;
  // The body must not read indices (linalg.index) - checked above: only arith.

  ContractionPlan plan;
  plan.op = op;
  plan.loopSizes = op.getStaticLoopRanges();
  unsigned numLoops = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d < numLoops; ++d)
    if (iters[d] == utils::IteratorType::reduction)
      plan.kDim = d;

  AffineMap outMap = maps.back();
  if (outMap.getNumResults() < 1)
    return std::nullopt;
  // Every parallel dim is an output dim (projected permutation + parallel).
  plan.nDim = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
  auto uses = [](AffineMap map, unsigned d) {
    return map.isFunctionOfDim(d);
  };
  auto lastIs = [](AffineMap map, unsigned d) {
    return map.getNumResults() > 0 &&
           cast<AffineDimExpr>(map.getResults().back()).getPosition() == d;
  };
  bool anyVector = false, anyScalar = false;
  for (unsigned i = 0, e = op.getNumDpsInputs(); i < e; ++i) {
    AffineMap map = maps[i];
    if (lastIs(map, plan.nDim)) {
      plan.vectorInput.push_back(true);
      anyVector = true;
    } else if (!uses(map, plan.nDim)) {
      plan.vectorInput.push_back(false);
      anyScalar = true;
    } else {
      return std::nullopt; // n strided in an input
    }
  }
  // A contraction: k reaches the vector operand(s) and a broadcast operand.
  if (!anyVector || !anyScalar)
    return std::nullopt;
  // m: the output dim before n (innermost parallel dim besides n), preferring
  // a dim that the scalar operand uses.
  // m may be absent (a vector times a matrix) or of size 1 (decode rows):
  // then the tile has one row.
  std::optional<unsigned> m;
  for (int r = int(outMap.getNumResults()) - 2; r >= 0; --r) {
    unsigned d = cast<AffineDimExpr>(outMap.getResult(r)).getPosition();
    if (plan.loopSizes[d] > 1) {
      m = d;
      break;
    }
  }
  if (!m && outMap.getNumResults() >= 2)
    m = cast<AffineDimExpr>(outMap.getResult(outMap.getNumResults() - 2))
            .getPosition();
  int64_t rows = m ? plan.loopSizes[*m] : 1;
  if (rows < minRows)
    return std::nullopt;
  plan.hasM = m.has_value();
  plan.mDim = m.value_or(0);
  for (unsigned d = 0; d < numLoops; ++d)
    if ((!plan.hasM || d != plan.mDim) && d != plan.nDim && d != plan.kDim)
      plan.batchDims.push_back(d);
  if (plan.loopSizes[plan.kDim] < 1 || plan.loopSizes[plan.nDim] < 1)
    return std::nullopt;
  return plan;
}

/// Emits the code of a rows x cols tile at (m0, n0) for the batch indices
/// already in `ivs` (index per loop dim; m, n, k slots are overwritten).
static void emitTile(OpBuilder &b, Location loc, const ContractionPlan &plan,
                     SmallVector<Value> ivs, Value m0, int64_t rows, Value n0,
                     int64_t cols, Value kLo, Value kHi) {
  linalg::LinalgOp op = plan.op;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Block &body = *op.getBlock();
  arith::MulFOp fmaMul = plan.fmaMul;
  arith::AddFOp fmaAdd = plan.fmaAdd;
  OpOperand *init = op.getDpsInitOperand(0);
  Type outElem = getElementTypeOrSelf(init->get().getType());
  auto vecOf = [&](Type elem) { return VectorType::get({cols}, elem); };

  auto rowIndex = [&](int64_t i) -> Value {
    if (i == 0)
      return m0;
    Value c = arith::ConstantIndexOp::create(b, loc, i);
    return arith::AddIOp::create(b, loc, m0, c);
  };
  auto indicesFor = [&](AffineMap map, ArrayRef<Value> dims) {
    SmallVector<Value> idx;
    for (AffineExpr e : map.getResults())
      idx.push_back(dims[cast<AffineDimExpr>(e).getPosition()]);
    return idx;
  };

  // Accumulators.
  SmallVector<Value> rowM(rows);
  for (int64_t i = 0; i < rows; ++i)
    rowM[i] = rowIndex(i);
  SmallVector<Value> accs;
  for (int64_t i = 0; i < rows; ++i) {
    if (plan.hasM)
      ivs[plan.mDim] = rowM[i];
    ivs[plan.nDim] = n0;
    accs.push_back(vector::LoadOp::create(b, loc, vecOf(outElem), init->get(),
                                          indicesFor(maps.back(), ivs)));
  }
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto kLoop = scf::ForOp::create(
      b, loc, kLo, kHi, one, accs,
      [&](OpBuilder &nb, Location l, Value k, ValueRange iterAccs) {
        SmallVector<Value> dims = ivs;
        dims[plan.kDim] = k;
        dims[plan.nDim] = n0;
        // Operand values per (input, row); loads are shared between rows
        // when the input does not depend on m.
        unsigned numInputs = op.getNumDpsInputs();
        SmallVector<SmallVector<Value>> inputVals(numInputs);
        for (unsigned in = 0; in < numInputs; ++in) {
          Value src = op.getDpsInputOperand(in)->get();
          Type elem = getElementTypeOrSelf(src.getType());
          bool perRow = plan.hasM && maps[in].isFunctionOfDim(plan.mDim);
          Value shared;
          for (int64_t i = 0; i < rows; ++i) {
            if (!perRow && shared) {
              inputVals[in].push_back(shared);
              continue;
            }
            if (plan.hasM)
              dims[plan.mDim] = rowM[i];
            SmallVector<Value> idx = indicesFor(maps[in], dims);
            Value v;
            if (plan.vectorInput[in]) {
              v = vector::LoadOp::create(nb, l, vecOf(elem), src, idx);
            } else {
              Value s = memref::LoadOp::create(nb, l, src, idx);
              v = vector::BroadcastOp::create(nb, l, vecOf(elem), s);
            }
            shared = v;
            inputVals[in].push_back(v);
          }
        }
        SmallVector<Value> next;
        for (int64_t i = 0; i < rows; ++i) {
          IRMapping map;
          for (unsigned in = 0; in < numInputs; ++in)
            map.map(body.getArgument(in), inputVals[in][i]);
          map.map(body.getArgument(numInputs), iterAccs[i]);
          for (Operation &inner : body.without_terminator()) {
            if (&inner == fmaMul.getOperation() ||
                &inner == fmaAdd.getOperation())
              continue;
            if (auto cst = dyn_cast<arith::ConstantOp>(inner)) {
              auto vt = vecOf(cst.getType());
              auto attr = SplatElementsAttr::get(
                  vt, cast<TypedAttr>(cst.getValue()));
              map.map(cst.getResult(),
                      arith::ConstantOp::create(nb, l, vt, attr));
              continue;
            }
            SmallVector<Value> operands;
            for (Value v : inner.getOperands()) {
              if (Value mapped = map.lookupOrNull(v)) {
                operands.push_back(mapped);
                continue;
              }
              // Captured from above: splat.
              operands.push_back(
                  vector::BroadcastOp::create(nb, l, vecOf(v.getType()), v));
            }
            OperationState state(l, inner.getName());
            state.addOperands(operands);
            state.addTypes(vecOf(inner.getResult(0).getType()));
            state.addAttributes(inner.getAttrs());
            Operation *vop = nb.create(state);
            map.map(inner.getResult(0), vop->getResult(0));
          }
          if (fmaAdd) {
            next.push_back(vector::FMAOp::create(
                nb, l, map.lookup(fmaMul.getLhs()), map.lookup(fmaMul.getRhs()),
                iterAccs[i]));
            continue;
          }
          Value yielded = body.getTerminator()->getOperand(0);
          next.push_back(map.lookupOrDefault(yielded));
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t i = 0; i < rows; ++i) {
    if (plan.hasM)
      ivs[plan.mDim] = rowM[i];
    ivs[plan.nDim] = n0;
    vector::StoreOp::create(b, loc, kLoop.getResult(i), init->get(),
                            indicesFor(maps.back(), ivs));
  }
}

/// Full row tiles in a loop, then the tail rows as one smaller tile.
static void emitRowTiles(OpBuilder &b, Location loc,
                         const ContractionPlan &plan, SmallVector<Value> ivs,
                         Value n0, int64_t cols, int64_t tileRows, Value kLo,
                         Value kHi) {
  int64_t rowsTotal = plan.hasM ? plan.loopSizes[plan.mDim] : 1;
  int64_t full = rowsTotal / tileRows * tileRows;
  if (full > 0) {
    Value lo = arith::ConstantIndexOp::create(b, loc, 0);
    Value hi = arith::ConstantIndexOp::create(b, loc, full);
    Value step = arith::ConstantIndexOp::create(b, loc, tileRows);
    scf::ForOp::create(b, loc, lo, hi, step, ValueRange{},
                       [&](OpBuilder &nb, Location l, Value m0, ValueRange) {
                         emitTile(nb, l, plan, ivs, m0, tileRows, n0, cols,
                                  kLo, kHi);
                         scf::YieldOp::create(nb, l);
                       });
  }
  if (rowsTotal > full) {
    Value m0 = arith::ConstantIndexOp::create(b, loc, full);
    emitTile(b, loc, plan, ivs, m0, rowsTotal - full, n0, cols, kLo, kHi);
  }
}

/// Column tiles over [n0, n0 + width) for k in [kLo, kHi): full tiles in a
/// loop, then one narrower tail tile.
static void emitColumnTiles(OpBuilder &b, Location loc,
                            const ContractionPlan &plan, SmallVector<Value> ivs,
                            Value n0, int64_t width, int64_t tileCols,
                            int64_t tileRows, Value kLo, Value kHi) {
  auto cst = [&](OpBuilder &ob, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(ob, loc, v);
  };
  int64_t full = width / tileCols * tileCols;
  if (full > 0)
    scf::ForOp::create(
        b, loc, cst(b, 0), cst(b, full), cst(b, tileCols), ValueRange{},
        [&](OpBuilder &nb, Location l, Value off, ValueRange) {
          Value n = arith::AddIOp::create(nb, l, n0, off);
          emitRowTiles(nb, l, plan, ivs, n, tileCols, tileRows, kLo, kHi);
          scf::YieldOp::create(nb, l);
        });
  if (width > full) {
    Value n = arith::AddIOp::create(b, loc, n0, cst(b, full));
    emitRowTiles(b, loc, plan, ivs, n, width - full, tileRows, kLo, kHi);
  }
}

/// Cache blocking around the register tiles: a block of `blockCols` columns
/// and `kBlock` rows of the n-operand (about `panelBytes`, in L1) is read by
/// every column and row tile inside it. Rows of the block are contiguous
/// runs of memory (prefetch friendly, few pages), unlike one tile's column
/// strip. Partial sums go through C between k blocks; every element still
/// sums k in ascending order.
static void emitBlocks(OpBuilder &b, Location loc, const ContractionPlan &plan,
                       SmallVector<Value> ivs, int64_t tileCols,
                       int64_t tileRows, int64_t panelBytes) {
  auto cst = [&](OpBuilder &ob, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(ob, loc, v);
  };
  int64_t n = plan.loopSizes[plan.nDim], k = plan.loopSizes[plan.kDim];
  Type elem = getElementTypeOrSelf(plan.op.getDpsInitOperand(0)->get());
  int64_t elemBytes = std::max<int64_t>(1, elem.getIntOrFloatBitWidth() / 8);
  int64_t blockCols = std::min(n, std::max(tileCols, 256 / tileCols * tileCols));
  int64_t kBlock =
      std::min(k, std::max<int64_t>(8, panelBytes / (blockCols * elemBytes)));
  auto kBlocks = [&](OpBuilder &ob, Value n0, int64_t width) {
    int64_t fullK = k / kBlock * kBlock;
    if (fullK > 0)
      scf::ForOp::create(
          ob, loc, cst(ob, 0), cst(ob, fullK), cst(ob, kBlock), ValueRange{},
          [&](OpBuilder &nb, Location l, Value k0, ValueRange) {
            Value k1 = arith::AddIOp::create(nb, l, k0, cst(nb, kBlock));
            emitColumnTiles(nb, l, plan, ivs, n0, width, tileCols, tileRows,
                            k0, k1);
            scf::YieldOp::create(nb, l);
          });
    if (k > fullK)
      emitColumnTiles(ob, loc, plan, ivs, n0, width, tileCols, tileRows,
                      cst(ob, fullK), cst(ob, k));
  };
  int64_t fullN = n / blockCols * blockCols;
  if (fullN > 0)
    scf::ForOp::create(
        b, loc, cst(b, 0), cst(b, fullN), cst(b, blockCols), ValueRange{},
        [&](OpBuilder &nb, Location l, Value n0, ValueRange) {
          kBlocks(nb, n0, blockCols);
          scf::YieldOp::create(nb, l);
        });
  if (n > fullN)
    kBlocks(b, cst(b, fullN), n - fullN);
}

static void emitContraction(OpBuilder &b, const ContractionPlan &plan,
                            int64_t tileRows, int64_t tileCols,
                            int64_t panelBytes) {
  Location loc = plan.op.getLoc();
  unsigned numLoops = plan.op.getNumLoops();
  // Batch loops, then the column tiles.
  std::function<void(OpBuilder &, unsigned, SmallVector<Value>)> nest =
      [&](OpBuilder &nb, unsigned level, SmallVector<Value> ivs) {
        if (level < plan.batchDims.size()) {
          unsigned d = plan.batchDims[level];
          if (plan.loopSizes[d] == 1) {
            ivs[d] = arith::ConstantIndexOp::create(nb, loc, 0);
            nest(nb, level + 1, ivs);
            return;
          }
          Value lo = arith::ConstantIndexOp::create(nb, loc, 0);
          Value hi = arith::ConstantIndexOp::create(nb, loc, plan.loopSizes[d]);
          Value one = arith::ConstantIndexOp::create(nb, loc, 1);
          scf::ForOp::create(nb, loc, lo, hi, one, ValueRange{},
                             [&](OpBuilder &ib, Location l, Value iv,
                                 ValueRange) {
                               ivs[d] = iv;
                               nest(ib, level + 1, ivs);
                               scf::YieldOp::create(ib, l);
                             });
          return;
        }
        // A single row (decode) spends the tile's registers on columns.
        if (!plan.hasM || plan.loopSizes[plan.mDim] == 1)
          tileCols *= 4; // 8 vectors of one row (more spill)
        emitBlocks(nb, loc, plan, ivs, tileCols, tileRows, panelBytes);
      };
  nest(b, 0, SmallVector<Value>(numLoops));
}

struct CPUTileContractionsPass
    : llmc::impl::LLMCPUTileContractionsBase<CPUTileContractionsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (tileRows < 1 || tileVectors < 1 || vectorBits < 8) {
      getOperation().emitError("llm-cpu-tile-contractions: bad tile options");
      return signalPassFailure();
    }
    SmallVector<ContractionPlan> plans;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto plan = matchContraction(op, minRows)) {
        if (useFma)
          matchMulAdd(*plan);
        plans.push_back(*plan);
      }
    });
    IRRewriter rewriter(&getContext());
    for (ContractionPlan &plan : plans) {
      Type elem = getElementTypeOrSelf(plan.op.getDpsInitOperand(0)->get());
      int64_t lanes =
          std::max<int64_t>(1, vectorBits / elem.getIntOrFloatBitWidth());
      rewriter.setInsertionPoint(plan.op);
      emitContraction(rewriter, plan, tileRows, lanes * tileVectors,
                      kPanelBytes);
      rewriter.eraseOp(plan.op);
    }
  }
};
} // namespace
