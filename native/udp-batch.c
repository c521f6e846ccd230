// UDP I/O in batches for the UDP tracker: recvmmsg reads up to BATCH datagrams per system
// call and hands them to JavaScript in one callback; sendmmsg sends the replies JS laid
// out in one call. node:dgram makes one system call and one JS callback per datagram,
// which is most of a tracker's cost per request (bench/RESULTS.md).
//
// Buffers are JavaScript's, registered once at start(): datagram i is in rbuf at
// i*RSTRIDE (up to RSLOT bytes, any UDP datagram), its meta at rmeta+i*META: u32 length,
// u16 port, u8 family (4 or 6; IPv4-mapped senders on a dual-stack socket are given as
// 4), then 16 address bytes at +8. Reply i is in sbuf at i*SSLOT, its meta likewise.
// Host byte order for length and port.

#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 64
#define RSLOT 65536
// Slots a little more than 64 KiB apart, so their first bytes do not share cache sets.
#define RSTRIDE (RSLOT + 256)
#define SSLOT 2048
#define META 32
// Batches read per readiness event, so other handles of the loop get their turn.
#define ROUNDS 8

typedef struct {
  napi_env env;
  int fd;
  int v6;
  int started;   // reading: the poll handle is live
  int uv_done;   // the poll handle is closed (or was never opened)
  int finalized; // JavaScript let go of the handle
  int polled_fd; // closed once libuv has let go of it
  uv_poll_t poll;
  napi_ref cb, rbuf_ref, rmeta_ref, sbuf_ref, smeta_ref;
  napi_async_context actx;
  uint8_t *rbuf, *rmeta, *sbuf, *smeta;
  struct mmsghdr rmsgs[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_in6 raddr[BATCH];
  struct mmsghdr smsgs[BATCH];
  struct iovec siov[BATCH];
  struct sockaddr_in6 saddr[BATCH];
} sock_t;

static const uint8_t MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void read_meta(const struct sockaddr_in6* a, uint32_t len, uint8_t* m) {
  memcpy(m, &len, 4);
  if (a->sin6_family == AF_INET6) {
    uint16_t port = ntohs(a->sin6_port);
    memcpy(m + 4, &port, 2);
    if (memcmp(a->sin6_addr.s6_addr, MAPPED, 12) == 0) {
      m[6] = 4;
      memcpy(m + 8, a->sin6_addr.s6_addr + 12, 4);
    } else {
      m[6] = 6;
      memcpy(m + 8, a->sin6_addr.s6_addr, 16);
    }
  } else {
    const struct sockaddr_in* b = (const struct sockaddr_in*)a;
    uint16_t port = ntohs(b->sin_port);
    memcpy(m + 4, &port, 2);
    m[6] = 4;
    memcpy(m + 8, &b->sin_addr, 4);
  }
}

// Fills a sockaddr for family/address/port; returns its length.
static socklen_t write_addr(int v6, int family, const uint8_t* addr, uint16_t port, struct sockaddr_in6* out) {
  if (v6) {
    memset(out, 0, sizeof *out);
    out->sin6_family = AF_INET6;
    out->sin6_port = htons(port);
    if (family == 4) {
      memcpy(out->sin6_addr.s6_addr, MAPPED, 12);
      memcpy(out->sin6_addr.s6_addr + 12, addr, 4);
    } else {
      memcpy(out->sin6_addr.s6_addr, addr, 16);
    }
    return sizeof(struct sockaddr_in6);
  }
  struct sockaddr_in* a4 = (struct sockaddr_in*)out;
  memset(a4, 0, sizeof *a4);
  a4->sin_family = AF_INET;
  a4->sin_port = htons(port);
  memcpy(&a4->sin_addr, addr, 4);
  return sizeof(struct sockaddr_in);
}

static void on_readable(uv_poll_t* h, int status, int events) {
  (void)status;
  (void)events;
  sock_t* s = h->data;
  napi_env env = s->env;
  for (int round = 0; round < ROUNDS && s->started; round++) {
    for (int i = 0; i < BATCH; i++) s->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
    int n = recvmmsg(s->fd, s->rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) {
      read_meta(&s->raddr[i], s->rmsgs[i].msg_len, s->rmeta + i * META);
    }
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value cb, recv, arg, result;
    napi_get_reference_value(env, s->cb, &cb);
    napi_get_global(env, &recv);
    napi_create_uint32(env, (uint32_t)n, &arg);
    // make_callback, not call_function: promises settled by the callback run after it.
    if (napi_make_callback(env, s->actx, recv, cb, 1, &arg, &result) == napi_pending_exception) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
      napi_fatal_exception(env, ex);
    }
    napi_close_handle_scope(env, scope);
    if (n < BATCH) break;
  }
}

#define CALL(x)                                   \
  do {                                            \
    if ((x) != napi_ok) {                         \
      napi_throw_error(env, "EINVAL", "udp-batch: " #x); \
      return NULL;                                \
    }                                             \
  } while (0)

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[160], code[32];
  snprintf(msg, sizeof msg, "%s %s", what, strerror(err));
  snprintf(code, sizeof code, "%s", err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EAFNOSUPPORT ? "EAFNOSUPPORT" : err == EACCES ? "EACCES" : "EIO");
  napi_throw_error(env, code, msg);
  return NULL;
}

static sock_t* sock_of(napi_env env, napi_value v) {
  void* p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static void stop(sock_t* s);

// The memory goes when both JavaScript and libuv are done with it.
static void finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  sock_t* s = data;
  s->finalized = 1;
  if (s->started) stop(s);
  else if (s->uv_done) free(s);
}

// open(v6, address (4 or 16 bytes), port, reusePort, recvBufferSize, sendBufferSize) -> handle
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  bool v6, reuse;
  uint32_t port, rcv, snd;
  void* addr;
  size_t alen;
  CALL(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  CALL(napi_get_value_bool(env, a[0], &v6));
  CALL(napi_get_buffer_info(env, a[1], &addr, &alen));
  CALL(napi_get_value_uint32(env, a[2], &port));
  CALL(napi_get_value_bool(env, a[3], &reuse));
  CALL(napi_get_value_uint32(env, a[4], &rcv));
  CALL(napi_get_value_uint32(env, a[5], &snd));
  if (alen != (v6 ? 16u : 4u) || port > 65535) {
    napi_throw_range_error(env, "EINVAL", "udp-batch: bad address or port");
    return NULL;
  }
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1, zero = 0;
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (rcv) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  if (snd) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
  // Sends block while the send buffer is full (back-pressure), but never for long.
  struct timeval tv = {0, 20000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in6 sa;
  socklen_t sl = write_addr(v6, v6 ? 6 : 4, addr, (uint16_t)port, &sa);
  if (bind(fd, (struct sockaddr*)&sa, sl) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  sock_t* s = calloc(1, sizeof(sock_t));
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->v6 = v6;
  s->uv_done = 1;
  napi_value ext;
  CALL(napi_create_external(env, s, finalize, NULL, &ext));
  return ext;
}

// info(handle) -> [port, recvBufferSize, sendBufferSize] as the kernel reports them
static napi_value js_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], out, v;
  CALL(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t* s = sock_of(env, a[0]);
  if (s == NULL || s->fd < 0) return NULL;
  struct sockaddr_in6 sa;
  socklen_t sl = sizeof sa;
  getsockname(s->fd, (struct sockaddr*)&sa, &sl);
  int rcv = 0, snd = 0;
  socklen_t il = sizeof rcv;
  getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, &il);
  il = sizeof snd;
  getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &snd, &il);
  CALL(napi_create_array_with_length(env, 3, &out));
  napi_create_uint32(env, ntohs(sa.sin6_port), &v);
  napi_set_element(env, out, 0, v);
  napi_create_uint32(env, (uint32_t)rcv, &v);
  napi_set_element(env, out, 1, v);
  napi_create_uint32(env, (uint32_t)snd, &v);
  napi_set_element(env, out, 2, v);
  return out;
}

static uint8_t* keep_buffer(napi_env env, napi_value v, napi_ref* ref, size_t need) {
  void* d;
  size_t l;
  if (napi_get_buffer_info(env, v, &d, &l) != napi_ok || l < need) return NULL;
  if (napi_create_reference(env, v, 1, ref) != napi_ok) return NULL;
  return d;
}

static void cleanup(void* arg);

// start(handle, rbuf, rmeta, sbuf, smeta, onBatch(count))
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  CALL(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t* s = sock_of(env, a[0]);
  if (s == NULL || s->started) return NULL;
  if (!(s->rbuf = keep_buffer(env, a[1], &s->rbuf_ref, BATCH * RSTRIDE)) ||
      !(s->rmeta = keep_buffer(env, a[2], &s->rmeta_ref, BATCH * META)) ||
      !(s->sbuf = keep_buffer(env, a[3], &s->sbuf_ref, BATCH * SSLOT)) ||
      !(s->smeta = keep_buffer(env, a[4], &s->smeta_ref, BATCH * META))) {
    napi_throw_range_error(env, "EINVAL", "udp-batch: buffers too small");
    return NULL;
  }
  CALL(napi_create_reference(env, a[5], 1, &s->cb));
  napi_value name;
  CALL(napi_create_string_utf8(env, "UDPBATCH", NAPI_AUTO_LENGTH, &name));
  CALL(napi_async_init(env, NULL, name, &s->actx));
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_base = s->rbuf + i * RSTRIDE;
    s->riov[i].iov_len = RSLOT;
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
    s->rmsgs[i].msg_hdr.msg_name = &s->raddr[i];
    s->siov[i].iov_base = s->sbuf + i * SSLOT;
    s->smsgs[i].msg_hdr.msg_iov = &s->siov[i];
    s->smsgs[i].msg_hdr.msg_iovlen = 1;
    s->smsgs[i].msg_hdr.msg_name = &s->saddr[i];
  }
  uv_loop_t* loop;
  CALL(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &s->poll, s->fd) != 0) return throw_errno(env, "uv_poll_init", EIO);
  s->poll.data = s;
  s->started = 1;
  s->uv_done = 0;
  // A worker thread that ends without close() must not leave the handle on its loop.
  napi_add_env_cleanup_hook(env, cleanup, s);
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  return NULL;
}

// Sends msgs[from, n); returns how many went out (a message the kernel refuses is skipped).
static uint32_t send_all(sock_t* s, uint32_t n) {
  uint32_t done = 0, sent = 0;
  while (done < n) {
    int r = sendmmsg(s->fd, s->smsgs + done, n - done, 0);
    if (r > 0) {
      done += r;
      sent += r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    // Still full after SO_SNDTIMEO: drop the rest, as a full network would.
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    done++;
  }
  return sent;
}

// flush(handle, count) -> replies sent, from sbuf/smeta slots [0, count)
static napi_value js_flush(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2], r;
  uint32_t n;
  CALL(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t* s = sock_of(env, a[0]);
  CALL(napi_get_value_uint32(env, a[1], &n));
  if (s == NULL || !s->started || s->fd < 0) n = 0;
  if (n > BATCH) n = BATCH;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t* m = s->smeta + i * META;
    uint32_t len;
    uint16_t port;
    memcpy(&len, m, 4);
    memcpy(&port, m + 4, 2);
    s->siov[i].iov_len = len > SSLOT ? SSLOT : len;
    s->smsgs[i].msg_hdr.msg_namelen = write_addr(s->v6, m[6], m + 8, port, &s->saddr[i]);
  }
  CALL(napi_create_uint32(env, n > 0 ? send_all(s, n) : 0, &r));
  return r;
}

// sendTo(handle, buf, len, family, address (4 or 16 bytes), port) -> whether it went out
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6], r;
  void *buf, *addr;
  size_t blen, alen;
  uint32_t len, family, port;
  CALL(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t* s = sock_of(env, a[0]);
  CALL(napi_get_buffer_info(env, a[1], &buf, &blen));
  CALL(napi_get_value_uint32(env, a[2], &len));
  CALL(napi_get_value_uint32(env, a[3], &family));
  CALL(napi_get_buffer_info(env, a[4], &addr, &alen));
  CALL(napi_get_value_uint32(env, a[5], &port));
  bool ok = false;
  if (s != NULL && s->fd >= 0 && len <= blen && alen >= (family == 4 ? 4u : 16u) && (family == 4 || s->v6)) {
    struct sockaddr_in6 sa;
    socklen_t sl = write_addr(s->v6, (int)family, addr, (uint16_t)port, &sa);
    ssize_t w;
    do w = sendto(s->fd, buf, len, 0, (struct sockaddr*)&sa, sl);
    while (w < 0 && errno == EINTR);
    ok = w == (ssize_t)len;
  }
  CALL(napi_get_boolean(env, ok, &r));
  return r;
}

static void on_closed(uv_handle_t* h) {
  sock_t* s = h->data;
  close(s->polled_fd);
  s->uv_done = 1;
  if (s->finalized) free(s);
}

// Stops reading; the socket is closed once libuv has released the poll handle.
static void stop(sock_t* s) {
  s->started = 0;
  napi_remove_env_cleanup_hook(s->env, cleanup, s);
  uv_poll_stop(&s->poll);
  s->polled_fd = s->fd;
  s->fd = -1;
  uv_close((uv_handle_t*)&s->poll, on_closed);
}

static void cleanup(void* arg) {
  sock_t* s = arg;
  if (s->started) stop(s);
}

// close(handle): idempotent; later calls on the handle do nothing.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CALL(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  sock_t* s = sock_of(env, a[0]);
  if (s == NULL || s->fd < 0) return NULL;
  if (s->started) {
    napi_delete_reference(env, s->cb);
    napi_delete_reference(env, s->rbuf_ref);
    napi_delete_reference(env, s->rmeta_ref);
    napi_delete_reference(env, s->sbuf_ref);
    napi_delete_reference(env, s->smeta_ref);
    napi_async_destroy(env, s->actx);
    stop(s);
  } else {
    close(s->fd);
    s->fd = -1;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
      {"open", 0, js_open, 0, 0, 0, napi_default, 0},   {"info", 0, js_info, 0, 0, 0, napi_default, 0},
      {"start", 0, js_start, 0, 0, 0, napi_default, 0}, {"flush", 0, js_flush, 0, 0, 0, napi_default, 0},
      {"sendTo", 0, js_send_to, 0, 0, 0, napi_default, 0}, {"close", 0, js_close, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  const char* names[] = {"BATCH", "RSTRIDE", "SSLOT", "META"};
  uint32_t values[] = {BATCH, RSTRIDE, SSLOT, META};
  for (int i = 0; i < 4; i++) {
    napi_value v;
    napi_create_uint32(env, values[i], &v);
    napi_set_named_property(env, exports, names[i], v);
  }
  return exports;
}
