/* One NATS round trip with the official C client (libnats), for the e2e pods:
 *
 *   nats_roundtrip URL [TIMEOUT_MS]     e.g. nats://[fd00:213::2]:4222 2000
 *
 * Connects (the client's own connect timeout, default 2000 ms, covers the TCP connect, the
 * server's INFO greeting and the CONNECT/PING/PONG exchange), subscribes to a subject,
 * publishes one message, flushes, and waits for the message to come back (same timeout).
 * Prints one JSON line: {"ok": true|false, "stage": ..., "error": ..., "elapsed_ms": ...}
 * and exits 0 on success, 1 otherwise (2 on bad usage).
 *
 * NATS is server-speaks-first: a proxy that waited for the client's first bytes before
 * connecting upstream would hold the INFO back, and the connect would time out here.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include <nats/nats.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char subject[] = "wasmesh.e2e.roundtrip";
static const char message[] = "hello through the mesh";

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A JSON string body: the error texts are ASCII, but quote and escape to be safe. */
static void print_json_string(const char *text) {
  putchar('"');
  for (const char *p = text; *p != '\0'; ++p) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') {
      printf("\\%c", c);
    } else if (c < 0x20) {
      printf("\\u%04x", c);
    } else {
      putchar(c);
    }
  }
  putchar('"');
}

static int report(const char *url, const char *stage, natsStatus status, const char *detail,
                  double started) {
  int ok = status == NATS_OK && detail == NULL;
  printf("{\"ok\": %s, \"url\": ", ok ? "true" : "false");
  print_json_string(url);
  printf(", \"stage\": ");
  print_json_string(stage);
  printf(", \"error\": ");
  if (ok) {
    printf("null");
  } else {
    char text[512];
    natsStatus last_status = NATS_OK;
    const char *last = nats_GetLastError(&last_status);
    snprintf(text, sizeof text, "%s%s%s", detail != NULL ? detail : natsStatus_GetText(status),
             last != NULL && last[0] != '\0' ? ": " : "", last != NULL ? last : "");
    print_json_string(text);
  }
  printf(", \"elapsed_ms\": %.1f}\n", now_ms() - started);
  fflush(stdout);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s URL [TIMEOUT_MS]\n", argv[0]);
    return 2;
  }
  const char *url = argv[1];
  int64_t timeout_ms = argc == 3 ? strtoll(argv[2], NULL, 10) : 2000;
  if (timeout_ms <= 0) {
    fprintf(stderr, "%s: TIMEOUT_MS must be a positive number of milliseconds\n", argv[0]);
    return 2;
  }

  double started = now_ms();
  natsOptions *opts = NULL;
  natsConnection *conn = NULL;
  natsSubscription *sub = NULL;
  natsMsg *msg = NULL;
  const char *stage = "options";
  const char *detail = NULL;

  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, timeout_ms);
  /* One attempt, no reconnects: a failure must show, not be retried away. */
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, false);
  if (s == NATS_OK) {
    stage = "connect";
    s = natsConnection_Connect(&conn, opts);
  }
  if (s == NATS_OK) {
    stage = "subscribe";
    s = natsConnection_SubscribeSync(&sub, conn, subject);
  }
  if (s == NATS_OK) {
    stage = "publish";
    s = natsConnection_PublishString(conn, subject, message);
  }
  if (s == NATS_OK) {
    stage = "flush";
    s = natsConnection_FlushTimeout(conn, timeout_ms);
  }
  if (s == NATS_OK) {
    stage = "receive";
    s = natsSubscription_NextMsg(&msg, sub, timeout_ms);
  }
  if (s == NATS_OK) {
    int length = natsMsg_GetDataLength(msg);
    if (length != (int)strlen(message) || memcmp(natsMsg_GetData(msg), message, length) != 0) {
      detail = "the message came back altered";
    } else {
      stage = "done";
    }
  }
  int rc = report(url, stage, s, detail, started);

  natsMsg_Destroy(msg);
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(conn);
  natsOptions_Destroy(opts);
  nats_Close();
  return rc;
}
