/*
 * dirclient.h: one-shot, non-blocking HTTP/1.0 requests to a directory
 * authority, for everything that talks to one: relays uploading their
 * descriptor, authorities exchanging votes and signatures, clients
 * fetching the consensus.
 *
 * One request per TCP connection (HTTP/1.0, "Connection: close"): the
 * response ends at Content-Length or at EOF.  Bounded: the head by
 * HTTP_MAX_HEAD, the body by the caller's max_body, the whole exchange
 * by a timeout.  The callback runs exactly once per request, never from
 * inside dirclient_request(), unless the request is cancelled first.
 *
 * URL space served by an authority (feature/dir/dirserv.c):
 *	GET  /tord/challenge		"nonce <64 hex>\n", one use, short-lived
 *	POST /tord/descriptor		body: a signed descriptor with that nonce
 *	GET  /tord/consensus		the newest consensus with enough signatures
 *	GET  /tord/descriptor/<fp>	one relay's newest accepted descriptor
 *	GET  /tord/vote/<valid-after>	this authority's signed vote for a period
 *	GET  /tord/signature/<valid-after>	its signature on the consensus it computed
 */
#ifndef TORD_FEATURE_DIR_DIRCLIENT_H
#define TORD_FEATURE_DIR_DIRCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define DIRCLIENT_PREFIX	"/tord/"

struct dirclient_req;

/*
 * status: the HTTP status (200, 404 ...), or 0 when no valid response
 * arrived (connect refused, timeout, malformed or oversized answer);
 * then err says why.  body/len: the response body, NUL-terminated (the
 * NUL is not counted), valid only during the call; NULL/0 when status
 * is 0.  The request is freed after the callback returns.
 */
typedef void (*dirclient_cb)(void *arg, int status, const char *body, size_t len,
    const char *err);

/*
 * Send method (GET or POST) path [with body] to server, and call cb with
 * the answer.  max_body bounds the response body; timeout (seconds)
 * bounds connect, send and receive together.  Returns the request (a
 * handle for dirclient_cancel), or NULL if no socket could be opened
 * at all (errno set; cb is not called).
 */
struct dirclient_req *dirclient_request(const struct addr *server, const char *method,
	    const char *path, const void *body, size_t body_len, size_t max_body,
	    double timeout, dirclient_cb cb, void *arg);

/* Abandon r: its connection closes and its callback is not called. */
void	dirclient_cancel(struct dirclient_req *r);

/* Requests in flight (tests and shutdown checks). */
size_t	dirclient_in_flight(void);

#endif
