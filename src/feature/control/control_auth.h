/*
 * control_auth.h: control-port authentication as pure functions, shared
 * by the control server and torctl.
 *
 * Two challenge-response methods; neither sends the secret:
 *
 * SAFECOOKIE (Tor's control-spec, protocol-notes §10).  The secret is the
 * 32-byte cookie file.  After "AUTHCHALLENGE SAFECOOKIE <ClientNonce>" the
 * server answers SERVERHASH and SERVERNONCE (32 random bytes) where
 *   ServerHash = HMAC-SHA256(K_s, Cookie | ClientNonce | ServerNonce)
 *   ClientHash = HMAC-SHA256(K_c, Cookie | ClientNonce | ServerNonce)
 * with K_s / K_c the two "Tor safe cookie authentication ..." strings.
 *
 * HASHEDPASSWORD challenge-response (tord's own; torctl(1) documents it).
 * The server stores Tor's "16:" hash: salt (8), c (1) and
 * S = OpenPGP iterated+salted SHA-1 S2K(salt, c, password) (20).  After
 * "AUTHCHALLENGE HASHEDPASSWORD <ClientNonce>" it answers SERVERHASH,
 * SERVERNONCE and S2K=<hex of salt | c>; the client derives S from the
 * password and checks
 *   ServerHash = HMAC-SHA256(K_ps, S | ClientNonce | ServerNonce)
 * before it sends "AUTHENTICATE <ClientHash>",
 *   ClientHash = HMAC-SHA256(K_pc, S | ClientNonce | ServerNonce),
 * K_ps / K_pc being "tord hashed password authentication
 * server-to-controller hash" / "... controller-to-server hash".  A fake
 * server cannot produce ServerHash, so it learns nothing to test password
 * guesses against.  S is password-equivalent for this exchange: the
 * configuration file that holds it must stay private (mode 0600).
 */
#ifndef TORD_FEATURE_CONTROL_CONTROL_AUTH_H
#define TORD_FEATURE_CONTROL_CONTROL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_COOKIE_LEN	32
#define CONTROL_NONCE_LEN	32	/* server nonce; client nonces may vary */
#define CONTROL_NONCE_MIN	16
#define CONTROL_NONCE_MAX	64
#define CONTROL_HASH_LEN	32
#define CONTROL_S2K_SALT_LEN	8
#define CONTROL_S2K_KEY_LEN	20
#define CONTROL_S2K_C_DEFAULT	0x60	/* 65536 bytes hashed, as Tor */
#define CONTROL_COOKIE_FILE	"control_auth_cookie"

enum control_auth_method {
	CONTROL_AUTH_SAFECOOKIE,
	CONTROL_AUTH_HASHEDPASSWORD,
};

/* A parsed "16:..." hashed control password. */
struct control_pwhash {
	uint8_t	ph_salt[CONTROL_S2K_SALT_LEN];
	uint8_t	ph_c;
	uint8_t	ph_key[CONTROL_S2K_KEY_LEN];
};

/* OpenPGP iterated+salted S2K with SHA-1 (RFC 4880 §3.7.1.3), as Tor. */
void	control_auth_s2k(const uint8_t salt[CONTROL_S2K_SALT_LEN], uint8_t c,
	    const char *pw, size_t pwlen, uint8_t out[CONTROL_S2K_KEY_LEN]);
/* Parse "16:" + 58 hex digits (case-insensitive); 0 or -1. */
int	control_auth_pwhash_parse(const char *s, struct control_pwhash *out);
/* Format as "16:HEX" (upper case, as Tor) into out (62 bytes). */
#define CONTROL_PWHASH_STRLEN	62
void	control_auth_pwhash_format(const struct control_pwhash *h, char out[CONTROL_PWHASH_STRLEN]);
/* Hash pw with a random salt and c = CONTROL_S2K_C_DEFAULT. */
void	control_auth_pwhash_new(const char *pw, size_t pwlen, struct control_pwhash *out);
/* True if pw matches h (constant-time comparison). */
bool	control_auth_pwhash_check(const struct control_pwhash *h, const char *pw, size_t pwlen);

/*
 * Compute both hashes of a challenge for method, from the secret (the
 * cookie, or the 20-byte S2K key), the client nonce (cnlen bytes) and the
 * 32-byte server nonce.  Either output may be NULL.
 */
void	control_auth_hashes(enum control_auth_method method, const uint8_t *secret,
	    size_t secretlen, const uint8_t *cn, size_t cnlen,
	    const uint8_t sn[CONTROL_NONCE_LEN], uint8_t server_hash[CONTROL_HASH_LEN],
	    uint8_t client_hash[CONTROL_HASH_LEN]);

/*
 * Server: write 32 fresh random bytes to path with mode 0600 (atomic
 * rename over any old file) and return them in cookie.  0, or -1 with
 * errno set and the reason logged.
 */
int	control_auth_cookie_create(const char *path, uint8_t cookie[CONTROL_COOKIE_LEN]);
/*
 * Controller: read a cookie file; it must hold exactly 32 bytes.
 * 0, or -1 with errno set (EINVAL for a wrong size).
 */
int	control_auth_cookie_read(const char *path, uint8_t cookie[CONTROL_COOKIE_LEN]);

/* Method names as in PROTOCOLINFO / AUTHCHALLENGE; parse: -1 if unknown. */
const char	*control_auth_method_name(enum control_auth_method m);
int		 control_auth_method_parse(const char *s);

#endif
