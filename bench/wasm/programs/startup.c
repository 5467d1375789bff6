// Does nothing: what remains is the runner's own cost to start, compile and instantiate a
// small WASI module (wasi-libc's start-up included) and exit.
#include <stdio.h>

int main(void) {
  puts("startup");
  return 0;
}
