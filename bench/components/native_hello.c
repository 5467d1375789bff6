// The C wasi:http fixture's /hello handler (tests/fixtures/components/http_hello.c) compiled
// natively behind the smallest HTTP/1.1 server that serves it fairly: one epoll loop per
// core on a SO_REUSEPORT listener, keep-alive, the response written in one write. It reads
// requests without a body only (what the benchmark sends).
//
//   native_hello PORT [THREADS]
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define BUFFER 8192

struct connection {
  int fd;
  size_t used;
  char buffer[BUFFER];
};

static int port;

// The handler: the same routes and bytes as the component's.
static const char* answer(const char* path, size_t length, size_t* size) {
  static const char hello[] =
      "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n\r\nhello from c\n";
  static const char missing[] =
      "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 10\r\n\r\nnot "
      "found\n";
  if ((length == 1 && path[0] == '/') || (length >= 6 && memcmp(path, "/hello", 6) == 0)) {
    *size = sizeof hello - 1;
    return hello;
  }
  *size = sizeof missing - 1;
  return missing;
}

static int listener(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&address, sizeof address) != 0 || listen(fd, 1024) != 0) {
    perror("listen");
    exit(1);
  }
  return fd;
}

// Answers every complete request head in the buffer; -1 when the connection must close.
static int serve(struct connection* c) {
  for (;;) {
    char* end = memmem(c->buffer, c->used, "\r\n\r\n", 4);
    if (end == NULL)
      return c->used == BUFFER ? -1 : 0;
    const char* path = memchr(c->buffer, ' ', c->used);
    if (path == NULL)
      return -1;
    ++path;
    const char* pathEnd = memchr(path, ' ', (size_t)(end - path));
    if (pathEnd == NULL)
      return -1;
    size_t size = 0;
    const char* response = answer(path, (size_t)(pathEnd - path), &size);
    if (write(c->fd, response, size) != (ssize_t)size)
      return -1;
    const size_t consumed = (size_t)(end + 4 - c->buffer);
    memmove(c->buffer, c->buffer + consumed, c->used - consumed);
    c->used -= consumed;
  }
}

static void* loop(void* unused) {
  (void)unused;
  int listening = listener();
  int epoll = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epoll, EPOLL_CTL_ADD, listening, &event);
  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int ready = epoll_wait(epoll, events, MAX_EVENTS, -1);
    for (int i = 0; i < ready; ++i) {
      struct connection* c = events[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept4(listening, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct connection* added = calloc(1, sizeof *added);
          added->fd = fd;
          struct epoll_event in = {.events = EPOLLIN, .data.ptr = added};
          epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &in);
        }
        continue;
      }
      ssize_t got = read(c->fd, c->buffer + c->used, BUFFER - c->used);
      if (got > 0) {
        c->used += (size_t)got;
        if (serve(c) == 0)
          continue;
      } else if (got < 0 && errno == EAGAIN) {
        continue;
      }
      close(c->fd);
      free(c);
    }
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: native_hello PORT [THREADS]\n");
    return 2;
  }
  port = atoi(argv[1]);
  const int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  pthread_t workers[64];
  for (int i = 0; i < threads && i < 64; ++i)
    pthread_create(&workers[i], NULL, loop, NULL);
  fprintf(stderr, "native_hello listening on 127.0.0.1:%d\n", port);
  pthread_join(workers[0], NULL);
  return 0;
}
