/*
 * listener.c: listening sockets with a descriptor-exhaustion policy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/mainloop/listener.h"
#include "lib/log.h"

#define LISTEN_BACKLOG		4096
#define ACCEPTS_PER_EVENT	256

struct listener {
	struct ml_io		 l_io;
	struct ml_timer		 l_pause;
	int			 l_fd;
	struct addr		 l_addr;
	char			*l_name;
	char			*l_unix_path;
	listener_accept_cb	 l_cb;
	void			*l_arg;
	uint64_t		 l_refused;
	struct log_ratelim	 l_rl;
};

/* One spare descriptor for the whole process, given up under EMFILE. */
static int reserve_fd = -1;

static void
reserve_take(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
listener_resume_cb(struct ml_timer *t)
{
	struct listener *l = container_of(t, struct listener, l_pause);

	reserve_take();
	ml_io_start(&l->l_io);
}

static void
listener_out_of_fds(struct listener *l)
{
	int fd;

	l->l_refused++;
	log_rl(&l->l_rl, LL_WARN, LD_NET,
	    "listener=%s out of file descriptors: refusing connections (raise LimitNOFILE)",
	    l->l_name);
	if (reserve_fd >= 0) {
		close(reserve_fd);
		reserve_fd = -1;
		fd = accept(l->l_fd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		reserve_take();
		if (reserve_fd >= 0)
			return;
	}
	/* Still nothing free: stop accepting for a while instead of spinning. */
	ml_io_stop(&l->l_io);
	ml_timer_start(&l->l_pause, 1.0, 0.);
}

static void
listener_cb(struct ml_io *w, int events)
{
	struct listener *l = container_of(w, struct listener, l_io);
	int i;

	for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct addr peer;
		int fd;

		fd = accept4(l->l_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				listener_out_of_fds(l);
				return;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_rl(&l->l_rl, LL_WARN, LD_NET, "listener=%s accept: %s",
				    l->l_name, strerror(errno));
			return;
		}
		addr_from_sockaddr(&peer, (struct sockaddr *)&ss, sl);
		l->l_cb(l, fd, &peer, l->l_arg);
	}
}

static struct listener *
listener_start(int fd, const char *name, listener_accept_cb cb, void *arg)
{
	struct listener *l = xcalloc(1, sizeof(*l));

	l->l_fd = fd;
	l->l_name = xstrdup(name);
	l->l_cb = cb;
	l->l_arg = arg;
	l->l_rl = (struct log_ratelim)LOG_RATELIM_INIT(10);
	ml_io_init(&l->l_io, listener_cb, fd, ML_READ);
	ml_timer_init(&l->l_pause, listener_resume_cb);
	ml_io_start(&l->l_io);
	reserve_take();
	return l;
}

struct listener *
listener_new_tcp(const struct addr *a, const char *name, listener_accept_cb cb, void *arg,
    const char **err)
{
	struct listener *l;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1;

	fd = socket(addr_family(a), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = "socket";
		return NULL;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr_family(a) == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, &a->a_u.sa, a->a_len) < 0) {
		*err = "bind";
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		*err = "listen";
		goto fail;
	}
	l = listener_start(fd, name, cb, arg);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_from_sockaddr(&l->l_addr, (struct sockaddr *)&ss, sl);
	else
		l->l_addr = *a;
	return l;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return NULL;
}

struct listener *
listener_new_unix(const char *path, unsigned mode, const char *name, listener_accept_cb cb,
    void *arg, const char **err)
{
	struct sockaddr_un sun;
	struct listener *l;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*err = "path too long";
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = "socket";
		return NULL;
	}
	(void)unlink(path);
	/* Create the socket with its final mode: no window of wider access. */
	old = umask((mode_t)(~mode & 0777));
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		umask(old);
		close(fd);
		errno = e;
		*err = "bind";
		return NULL;
	}
	umask(old);
	(void)chmod(path, (mode_t)mode);
	if (listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		*err = "listen";
		return NULL;
	}
	l = listener_start(fd, name, cb, arg);
	l->l_unix_path = xstrdup(path);
	l->l_addr.a_u.sa.sa_family = AF_UNIX;
	return l;
}

const struct addr *
listener_addr(const struct listener *l)
{
	return &l->l_addr;
}

const char *
listener_name(const struct listener *l)
{
	return l->l_name;
}

uint64_t
listener_refused(const struct listener *l)
{
	return l->l_refused;
}

void
listener_free_(struct listener *l)
{
	if (l == NULL)
		return;
	ml_io_stop(&l->l_io);
	ml_timer_stop(&l->l_pause);
	close(l->l_fd);
	if (l->l_unix_path != NULL) {
		(void)unlink(l->l_unix_path);
		free(l->l_unix_path);
	}
	free(l->l_name);
	free(l);
}
