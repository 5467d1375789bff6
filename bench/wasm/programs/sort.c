// A quicksort of generated integers through a comparison function pointer: memory traffic over
// a large linear memory and an indirect call per comparison. The sort is our own rather than
// the C library's qsort, because glibc and wasi-libc sort differently and the native row
// would compare algorithms, not code generators. Usage: sort [thousands]; prints a checksum of
// the sorted array, which must agree between every runner.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*comparison)(uint32_t, uint32_t);

static int compare(uint32_t a, uint32_t b) { return (a > b) - (a < b); }

static void swap(uint32_t* a, uint32_t* b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

// Median-of-three quicksort, recursing into the smaller side; insertion sort below 16.
static void sort(uint32_t* v, size_t n, comparison less) {
  while (n > 16) {
    size_t mid = n / 2;
    if (less(v[mid], v[0]) < 0) swap(&v[mid], &v[0]);
    if (less(v[n - 1], v[0]) < 0) swap(&v[n - 1], &v[0]);
    if (less(v[n - 1], v[mid]) < 0) swap(&v[n - 1], &v[mid]);
    uint32_t pivot = v[mid];
    size_t i = 0, j = n - 1;
    for (;;) {
      while (less(v[i], pivot) < 0) ++i;
      while (less(pivot, v[j]) < 0) --j;
      if (i >= j) break;
      swap(&v[i++], &v[j--]);
    }
    size_t left = j + 1;
    if (left < n - left) {
      sort(v, left, less);
      v += left, n -= left;
    } else {
      sort(v + left, n - left, less);
      n = left;
    }
  }
  for (size_t i = 1; i < n; ++i)
    for (size_t j = i; j > 0 && less(v[j], v[j - 1]) < 0; --j) swap(&v[j], &v[j - 1]);
}

int main(int argc, char** argv) {
  long thousands = argc > 1 ? atol(argv[1]) : 4000;
  size_t count = (size_t)thousands * 1000;
  uint32_t* values = malloc(count * sizeof *values);
  if (!values) {
    fprintf(stderr, "sort: out of memory\n");
    return 2;
  }
  uint32_t x = 123456789u;
  for (size_t i = 0; i < count; ++i) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    values[i] = x;
  }
  // Through a volatile pointer, so that no compiler turns the indirect call into a direct one.
  comparison volatile less = compare;
  sort(values, count, less);
  uint64_t checksum = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i && values[i - 1] > values[i]) {
      fprintf(stderr, "sort: not sorted at %zu\n", i);
      return 1;
    }
    checksum = checksum * 1099511628211u + values[i];
  }
  printf("sort %zu values: %016llx\n", count, (unsigned long long)checksum);
  free(values);
  return 0;
}
