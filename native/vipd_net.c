/*
 * vipd_net: the one native edge of vipd. Node has no raw IP, packet or netlink sockets, so this addon exposes
 * generic socket calls (any family), socket options, send/recv with ancillary data and libuv readiness polling.
 * It knows nothing about VRRP, ARP or netlink messages: everything protocol-shaped is built and parsed in
 * TypeScript (src/net/). Every socket is non-blocking and close-on-exec. Errors are thrown as JS errors with
 * `code` (e.g. "EPERM"), `errno` and `syscall`, so callers can name the missing capability.
 * One start-up call is not a socket call: execInNetns, the way into keepalived's `net_namespace` (see there).
 * The nft* calls are a thin dlopen wrapper around libnftables (see the nftables section below).
 * spawnScript/reapChild start a script with vfork() (see the section below): libuv's fork() copies a Node-sized
 * address space for every notify, track or MISC_CHECK script.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <signal.h>
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>
#include <linux/filter.h>
#include <uv.h>

#define CHECK(call)                                                                                 \
  do {                                                                                              \
    if ((call) != napi_ok) {                                                                        \
      napi_throw_error(env, "EINTERNAL", "vipd_net: N-API call failed: " #call);                   \
      return NULL;                                                                                  \
    }                                                                                               \
  } while (0)

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(err), uv_err_name(-err));
  napi_value code, message, error, errnum, sys;
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: wrong number of arguments");
    return 0;
  }
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: expected an integer argument");
    return 0;
  }
  return 1;
}

/* A Buffer argument, or null/undefined (data=NULL, len=0). */
static int get_opt_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  bool is_buf = false;
  napi_is_buffer(env, v, &is_buf);
  if (!is_buf || napi_get_buffer_info(env, v, data, len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: expected a Buffer argument");
    return 0;
  }
  return 1;
}

static napi_value make_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

/* socket(domain, type, protocol) -> fd */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t domain, type, proto;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &domain) || !get_i32(env, argv[1], &type) ||
      !get_i32(env, argv[2], &proto))
    return NULL;
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) return throw_errno(env, "socket", errno);
  return make_i32(env, fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* setsockopt(fd, level, name, value: int | Buffer) */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) ||
      !get_i32(env, argv[2], &name))
    return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[3], &t);
  int rc;
  if (t == napi_number) {
    int32_t v;
    if (!get_i32(env, argv[3], &v)) return NULL;
    int iv = v;
    rc = setsockopt(fd, level, name, &iv, sizeof iv);
  } else {
    void *data;
    size_t len;
    if (!get_opt_buffer(env, argv[3], &data, &len)) return NULL;
    rc = setsockopt(fd, level, name, data, (socklen_t)len);
  }
  if (rc < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* getsockopt(fd, level, name, maxLen) -> Buffer */
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, max;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) ||
      !get_i32(env, argv[2], &name) || !get_i32(env, argv[3], &max))
    return NULL;
  if (max < 0 || max > 65536) max = 65536;
  char *buf = malloc(max ? (size_t)max : 1);
  socklen_t len = (socklen_t)max;
  if (getsockopt(fd, level, name, buf, &len) < 0) {
    int e = errno;
    free(buf);
    return throw_errno(env, "getsockopt", e);
  }
  napi_value out;
  void *dst;
  napi_create_buffer_copy(env, len, buf, &dst, &out);
  free(buf);
  return out;
}

/* bind(fd, sockaddr: Buffer) */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *sa;
  size_t salen;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &sa, &salen))
    return NULL;
  if (bind(fd, (struct sockaddr *)sa, (socklen_t)salen) < 0) return throw_errno(env, "bind", errno);
  return NULL;
}

/* sendmsg(fd, data: Buffer, sockaddr: Buffer|null, control: Buffer|null, flags) -> bytes sent, or -1 on EAGAIN */
static napi_value js_sendmsg(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd, flags;
  void *data, *sa, *ctl;
  size_t len, salen, ctllen;
  if (!get_args(env, info, 5, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &data, &len) ||
      !get_opt_buffer(env, argv[2], &sa, &salen) || !get_opt_buffer(env, argv[3], &ctl, &ctllen) ||
      !get_i32(env, argv[4], &flags))
    return NULL;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {0};
  msg.msg_name = sa;
  msg.msg_namelen = (socklen_t)salen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctllen ? ctl : NULL;
  msg.msg_controllen = ctllen;
  ssize_t n = sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_i32(env, -1);
    return throw_errno(env, "sendmsg", errno);
  }
  return make_i32(env, (int32_t)n);
}

/* recvmsg(fd, maxLen, controlLen) -> {data, addr, control, flags} or null when nothing is queued (EAGAIN) */
static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, max, ctlmax;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &max) ||
      !get_i32(env, argv[2], &ctlmax))
    return NULL;
  if (max <= 0 || max > 1 << 20) max = 65536;
  if (ctlmax < 0 || ctlmax > 65536) ctlmax = 0;
  char *buf = malloc((size_t)max);
  char *ctl = malloc(ctlmax ? (size_t)ctlmax : 1);
  struct sockaddr_storage ss;
  struct iovec iov = {.iov_base = buf, .iov_len = (size_t)max};
  struct msghdr msg = {0};
  msg.msg_name = &ss;
  msg.msg_namelen = sizeof ss;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctlmax ? ctl : NULL;
  msg.msg_controllen = (size_t)ctlmax;
  ssize_t n = recvmsg(fd, &msg, 0);
  if (n < 0) {
    int e = errno;
    free(buf);
    free(ctl);
    if (e == EAGAIN || e == EWOULDBLOCK) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, "recvmsg", e);
  }
  napi_value out, data, addr, control, flags;
  void *dst;
  size_t got = (size_t)n > (size_t)max ? (size_t)max : (size_t)n;
  napi_create_object(env, &out);
  napi_create_buffer_copy(env, got, buf, &dst, &data);
  napi_create_buffer_copy(env, msg.msg_namelen, &ss, &dst, &addr);
  napi_create_buffer_copy(env, msg.msg_controllen, ctl, &dst, &control);
  napi_create_int32(env, msg.msg_flags, &flags);
  napi_set_named_property(env, out, "data", data);
  napi_set_named_property(env, out, "addr", addr);
  napi_set_named_property(env, out, "control", control);
  napi_set_named_property(env, out, "flags", flags);
  free(buf);
  free(ctl);
  return out;
}

/* recvmmsg(fd, maxMsgs, maxLen, controlLen) -> [{data, addr, control, flags}, ...]: up to maxMsgs queued
 * datagrams in one system call ([] when nothing is queued). An error after some datagrams were read is
 * reported by the next call (recvmmsg(2)); an error before any is thrown. The receive area is scratch memory
 * owned by this addon instance and reused across calls, so a burst costs one copy per datagram, not one
 * allocation of maxLen per datagram. */
typedef struct {
  size_t cap;
  char *mem;
} scratch_t;

static void scratch_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  scratch_t *s = data;
  free(s->mem);
  free(s);
}

static char *scratch_get(napi_env env, size_t need) {
  scratch_t *s = NULL;
  if (napi_get_instance_data(env, (void **)&s) != napi_ok) return NULL;
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s || napi_set_instance_data(env, s, scratch_free, NULL) != napi_ok) {
      free(s);
      return NULL;
    }
  }
  if (s->cap < need) {
    char *m = realloc(s->mem, need);
    if (!m) return NULL;
    s->mem = m;
    s->cap = need;
  }
  return s->mem;
}

static napi_value js_recvmmsg(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, count, max, ctlmax;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &count) ||
      !get_i32(env, argv[2], &max) || !get_i32(env, argv[3], &ctlmax))
    return NULL;
  if (count <= 0) count = 1;
  if (count > 1024) count = 1024;
  if (max <= 0 || max > 1 << 20) max = 65536;
  if (ctlmax < 0 || ctlmax > 65536) ctlmax = 0;
  /* Bound the scratch area (64 MiB): fewer messages per call rather than a huge allocation. */
  size_t per = sizeof(struct mmsghdr) + sizeof(struct iovec) + sizeof(struct sockaddr_storage) + (size_t)max +
               (size_t)ctlmax;
  if ((size_t)count * per > (size_t)64 << 20) count = (int32_t)(((size_t)64 << 20) / per);
  if (count < 1) count = 1;
  char *mem = scratch_get(env, (size_t)count * per);
  if (!mem) return throw_errno(env, "recvmmsg", ENOMEM);
  struct mmsghdr *vec = (struct mmsghdr *)mem;
  struct iovec *iov = (struct iovec *)(vec + count);
  struct sockaddr_storage *ss = (struct sockaddr_storage *)(iov + count);
  char *data = (char *)(ss + count);
  char *ctl = data + (size_t)count * (size_t)max;
  memset(vec, 0, sizeof(struct mmsghdr) * (size_t)count);
  for (int i = 0; i < count; i++) {
    iov[i].iov_base = data + (size_t)i * (size_t)max;
    iov[i].iov_len = (size_t)max;
    vec[i].msg_hdr.msg_name = &ss[i];
    vec[i].msg_hdr.msg_namelen = sizeof ss[i];
    vec[i].msg_hdr.msg_iov = &iov[i];
    vec[i].msg_hdr.msg_iovlen = 1;
    vec[i].msg_hdr.msg_control = ctlmax ? ctl + (size_t)i * (size_t)ctlmax : NULL;
    vec[i].msg_hdr.msg_controllen = (size_t)ctlmax;
  }
  int n = recvmmsg(fd, vec, (unsigned)count, MSG_DONTWAIT, NULL);
  napi_value arr;
  if (n < 0) {
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      CHECK(napi_create_array_with_length(env, 0, &arr));
      return arr;
    }
    return throw_errno(env, "recvmmsg", e);
  }
  CHECK(napi_create_array_with_length(env, (size_t)n, &arr));
  napi_value empty = NULL;
  void *dst;
  for (int i = 0; i < n; i++) {
    struct msghdr *m = &vec[i].msg_hdr;
    size_t got = vec[i].msg_len > (unsigned)max ? (size_t)max : vec[i].msg_len;
    napi_value out, d, a, c, f;
    CHECK(napi_create_object(env, &out));
    CHECK(napi_create_buffer_copy(env, got, iov[i].iov_base, &dst, &d));
    if ((m->msg_namelen == 0 || m->msg_controllen == 0) && !empty) CHECK(napi_create_buffer(env, 0, &dst, &empty));
    if (m->msg_namelen) CHECK(napi_create_buffer_copy(env, m->msg_namelen, &ss[i], &dst, &a));
    else a = empty;
    if (m->msg_controllen) CHECK(napi_create_buffer_copy(env, m->msg_controllen, m->msg_control, &dst, &c));
    else c = empty;
    CHECK(napi_create_int32(env, m->msg_flags, &f));
    napi_property_descriptor props[] = {
        {"data", NULL, NULL, NULL, NULL, d, napi_default_jsproperty, NULL},
        {"addr", NULL, NULL, NULL, NULL, a, napi_default_jsproperty, NULL},
        {"control", NULL, NULL, NULL, NULL, c, napi_default_jsproperty, NULL},
        {"flags", NULL, NULL, NULL, NULL, f, napi_default_jsproperty, NULL},
    };
    CHECK(napi_define_properties(env, out, 4, props));
    CHECK(napi_set_element(env, arr, (uint32_t)i, out));
  }
  return arr;
}

/* recvmmsgInto(fd, buf: Buffer, slotLen, info: Int32Array) -> count: like recvmmsg, but datagram i is received
 * straight into buf[i*slotLen, (i+1)*slotLen) and info[2i] = its length (capped at slotLen), info[2i+1] = its
 * msg_flags (MSG_TRUNC …). Up to min(buf.length / slotLen, info.length / 2) datagrams; 0 when nothing is queued.
 * No sender address, no ancillary data and no allocation: for high-rate sockets (netlink events) whose caller
 * parses each datagram before the next call reuses the memory. */
static napi_value js_recvmmsg_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, slot;
  void *buf, *meta;
  size_t buflen, metalen;
  napi_typedarray_type mtype;
  napi_value mab;
  size_t moff;
  if (!get_args(env, info, 4, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &buf, &buflen) ||
      !get_i32(env, argv[2], &slot))
    return NULL;
  if (napi_get_typedarray_info(env, argv[3], &mtype, &metalen, &meta, &mab, &moff) != napi_ok || mtype != napi_int32_array) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: recvmmsgInto expects an Int32Array for the lengths");
    return NULL;
  }
  if (slot <= 0 || buf == NULL) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: recvmmsgInto needs a buffer and a positive slot length");
    return NULL;
  }
  size_t count = buflen / (size_t)slot;
  if (count > metalen / 2) count = metalen / 2;
  if (count > 1024) count = 1024;
  if (count == 0) return make_i32(env, 0);
  size_t need = count * (sizeof(struct mmsghdr) + sizeof(struct iovec));
  char *mem = scratch_get(env, need);
  if (!mem) return throw_errno(env, "recvmmsg", ENOMEM);
  struct mmsghdr *vec = (struct mmsghdr *)mem;
  struct iovec *iov = (struct iovec *)(vec + count);
  memset(vec, 0, sizeof(struct mmsghdr) * count);
  for (size_t i = 0; i < count; i++) {
    iov[i].iov_base = (char *)buf + i * (size_t)slot;
    iov[i].iov_len = (size_t)slot;
    vec[i].msg_hdr.msg_iov = &iov[i];
    vec[i].msg_hdr.msg_iovlen = 1;
  }
  int n = recvmmsg(fd, vec, (unsigned)count, MSG_DONTWAIT, NULL);
  if (n < 0) {
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK) return make_i32(env, 0);
    return throw_errno(env, "recvmmsg", e);
  }
  int32_t *m = meta;
  for (int i = 0; i < n; i++) {
    m[2 * i] = vec[i].msg_len > (unsigned)slot ? slot : (int32_t)vec[i].msg_len;
    m[2 * i + 1] = vec[i].msg_hdr.msg_flags;
  }
  return make_i32(env, n);
}

/* ifNameToIndex(name) -> index (0 when there is no such interface) */
static napi_value js_if_nametoindex(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IF_NAMESIZE + 1];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: expected an interface name");
    return NULL;
  }
  return make_i32(env, (int32_t)if_nametoindex(name));
}

/* attachFilter(fd, program: Buffer of struct sock_filter[]): SO_ATTACH_FILTER with a classic BPF program.
 * Needs a C wrapper because struct sock_fprog holds a pointer. Used e.g. to make send-only raw sockets drop
 * everything they would otherwise queue (keepalived does the same on its send sockets). */
static napi_value js_attach_filter(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *prog;
  size_t len;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &prog, &len))
    return NULL;
  if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > 4096) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: BPF program must be a non-empty array of 8-byte instructions");
    return NULL;
  }
  struct sock_fprog fprog = {.len = (unsigned short)(len / sizeof(struct sock_filter)), .filter = prog};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) < 0)
    return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", errno);
  return NULL;
}

/* ---- readiness polling: libuv tells us when a socket is readable; JS then drains it with recvmsg ---- */

typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int stopped;
} poller_t;

static void poll_closed(uv_handle_t *h) { free(h->data); }

static void poll_cb(uv_poll_t *h, int status, int events) {
  (void)events;
  poller_t *p = h->data;
  if (p->stopped) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, global, arg, result;
  napi_get_reference_value(env, p->callback, &cb);
  napi_get_global(env, &global);
  napi_create_int32(env, status, &arg);
  /* napi_make_callback, not napi_call_function: like every Node handle callback, it runs the microtask and
   * nextTick queues when it returns, so promises settled by the readiness handler continue at once instead of
   * waiting for some unrelated callback to drain the queues. */
  if (napi_make_callback(env, p->async, global, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void poller_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
  /* The poller outlives its JS handle until pollStop closes it; nothing to free here. */
}

/* pollStart(fd, callback(status)) -> handle */
static napi_value js_poll_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd)) return NULL;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  poller_t *p = calloc(1, sizeof *p);
  p->env = env;
  p->handle.data = p;
  CHECK(napi_create_reference(env, argv[1], 1, &p->callback));
  napi_value resource_name;
  CHECK(napi_create_string_utf8(env, "vipd_net.poll", NAPI_AUTO_LENGTH, &resource_name));
  if (napi_async_init(env, NULL, resource_name, &p->async) != napi_ok) {
    napi_delete_reference(env, p->callback);
    free(p);
    napi_throw_error(env, "EINTERNAL", "vipd_net: napi_async_init failed");
    return NULL;
  }
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc < 0) {
    napi_delete_reference(env, p->callback);
    napi_async_destroy(env, p->async);
    free(p);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  rc = uv_poll_start(&p->handle, UV_READABLE, poll_cb);
  if (rc < 0) {
    napi_delete_reference(env, p->callback);
    napi_async_destroy(env, p->async);
    uv_close((uv_handle_t *)&p->handle, poll_closed);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  napi_value ext;
  CHECK(napi_create_external(env, p, poller_finalize, NULL, &ext));
  return ext;
}

/* pollStop(handle): stop watching (idempotent). Call before closing the fd. */
static napi_value js_poll_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  poller_t *p;
  CHECK(napi_get_value_external(env, argv[0], (void **)&p));
  if (p->stopped) return NULL;
  p->stopped = 1;
  uv_poll_stop(&p->handle);
  napi_delete_reference(env, p->callback);
  napi_async_destroy(env, p->async);
  uv_close((uv_handle_t *)&p->handle, poll_closed);
  return NULL;
}

/* pollRef(handle, ref: boolean): whether an idle watched socket keeps the process alive */
static napi_value js_poll_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  poller_t *p;
  bool ref;
  CHECK(napi_get_value_external(env, argv[0], (void **)&p));
  CHECK(napi_get_value_bool(env, argv[1], &ref));
  if (p->stopped) return NULL;
  if (ref)
    uv_ref((uv_handle_t *)&p->handle);
  else
    uv_unref((uv_handle_t *)&p->handle);
  return NULL;
}

/* A malloc'd NUL-terminated copy of a JS string, or NULL with a JS exception pending. */
static char *dup_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "vipd_net: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* execInNetns(nsPath, argv: string[]): join the network namespace bound at nsPath (/run/netns/NAME), then
 * execve(argv[0], argv, environ). Returns only by throwing (code from open, setns or execve).
 *
 * Why re-exec instead of keepalived's bare setns() (namespaces.c set_namespaces): setns(CLONE_NEWNET) moves only
 * the calling thread, and by the time any JavaScript runs Node already has its V8 platform threads and (having
 * loaded ES modules) its libuv threadpool, which would stay in the old namespace — and the threadpool runs
 * getaddrinfo and async fs calls, whose /proc/sys/net paths resolve in the caller's namespace. execve keeps the
 * calling thread's namespace and drops every other thread, so the new image starts with all its threads inside,
 * under the same pid, without spawning anything. stdio is handed over as it was before Node: inheritable (libuv
 * sets close-on-exec on what it wraps) and blocking (the new Node would otherwise take O_NONBLOCK for the
 * original mode and leave it set on the shell's terminal at exit). */
static napi_value js_exec_in_netns(napi_env env, napi_callback_info info) {
  napi_value args[2];
  if (!get_args(env, info, 2, args)) return NULL;
  uint32_t n = 0;
  if (napi_get_array_length(env, args[1], &n) != napi_ok || n == 0) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: execInNetns needs a non-empty argv array");
    return NULL;
  }
  char *path = dup_string(env, args[0]);
  char **argv = calloc(n + 1, sizeof *argv);
  if (!path || !argv) goto out;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, args[1], i, &e) != napi_ok || !(argv[i] = dup_string(env, e))) goto out;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, "open", errno);
    goto out;
  }
  if (setns(fd, CLONE_NEWNET) != 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "setns", err);
    goto out;
  }
  close(fd);
  for (int s = 0; s <= 2; s++) {
    int flags = fcntl(s, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(s, F_SETFL, flags & ~O_NONBLOCK);
    /* libuv marks the stdio it wraps close-on-exec; the new image must inherit them. */
    int fdflags = fcntl(s, F_GETFD);
    if (fdflags >= 0 && (fdflags & FD_CLOEXEC)) fcntl(s, F_SETFD, fdflags & ~FD_CLOEXEC);
  }
  extern char **environ;
  execve(argv[0], argv, environ);
  throw_errno(env, "execve", errno);
out:
  if (argv)
    for (uint32_t i = 0; i < n; i++) free(argv[i]);
  free(argv);
  free(path);
  return NULL;
}

/* ---- scripts: vfork() + execve(), watched through a pidfd ----
 *
 * libuv spawns with fork(): the kernel copies the page tables of the whole Node process (~100 MB mapped) for a
 * child that only calls execve(). That is ~13 ms per script on a quiet host and hundreds of ms in user-mode
 * Linux, where it dominated MISC_CHECK timings (bench/RESULTS.md). vfork() shares the address space until the
 * exec, as glibc's posix_spawn does (CLONE_VM|CLONE_VFORK), but posix_spawn cannot switch uid/gid. The child
 * only calls async-signal-safe system calls on data prepared before the vfork: all signals are blocked around
 * it, and the child resets every handler to SIG_DFL (its signal table is its own copy: no CLONE_SIGHAND) and
 * unblocks all signals right before execve, as libuv's child does. An exec failure is passed back through a
 * variable the two share (CLONE_VM). The child gets its own session (setsid: kill(-pid) reaches its process
 * group, as libuv's `detached`), stdin/stdout/stderr on /dev/null, and uid/gid when given (>= 0).
 * Returns [pid, pidfd]: the pidfd turns readable when the child exits (pollStart), then reapChild(pid). The
 * child stays a zombie until reapChild: libuv's SIGCHLD handler only waits for the pids it spawned itself. */

static char **dup_string_array(napi_env env, napi_value arr, uint32_t *count) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    if (napi_get_element(env, arr, i, &e) != napi_ok || !(out[i] = dup_string(env, e))) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  *count = n;
  return out;
}

static void free_string_array(char **a, uint32_t n) {
  if (!a) return;
  for (uint32_t i = 0; i < n; i++) free(a[i]);
  free(a);
}

/* spawnScript(path, argv[], env["K=V"], uid, gid) → [pid, pidfd]; throws the errno of what failed. */
static napi_value js_spawn_script(napi_env env, napi_callback_info info) {
  napi_value args[5];
  if (!get_args(env, info, 5, args)) return NULL;
  int32_t uid, gid;
  if (!get_i32(env, args[3], &uid) || !get_i32(env, args[4], &gid)) return NULL;
  uint32_t argc = 0, envc = 0;
  char *path = dup_string(env, args[0]);
  char **argv = dup_string_array(env, args[1], &argc);
  char **envp = dup_string_array(env, args[2], &envc);
  napi_value result = NULL;
  if (!path || !argv || !envp || argc == 0) {
    if (!path || !argv || !envp) napi_throw_type_error(env, "EINVAL", "vipd_net: spawnScript needs path, argv and env strings");
    else napi_throw_type_error(env, "EINVAL", "vipd_net: spawnScript needs a non-empty argv");
    goto out;
  }
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) {
    throw_errno(env, "open /dev/null", errno);
    goto out;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  volatile int child_err = 0;
  volatile const char *child_step = "";
  pid_t pid = vfork();
  if (pid == 0) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    if (setsid() < 0) { child_step = "setsid"; goto fail; }
    for (int fd = 0; fd <= 2; fd++)
      if (dup2(devnull, fd) < 0) { child_step = "dup2"; goto fail; }
    if ((uid >= 0 || gid >= 0) && setgroups(0, NULL) < 0 && errno != EPERM) { child_step = "setgroups"; goto fail; }
    if (gid >= 0 && setgid((gid_t)gid) < 0) { child_step = "setgid"; goto fail; }
    if (uid >= 0 && setuid((uid_t)uid) < 0) { child_step = "setuid"; goto fail; }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
    child_step = "execve";
  fail:
    child_err = errno;
    _exit(127);
  }
  int spawn_err = pid < 0 ? errno : 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(devnull);
  if (pid < 0) {
    throw_errno(env, "vfork", spawn_err);
    goto out;
  }
  if (child_err) {
    int err = child_err;
    waitpid(pid, NULL, 0);
    throw_errno(env, (const char *)child_step, err);
    goto out;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    /* Linux < 5.3: the caller falls back to libuv's spawn; this child is let run and waited for here. */
    int err = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    throw_errno(env, "pidfd_open", err);
    goto out;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  napi_value vp, vfd;
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_create_int32(env, pid, &vp));
  CHECK(napi_create_int32(env, pidfd, &vfd));
  CHECK(napi_set_element(env, result, 0, vp));
  CHECK(napi_set_element(env, result, 1, vfd));
out:
  free(path);
  free_string_array(argv, argc);
  free_string_array(envp, envc);
  return result;
}

/* reapChild(pid) → null while it runs, else [exitCode (-1 if killed), signal (0 if exited)]. */
static napi_value js_reap_child(napi_env env, napi_callback_info info) {
  napi_value args[1];
  int32_t pid;
  if (!get_args(env, info, 1, args) || !get_i32(env, args[0], &pid)) return NULL;
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, "waitpid", errno);
  napi_value out = NULL;
  if (r == 0) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  napi_value code, sig;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_create_int32(env, WIFEXITED(status) ? WEXITSTATUS(status) : -1, &code));
  CHECK(napi_create_int32(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0, &sig));
  CHECK(napi_set_element(env, out, 0, code));
  CHECK(napi_set_element(env, out, 1, sig));
  return out;
}

/* ---- nftables: a thin wrapper around libnftables, loaded with dlopen at first use ----
 *
 * Why libnftables and not nf_tables netlink encoded in TypeScript: one call runs a whole text buffer as ONE
 * kernel transaction (atomic: all or nothing), with nft's full expression language (numgen, jhash, maps,
 * dynamic sets, ct expressions) and its JSON listing, through an API that has been stable since 2018
 * (libnftables.so.1). Encoding those expressions as nf_tables netlink attributes ourselves would be thousands of
 * lines. All rule generation stays in TypeScript (src/lvs/nft/); this section only passes text in and out.
 * dlopen (not a link-time dependency) so that vipd starts where libnftables is missing: nftOpen then throws
 * ENOENT and the TypeScript side names the package to install. The run happens on the libuv thread pool
 * (a big transaction takes long enough to delay VRRP adverts); callers serialise runs per context. */

typedef struct nft_ctx nft_ctx_t;
static struct {
  int tried;
  void *lib;
  char err[256];
  nft_ctx_t *(*ctx_new)(uint32_t);
  void (*ctx_free)(nft_ctx_t *);
  int (*buffer_output)(nft_ctx_t *);
  int (*buffer_error)(nft_ctx_t *);
  const char *(*get_output)(nft_ctx_t *);
  const char *(*get_error)(nft_ctx_t *);
  int (*run)(nft_ctx_t *, const char *);
  unsigned int (*get_flags)(nft_ctx_t *);
  void (*set_flags)(nft_ctx_t *, unsigned int);
} nftlib;
static pthread_mutex_t nftlib_lock = PTHREAD_MUTEX_INITIALIZER;

static int nft_load(void) {
  pthread_mutex_lock(&nftlib_lock);
  if (!nftlib.tried) {
    nftlib.tried = 1;
    nftlib.lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!nftlib.lib) {
      snprintf(nftlib.err, sizeof nftlib.err, "%s", dlerror());
    } else {
#define NFT_SYM(field, name)                                                  \
  if (!(*(void **)&nftlib.field = dlsym(nftlib.lib, name)) && !nftlib.err[0]) \
    snprintf(nftlib.err, sizeof nftlib.err, "libnftables.so.1 has no symbol %s", name);
      NFT_SYM(ctx_new, "nft_ctx_new")
      NFT_SYM(ctx_free, "nft_ctx_free")
      NFT_SYM(buffer_output, "nft_ctx_buffer_output")
      NFT_SYM(buffer_error, "nft_ctx_buffer_error")
      NFT_SYM(get_output, "nft_ctx_get_output_buffer")
      NFT_SYM(get_error, "nft_ctx_get_error_buffer")
      NFT_SYM(run, "nft_run_cmd_from_buffer")
      NFT_SYM(get_flags, "nft_ctx_output_get_flags")
      NFT_SYM(set_flags, "nft_ctx_output_set_flags")
#undef NFT_SYM
    }
  }
  int ok = nftlib.lib && !nftlib.err[0];
  pthread_mutex_unlock(&nftlib_lock);
  return ok;
}

typedef struct {
  nft_ctx_t *ctx;
  int busy;
} nft_handle_t;

static void nft_handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  nft_handle_t *h = data;
  /* A run still on the thread pool owns the context; nftClose() before dropping the handle is the contract. */
  if (h->ctx && !h->busy) nftlib.ctx_free(h->ctx);
  if (!h->busy) free(h);
}

/* nftOpen() -> handle. Throws ENOENT (code) with dlerror's text when libnftables cannot be loaded. */
static napi_value js_nft_open(napi_env env, napi_callback_info info) {
  (void)info;
  if (!nft_load()) {
    napi_value code, message, error;
    char msg[320];
    snprintf(msg, sizeof msg, "libnftables: %s", nftlib.err[0] ? nftlib.err : "not loadable");
    napi_create_string_utf8(env, "ENOENT", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &error);
    napi_throw(env, error);
    return NULL;
  }
  nft_handle_t *h = calloc(1, sizeof *h);
  if (!h || !(h->ctx = nftlib.ctx_new(0))) {
    free(h);
    return throw_errno(env, "nft_ctx_new", ENOMEM);
  }
  nftlib.buffer_output(h->ctx);
  nftlib.buffer_error(h->ctx);
  napi_value ext;
  CHECK(napi_create_external(env, h, nft_handle_finalize, NULL, &ext));
  return ext;
}

typedef struct {
  nft_handle_t *h;
  char *cmd;
  unsigned int flags;
  int rc;
  char *out;
  char *err;
  napi_deferred deferred;
  napi_async_work work;
} nft_job_t;

static char *dup_or_empty(const char *s) {
  size_t n = s ? strlen(s) : 0;
  char *d = malloc(n + 1);
  if (d) {
    if (n) memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

static void nft_job_execute(napi_env env, void *data) {
  (void)env;
  nft_job_t *j = data;
  nftlib.set_flags(j->h->ctx, j->flags);
  j->rc = nftlib.run(j->h->ctx, j->cmd);
  /* The buffers are reset by the next run: copy them while this job owns the context. */
  j->out = dup_or_empty(nftlib.get_output(j->h->ctx));
  j->err = dup_or_empty(nftlib.get_error(j->h->ctx));
}

static void nft_job_complete(napi_env env, napi_status status, void *data) {
  nft_job_t *j = data;
  j->h->busy = 0;
  napi_value result, rc, out, err;
  napi_create_object(env, &result);
  napi_create_int32(env, status == napi_ok ? j->rc : -1, &rc);
  napi_create_string_utf8(env, j->out ? j->out : "", NAPI_AUTO_LENGTH, &out);
  napi_create_string_utf8(env, j->err ? j->err : (status == napi_ok ? "" : "cancelled"), NAPI_AUTO_LENGTH, &err);
  napi_set_named_property(env, result, "rc", rc);
  napi_set_named_property(env, result, "output", out);
  napi_set_named_property(env, result, "error", err);
  napi_resolve_deferred(env, j->deferred, result);
  napi_delete_async_work(env, j->work);
  free(j->cmd);
  free(j->out);
  free(j->err);
  free(j);
}

/* nftRun(handle, commands: string, outputFlags: number) -> Promise<{rc, output, error}>: one
 * nft_run_cmd_from_buffer on the thread pool. rc 0 = the whole buffer was committed; otherwise nothing was. */
static napi_value js_nft_run(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t flags;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[2], &flags)) return NULL;
  nft_handle_t *h;
  CHECK(napi_get_value_external(env, argv[0], (void **)&h));
  if (!h->ctx) return throw_errno(env, "nftRun", EBADF);
  if (h->busy) return throw_errno(env, "nftRun", EBUSY);
  nft_job_t *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, "nftRun", ENOMEM);
  j->h = h;
  j->flags = (unsigned int)flags;
  if (!(j->cmd = dup_string(env, argv[1]))) {
    free(j);
    return NULL;
  }
  napi_value promise, name;
  CHECK(napi_create_promise(env, &j->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "vipd_net.nftRun", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, nft_job_execute, nft_job_complete, j, &j->work));
  h->busy = 1;
  CHECK(napi_queue_async_work(env, j->work));
  return promise;
}

/* nftClose(handle): free the context (EBUSY while a run is on the thread pool; idempotent). */
static napi_value js_nft_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  nft_handle_t *h;
  CHECK(napi_get_value_external(env, argv[0], (void **)&h));
  if (h->busy) return throw_errno(env, "nftClose", EBUSY);
  if (h->ctx) nftlib.ctx_free(h->ctx);
  h->ctx = NULL;
  return NULL;
}

/* ---- probe sockets without libuv streams: connect, send, recv and one epoll set of their own ----
 * The LVS checkers open one TCP connection per check (thousands a second). Through node:net each costs a stream
 * object and libuv's bookkeeping; through uv_poll an fd costs two extra epoll_ctl and an ioctl at init. These
 * wrappers let TypeScript do what keepalived's check_tcp.c does: socket, connect, wait for writable, close, with
 * the readiness of every probe socket coming from ONE epoll set (edge-triggered, registered once per socket,
 * dropped by close(2) itself) that libuv watches through one uv_poll. Failures are returned as -errno, never
 * thrown: a refused connect is an answer, not an exception, and building JS errors costs more than the probe. */

/* connect(fd, sockaddr: Buffer) -> 0 (connected), or -errno (-EINPROGRESS: wait for writable) */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *sa;
  size_t salen;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &sa, &salen))
    return NULL;
  int rc;
  do rc = connect(fd, (struct sockaddr *)sa, (socklen_t)salen);
  while (rc < 0 && errno == EINTR);
  return make_i32(env, rc < 0 ? -errno : 0);
}

/* send(fd, data: Buffer, length) -> bytes sent, or -errno (-EAGAIN: buffer full). Never raises SIGPIPE. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, len;
  void *data;
  size_t cap;
  if (!get_args(env, info, 3, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &data, &cap) ||
      !get_i32(env, argv[2], &len))
    return NULL;
  if (len < 0 || (size_t)len > cap) len = (int32_t)cap;
  ssize_t n;
  do n = send(fd, data, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  return make_i32(env, n < 0 ? -errno : (int32_t)n);
}

/* recvInto(fd, buf: Buffer) -> bytes read into buf (0: end of stream), or -errno (-EAGAIN: nothing queued) */
static napi_value js_recv_into(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t cap;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &fd) || !get_opt_buffer(env, argv[1], &data, &cap))
    return NULL;
  if (cap > 1 << 30) cap = 1 << 30;
  ssize_t n;
  do n = recv(fd, data, cap, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  return make_i32(env, n < 0 ? -errno : (int32_t)n);
}

/* epollCreate() -> epoll fd (close-on-exec) */
static napi_value js_epoll_create(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return throw_errno(env, "epoll_create1", errno);
  return make_i32(env, fd);
}

/* epollCtl(epfd, op, fd, events, id) -> 0 or -errno; `id` comes back with the fd's events from epollWait */
static napi_value js_epoll_ctl(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t epfd, op, fd, events, id;
  if (!get_args(env, info, 5, argv) || !get_i32(env, argv[0], &epfd) || !get_i32(env, argv[1], &op) ||
      !get_i32(env, argv[2], &fd) || !get_i32(env, argv[3], &events) || !get_i32(env, argv[4], &id))
    return NULL;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (uint32_t)events;
  ev.data.u32 = (uint32_t)id;
  return make_i32(env, epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0);
}

/* epollWait(epfd, info: Int32Array) -> n ready (never blocks): info[2i] = id, info[2i+1] = events */
static napi_value js_epoll_wait(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t epfd;
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  if (!get_args(env, info, 2, argv) || !get_i32(env, argv[0], &epfd)) return NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &len, &data, &ab, &off) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, "EINVAL", "vipd_net: epollWait expects an Int32Array");
    return NULL;
  }
  struct epoll_event evs[256];
  int max = (int)(len / 2);
  if (max > 256) max = 256;
  if (max <= 0) return make_i32(env, 0);
  int n = epoll_wait(epfd, evs, max, 0);
  if (n < 0) {
    if (errno == EINTR) return make_i32(env, 0);
    return throw_errno(env, "epoll_wait", errno);
  }
  int32_t *out = data;
  for (int i = 0; i < n; i++) {
    out[2 * i] = (int32_t)evs[i].data.u32;
    out[2 * i + 1] = (int32_t)evs[i].events;
  }
  return make_i32(env, n);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, js_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendmsg", NULL, js_sendmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvmmsg", NULL, js_recvmmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvmmsgInto", NULL, js_recvmmsg_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ifNameToIndex", NULL, js_if_nametoindex, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStart", NULL, js_poll_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStop", NULL, js_poll_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollRef", NULL, js_poll_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"execInNetns", NULL, js_exec_in_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"spawnScript", NULL, js_spawn_script, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reapChild", NULL, js_reap_child, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nftOpen", NULL, js_nft_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nftRun", NULL, js_nft_run, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nftClose", NULL, js_nft_close, NULL, NULL, NULL, napi_enumerable, NULL},

      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvInto", NULL, js_recv_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollCreate", NULL, js_epoll_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollCtl", NULL, js_epoll_ctl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollWait", NULL, js_epoll_wait, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
