// SHA-256 over generated data: integer arithmetic, rotates and byte loads from linear memory.
// Usage: sha256 [MiB]; prints the digest, which must agree between every runner.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

struct sha256 {
  uint32_t state[8];
  uint64_t length;
  uint8_t block[64];
  size_t used;
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(struct sha256* h, const uint8_t* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h->state[0], b = h->state[1], c = h->state[2], d = h->state[3];
  uint32_t e = h->state[4], f = h->state[5], g = h->state[6], k = h->state[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                  round_constants[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h->state[0] += a, h->state[1] += b, h->state[2] += c, h->state[3] += d;
  h->state[4] += e, h->state[5] += f, h->state[6] += g, h->state[7] += k;
}

static void sha256_init(struct sha256* h) {
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(h->state, initial, sizeof initial);
  h->length = 0;
  h->used = 0;
}

static void sha256_update(struct sha256* h, const uint8_t* data, size_t size) {
  h->length += size;
  if (h->used) {
    size_t take = 64 - h->used < size ? 64 - h->used : size;
    memcpy(h->block + h->used, data, take);
    h->used += take, data += take, size -= take;
    if (h->used < 64) return;
    compress(h, h->block);
    h->used = 0;
  }
  for (; size >= 64; data += 64, size -= 64) compress(h, data);
  memcpy(h->block, data, size);
  h->used = size;
}

static void sha256_final(struct sha256* h, uint8_t digest[32]) {
  uint64_t bits = h->length * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_size = (h->used < 56 ? 56 : 120) - h->used;
  for (int i = 0; i < 8; ++i) pad[pad_size + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(h, pad, pad_size + 8);
  for (int i = 0; i < 32; ++i) digest[i] = (uint8_t)(h->state[i / 4] >> (24 - 8 * (i % 4)));
}

int main(int argc, char** argv) {
  // Self-check on a known vector first, so a miscompiling engine fails loudly.
  struct sha256 h;
  uint8_t digest[32];
  sha256_init(&h);
  sha256_update(&h, (const uint8_t*)"abc", 3);
  sha256_final(&h, digest);
  if (digest[0] != 0xba || digest[31] != 0xad) {
    fprintf(stderr, "sha256: self-check failed\n");
    return 1;
  }

  long mebibytes = argc > 1 ? atol(argv[1]) : 64;
  enum { chunk_size = 1 << 20 };
  uint8_t* chunk = malloc(chunk_size);
  if (!chunk) return 2;
  uint32_t x = 2463534242u;  // xorshift32: the data differs in every chunk
  sha256_init(&h);
  for (long m = 0; m < mebibytes; ++m) {
    for (size_t i = 0; i < chunk_size; i += 4) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      memcpy(chunk + i, &x, 4);
    }
    sha256_update(&h, chunk, chunk_size);
  }
  sha256_final(&h, digest);
  printf("sha256 %ld MiB: ", mebibytes);
  for (int i = 0; i < 32; ++i) printf("%02x", digest[i]);
  printf("\n");
  free(chunk);
  return 0;
}
