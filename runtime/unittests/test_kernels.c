/* Kernels for the executor tests, built as a shared object and embedded in
 * test plans. ABI: void kernel(void **args), operands first, then results. */

/* args: a float[4], b float[4], out float[4] */
void add_f32(void **args) {
  const float *a = (const float *)args[0];
  const float *b = (const float *)args[1];
  float *out = (float *)args[2];
  for (int i = 0; i < 4; ++i)
    out[i] = a[i] + b[i];
}

/* args: in float[4], out float[4] */
void copy_f32(void **args) {
  const float *in = (const float *)args[0];
  float *out = (float *)args[1];
  for (int i = 0; i < 4; ++i)
    out[i] = in[i];
}

/* args: in float[4], out float[4]; out = SCALE * in. The "alt" build of this
 * file uses SCALE 3 so tests can tell two loaded modules apart. */
#ifndef SCALE
#define SCALE 2.0f
#endif
void scale2_f32(void **args) {
  const float *in = (const float *)args[0];
  float *out = (float *)args[1];
  for (int i = 0; i < 4; ++i)
    out[i] = SCALE * in[i];
}
