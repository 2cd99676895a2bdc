/*
 * keys.h: a node's long-term keys, the only holder of private key material.
 *
 * The data directory (mode 0700) holds:
 *	keys/identity_ed25519	32-byte Ed25519 secret seed, mode 0600
 *	keys/onion_x25519	current X25519 onion secret, mode 0600
 *	keys/onion_x25519.old	previous onion secret (grace period), mode 0600
 * Files readable by group or others, of the wrong size or otherwise
 * corrupt are refused with a message naming the file.
 *
 * A node's fingerprint is its 32-byte Ed25519 identity key written as 64
 * upper-case hex digits.  It is the one identifier used in configs,
 * consensus documents, logs and the control port ("$FP~nickname").
 */
#ifndef TORD_CORE_CRYPTO_KEYS_H
#define TORD_CORE_CRYPTO_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pk.h"

#define FINGERPRINT_HEXLEN	64
#define IDENTITY_LEN		ED25519_PUB_LEN

struct node_keys {
	ed25519_key_t	*nk_identity;
	x25519_key_t	*nk_onion;		/* current onion key */
	x25519_key_t	*nk_onion_prev;		/* previous one, or NULL */
	int64_t		 nk_onion_created;	/* unix time of nk_onion */
};

/*
 * Load the keys in datadir, creating any that are missing when create is
 * true (and the directories, mode 0700).  On failure return -1 and set
 * *errmsg to a malloc'd message naming the file and the problem.
 */
int	keys_load(const char *datadir, bool create, struct node_keys *out, char **errmsg);
/* Make a fresh onion key current, keeping the old one as previous. */
int	keys_rotate_onion(struct node_keys *k, const char *datadir, char **errmsg);
/* Forget the previous onion key (its grace period is over). */
void	keys_drop_prev_onion(struct node_keys *k, const char *datadir);
/* Free and wipe all keys. */
void	keys_clear(struct node_keys *k);

/* Write the fingerprint of id into out (65 bytes with the NUL). */
void	keys_fingerprint(const uint8_t id[IDENTITY_LEN], char out[FINGERPRINT_HEXLEN + 1]);
/* Parse 64 hex digits (either case, optional leading '$'); -1 if bad. */
int	keys_fingerprint_parse(const char *s, uint8_t id[IDENTITY_LEN]);

#endif
