// Small writes straight to stdout: one WASI fd_write per record, so this measures the cost of
// a guest-to-host call with a real system call behind it. Usage: syscalls [thousands]; the
// records go to stdout (the runner sends it to /dev/null) and the summary to stderr.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long thousands = argc > 1 ? atol(argv[1]) : 1000;
  long writes = thousands * 1000;
  char record[32] = "wasmesh syscall record 00000000\n";
  long long written = 0;
  for (long i = 0; i < writes; ++i) {
    for (int digit = 30, n = (int)i; digit >= 23; --digit, n /= 10) record[digit] = '0' + n % 10;
    ssize_t result = write(1, record, sizeof record);
    if (result != (ssize_t)sizeof record) {
      fprintf(stderr, "syscalls: write %ld returned %zd\n", i, result);
      return 1;
    }
    written += result;
  }
  fprintf(stderr, "syscalls %ld writes: %lld bytes\n", writes, written);
  return 0;
}
