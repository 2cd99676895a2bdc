/*
 * dirserv.h: the authority's HTTP/1.0 server (GET and POST only, one
 * request per connection, "Connection: close").
 *
 * The server knows nothing about directories: it frames one request out
 * of the bytes a connection sent, hands it to the handler given at
 * start, writes the handler's answer, and closes once it has left.
 * Every bound is enforced before anything is buffered past it: the head
 * by HTTP_MAX_HEAD and HTTP_MAX_LINE (431 / 414), the body by max_body
 * (413, decided from Content-Length before the body is read), a POST
 * without Content-Length is 411, an unknown method 405, a malformed head
 * 400.  Each connection has a deadline for its whole request (slow
 * senders are cut off, not just idle ones) and the number of concurrent
 * connections is capped (503 beyond it).
 *
 * dirserv_answer() is the pure core: bytes in, response bytes out.  The
 * fuzzer and the unit tests drive it without sockets.
 */
#ifndef TORD_FEATURE_DIR_DIRSERV_H
#define TORD_FEATURE_DIR_DIRSERV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proto/http.h"
#include "lib/addr.h"
#include "lib/buf.h"

struct dirserv_request {
	const char	*rq_method;	/* "GET" or "POST" */
	const char	*rq_path;	/* request target, as sent */
	const uint8_t	*rq_body;	/* Content-Length bytes (not NUL-terminated) */
	size_t		 rq_body_len;
	const struct addr *rq_peer;	/* NULL when unknown (tests) */
};

struct dirserv_response {
	int		 rs_status;
	const char	*rs_content_type;	/* static; NULL: text/plain */
	char		*rs_body;		/* malloc'd; the server frees it */
	size_t		 rs_len;
};

/* Fill in the answer to rq; runs synchronously. */
typedef void (*dirserv_handler_fn)(const struct dirserv_request *rq,
    struct dirserv_response *rs, void *arg);

/* Set rs to status with a one-line text body (the line gets its "\n"). */
void	dirserv_reply(struct dirserv_response *rs, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Set rs to 200 with body (taken over, not copied) and content type. */
void	dirserv_reply_take(struct dirserv_response *rs, const char *content_type,
	    char *body, size_t len);
/* Reason phrase of a status code ("Not Found"); "Unknown" for others. */
const char *dirserv_status_text(int status);

/*
 * Try to answer the request at the start of p[0..len).  Returns
 * PARSE_NEED_MORE while the head or the announced body is incomplete
 * (nothing is written), PARSE_OK when a full request was answered, or
 * PARSE_ERROR when the bytes cannot be a valid request within the
 * bounds; in both latter cases a complete response (head and body) has
 * been appended to out.  eof: the peer will send nothing more (an
 * incomplete request is then answered with 400).
 */
enum parse_result dirserv_answer(const uint8_t *p, size_t len, bool eof, size_t max_body,
	    const struct addr *peer, dirserv_handler_fn handler, void *arg, struct buf *out);

struct dirserv_options {
	struct addr	ds_listen;
	size_t		ds_max_conns;	/* concurrent connections */
	double		ds_timeout;	/* seconds for the request to arrive, and of idleness after */
	size_t		ds_max_body;	/* request body bytes */
};

/* Listen and serve.  0, or -1 with a static reason in *err. */
int	dirserv_start(const struct dirserv_options *opt, dirserv_handler_fn handler, void *arg,
	    const char **err);
/* Apply new limits (the listen address cannot change). */
void	dirserv_set_limits(size_t max_conns, double timeout);
/* Close the listener and every connection. */
void	dirserv_stop(void);
/* The bound address (port chosen if 0 was asked); NULL when stopped. */
const struct addr *dirserv_addr(void);
/* Open connections; requests answered and refused since start. */
size_t		dirserv_n_conns(void);
uint64_t	dirserv_n_answered(void);
uint64_t	dirserv_n_refused(void);

#endif
