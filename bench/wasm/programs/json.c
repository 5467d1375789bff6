// A JSON tokenizer over a generated document: branchy byte scanning, the kind of work a
// filter does on a body. Usage: json [MiB] [passes]; builds a document of about MiB mebibytes
// in memory, tokenizes it `passes` times and prints token counts and a checksum, which must
// agree between every runner.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum token { t_object, t_array, t_string, t_number, t_literal, t_count };

struct tally {
  uint64_t tokens[t_count];
  uint64_t checksum;
};

struct buffer {
  char* data;
  size_t size, capacity;
};

static void append(struct buffer* b, const char* text, size_t size) {
  if (b->size + size > b->capacity) {
    b->capacity = (b->size + size) * 2;
    b->data = realloc(b->data, b->capacity);
    if (!b->data) exit(2);
  }
  memcpy(b->data + b->size, text, size);
  b->size += size;
}

static void generate(struct buffer* b, size_t target) {
  static const char* const names[] = {"id", "name", "tags", "score", "active", "ratio", "note"};
  uint32_t x = 88172645u;
  char text[128];
  append(b, "[", 1);
  for (unsigned record = 0; b->size < target; ++record) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    int n = snprintf(text, sizeof text,
                     "%s{\"%s\":%u,\"%s\":\"user-%08x \\\"q\\\" \\u00e9\",\"%s\":[%d,%d.%03u,"
                     "true,null],\"%s\":-%u.%02ue%d,\"%s\":false}",
                     record ? "," : "", names[0], record, names[1], x, names[2], (int)(x % 997),
                     (int)(x % 89), x % 1000, names[3], x % 50, x % 100, (int)(x % 7),
                     names[(x >> 3) % 7]);
    append(b, text, (size_t)n);
  }
  append(b, "]", 1);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

// Returns 0, or -1 at a malformed byte (the generated document has none).
static int tokenize(const char* p, const char* end, struct tally* t) {
  while (p < end) {
    char c = *p;
    if (c == ' ' || c == '\n' || c == ',' || c == ':' || c == ']' || c == '}') {
      ++p;
    } else if (c == '{' || c == '[') {
      ++t->tokens[c == '{' ? t_object : t_array];
      ++p;
    } else if (c == '"') {
      const char* start = ++p;
      while (p < end && *p != '"') p += *p == '\\' ? 2 : 1;
      if (p >= end) return -1;
      ++t->tokens[t_string];
      t->checksum += (uint64_t)(p - start) * 31 + (uint8_t)start[0];
      ++p;
    } else if (c == '-' || is_digit(c)) {
      uint64_t value = 0;
      for (++p; p < end && (is_digit(*p) || *p == '.' || *p == 'e' || *p == '-'); ++p)
        if (is_digit(*p)) value = value * 10 + (uint64_t)(*p - '0');
      ++t->tokens[t_number];
      t->checksum ^= value + (t->checksum << 6) + (t->checksum >> 2);
    } else if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) {
      ++t->tokens[t_literal];
      p += 4;
    } else if (!strncmp(p, "false", 5)) {
      ++t->tokens[t_literal];
      p += 5;
    } else {
      return -1;
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  long mebibytes = argc > 1 ? atol(argv[1]) : 8;
  long passes = argc > 2 ? atol(argv[2]) : 20;
  struct buffer document = {0};
  generate(&document, (size_t)mebibytes << 20);
  struct tally t = {{0}, 0};
  for (long i = 0; i < passes; ++i) {
    if (tokenize(document.data, document.data + document.size, &t) != 0) {
      fprintf(stderr, "json: malformed document\n");
      return 1;
    }
  }
  printf("json %zu bytes x %ld: objects %llu arrays %llu strings %llu numbers %llu literals %llu "
         "checksum %016llx\n",
         document.size, passes, (unsigned long long)t.tokens[t_object],
         (unsigned long long)t.tokens[t_array], (unsigned long long)t.tokens[t_string],
         (unsigned long long)t.tokens[t_number], (unsigned long long)t.tokens[t_literal],
         (unsigned long long)t.checksum);
  free(document.data);
  return 0;
}
