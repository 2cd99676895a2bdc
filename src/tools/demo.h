/*
 * demo.h: the challenge-response demo service (tord-demo), shared by its
 * server (demo_server.c), client (demo_client.c) and helpers (demo_proto.c).
 *
 * Line protocol, version 1 (lines end in "\n"; "\r\n" is accepted):
 *
 *	S: TORD-DEMO/1 <text>
 *	S: CHALLENGE <64 hex: 32 random bytes> <iterations> <salt hex>
 *	C: RESPONSE <64 hex: HMAC-SHA256(key, challenge bytes)>
 *	S: WELCOME                      then every line is echoed back
 *	 | DENIED <tries left>          then a fresh CHALLENGE, or close at 0
 *	 | TIMEOUT                      no valid answer in time; close
 *
 * key = PBKDF2-HMAC-SHA256(password, salt, iterations, 32 bytes).  The
 * server keeps only the key; a fresh challenge per attempt makes a captured
 * answer useless on any other connection.
 */
#ifndef TORD_TOOLS_DEMO_H
#define TORD_TOOLS_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DEMO_KEY_LEN		32
#define DEMO_CHALLENGE_LEN	32
#define DEMO_SALT_LEN		16
#define DEMO_SALT_MAX		64
#define DEMO_LINE_MAX		4096	/* longest line either side accepts */
#define DEMO_ITER_DEFAULT	200000
#define DEMO_ITER_MIN		1000
#define DEMO_ITER_MAX		10000000
#define DEMO_PASSWORD_MAX	1024
#define DEMO_BANNER		"TORD-DEMO/1"

/* A derived password key with the parameters that produced it. */
struct demo_key {
	uint8_t		k_key[DEMO_KEY_LEN];
	uint8_t		k_salt[DEMO_SALT_MAX];
	size_t		k_saltlen;
	uint32_t	k_iter;
};

/*
 * A password file holds either the password itself (first line) or a
 * stored key "pbkdf2-sha256$ITER$SALTHEX$KEYHEX" from `tord-demo
 * hash-password`.
 */
struct demo_secret {
	bool		s_is_key;
	char		s_password[DEMO_PASSWORD_MAX + 1];
	size_t		s_passlen;
	struct demo_key	s_key;
};

/* Read path into sec; complain (stderr) and return -1 on error. */
int	demo_secret_load(const char *path, struct demo_secret *sec);
/* Wipe sec. */
void	demo_secret_wipe(struct demo_secret *sec);
/*
 * Fill key from sec for the given salt and iterations (deriving from the
 * password, or checking that the stored key has these parameters).
 * Returns 0, or -1 if it cannot.
 */
int	demo_secret_key(const struct demo_secret *sec, const uint8_t *salt,
	    size_t saltlen, uint32_t iter, struct demo_key *key);
/* PBKDF2-HMAC-SHA256; 0 on success, -1 on failure. */
int	demo_pbkdf2(const char *pw, size_t pwlen, const uint8_t *salt,
	    size_t saltlen, uint32_t iter, uint8_t out[DEMO_KEY_LEN]);
/* The 32-byte answer to a challenge. */
void	demo_answer(const struct demo_key *key,
	    const uint8_t challenge[DEMO_CHALLENGE_LEN], uint8_t out[32]);
/* Format "pbkdf2-sha256$ITER$SALT$KEY" into out (cap bytes). */
void	demo_key_format(const struct demo_key *key, char *out, size_t cap);

/*
 * Parse "HOST:PORT" or "[V6]:PORT" into a numeric sockaddr (no name
 * lookup).  Returns 0, or -1 if host is not a literal address.
 */
int	demo_parse_sockaddr(const char *s, struct sockaddr_storage *ss,
	    socklen_t *len);
/* Split "HOST:PORT" / "[V6]:PORT" into host (cap bytes) and port. */
int	demo_split_hostport(const char *s, char *host, size_t cap,
	    uint16_t *port);
/* True if ss is a loopback address (127.0.0.0/8 or ::1). */
bool	demo_is_loopback(const struct sockaddr_storage *ss);
/* Format ss as "HOST:PORT" / "[V6]:PORT" into out. */
void	demo_format_sockaddr(const struct sockaddr_storage *ss, char *out,
	    size_t cap);

struct demo_server_opts {
	const char	*listen;	/* echo service, may be NULL */
	const char	*web_listen;	/* HTTP pages, may be NULL */
	const char	*password_file;
	uint32_t	 iterations;	/* when deriving from a password */
	unsigned	 max_clients;
	unsigned	 auth_timeout;	/* seconds */
	unsigned	 idle_timeout;	/* seconds */
	unsigned	 tries;
};
int	demo_server_run(const struct demo_server_opts *o);

struct demo_client_opts {
	const char	*socks;		/* "HOST:PORT", or NULL with direct */
	const char	*socks_user;	/* RFC 1929, for circuit isolation */
	const char	*socks_pass;
	bool		 direct;
	const char	*connect;	/* echo service "HOST:PORT" */
	const char	*password_file;
	const char	**messages;
	size_t		 n_messages;
	const char	*open_url;
	bool		 no_browser;
	unsigned	 timeout;	/* seconds per network step */
};
int	demo_client_run(const struct demo_client_opts *o);

#endif
