/* A "toy model" for generation plans (runtime/unittests/gen/ToyPlan.h):
 * kernels of the paged-v1 step contract (docs/kv-cache.md) over a real paged
 * cache, int64 [kv_blocks, TOY_PAGE, 2] = (token, position + 1) per slot.
 * The logits of a token are one-hot at (sum of the tokens at positions
 * 0..pos of its sequence, read back through its block table) % TOY_VOCAB,
 * so a wrong slot, position, block table or sample index changes the
 * generated tokens. Shapes are static per bucket, as compiled kernels are. */
#include <stdint.h>

#define TOY_VOCAB 17
#define TOY_PAGE 4
#define TOY_MB 8            /* max blocks per sequence */
#define TOY_BAD_READ 1000003 /* added when a slot holds another position */

/* args: token_ids[1,N], positions[1,N], slot_mapping[N], cache (in place) */
static void toy_append(void **a, int n) {
  const int64_t *tok = a[0], *pos = a[1], *slot = a[2];
  int64_t *cache = a[3];
  for (int i = 0; i < n; ++i)
    if (slot[i] >= 0) {
      cache[2 * slot[i]] = tok[i];
      cache[2 * slot[i] + 1] = pos[i] + 1;
    }
}

/* args: positions[1,N], token_seq[N], block_tables[B,MB], slot_mapping[N],
 * cache, -> sums[N] (an activation) */
static void toy_attend(void **a, int n) {
  const int64_t *pos = a[0], *seq = a[1], *tables = a[2], *slot = a[3];
  const int64_t *cache = a[4];
  int64_t *sums = a[5];
  for (int i = 0; i < n; ++i) {
    int64_t s = 0;
    if (slot[i] >= 0)
      for (int64_t p = 0; p <= pos[i]; ++p) {
        int64_t block = tables[seq[i] * TOY_MB + p / TOY_PAGE];
        const int64_t *c = cache + 2 * (block * TOY_PAGE + p % TOY_PAGE);
        s += c[0] + (c[1] == p + 1 ? 0 : TOY_BAD_READ);
      }
    sums[i] = s;
  }
}

/* args: sample_index[M], sums[N] -> logits[1,M,V] */
static void toy_logits(void **a, int n, int m) {
  const int64_t *index = a[0], *sums = a[1];
  float *logits = a[2];
  for (int i = 0; i < m; ++i) {
    int64_t k = index[i];
    int64_t hot = k >= 0 && k < n ? sums[k] % TOY_VOCAB : 0;
    for (int v = 0; v < TOY_VOCAB; ++v)
      logits[i * TOY_VOCAB + v] = v == hot ? 1.0f : 0.0f;
  }
}

#define TOY_BUCKET(N, M)                                                       \
  void toy_append_n##N(void **a) { toy_append(a, N); }                         \
  void toy_attend_n##N(void **a) { toy_attend(a, N); }                         \
  void toy_logits_n##N(void **a) { toy_logits(a, N, M); }

TOY_BUCKET(1, 1)
TOY_BUCKET(2, 2)
TOY_BUCKET(4, 4)
TOY_BUCKET(8, 8)
TOY_BUCKET(16, 8)
