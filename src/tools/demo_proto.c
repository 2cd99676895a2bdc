/*
 * demo_proto.c: what both ends of the tord-demo service share: password
 * files, PBKDF2 key derivation, the HMAC answer to a challenge, and
 * literal address parsing with the loopback check.
 *
 * Called by demo_server.c, demo_client.c and tord-demo.c; see demo.h for
 * the protocol.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/util.h"
#include "tools/demo.h"

#define KEY_PREFIX "pbkdf2-sha256$"

int
demo_pbkdf2(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
    uint32_t iter, uint8_t out[DEMO_KEY_LEN])
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5];
	unsigned int it = iter;
	int rv = -1;

	kdf = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
	if (kdf == NULL)
		return -1;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)pw, pwlen);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, saltlen);
	params[2] = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &it);
	params[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, DEMO_KEY_LEN, params) == 1)
		rv = 0;
	EVP_KDF_CTX_free(ctx);
	return rv;
}

void
demo_answer(const struct demo_key *key,
    const uint8_t challenge[DEMO_CHALLENGE_LEN], uint8_t out[32])
{
	digest_hmac_sha256(key->k_key, DEMO_KEY_LEN, challenge,
	    DEMO_CHALLENGE_LEN, out);
}

void
demo_key_format(const struct demo_key *key, char *out, size_t cap)
{
	char salt[2 * DEMO_SALT_MAX + 1], k[2 * DEMO_KEY_LEN + 1];

	util_hex_encode(key->k_salt, key->k_saltlen, salt);
	util_hex_encode(key->k_key, DEMO_KEY_LEN, k);
	snprintf(out, cap, KEY_PREFIX "%u$%s$%s", (unsigned)key->k_iter, salt, k);
	crypto_wipe(k, sizeof(k));
}

/* Parse the stored-key form; 0 or -1. */
static int
secret_parse_key(const char *s, struct demo_key *key)
{
	const char *p = s + strlen(KEY_PREFIX), *d1, *d2;
	char num[16];
	long long iter;
	size_t saltlen;

	d1 = strchr(p, '$');
	d2 = d1 ? strchr(d1 + 1, '$') : NULL;
	if (d2 == NULL || (size_t)(d1 - p) >= sizeof(num))
		return -1;
	memcpy(num, p, (size_t)(d1 - p));
	num[d1 - p] = '\0';
	if (util_parse_ll(num, DEMO_ITER_MIN, DEMO_ITER_MAX, &iter) < 0)
		return -1;
	saltlen = (size_t)(d2 - d1 - 1);
	if (saltlen % 2 || saltlen == 0 || saltlen / 2 > DEMO_SALT_MAX ||
	    strlen(d2 + 1) != 2 * DEMO_KEY_LEN)
		return -1;
	key->k_iter = (uint32_t)iter;
	key->k_saltlen = saltlen / 2;
	if (util_hex_decode(d1 + 1, saltlen, key->k_salt, key->k_saltlen) < 0 ||
	    util_hex_decode(d2 + 1, 2 * DEMO_KEY_LEN, key->k_key, DEMO_KEY_LEN) < 0)
		return -1;
	return 0;
}

int
demo_secret_load(const char *path, struct demo_secret *sec)
{
	char buf[DEMO_PASSWORD_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, rv = -1;

	memset(sec, 0, sizeof(*sec));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "tord-demo: cannot open password file %s: %s\n",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		fprintf(stderr, "tord-demo: warning: %s is readable by others "
		    "(chmod 600 it)\n", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "tord-demo: cannot read %s: %s\n", path,
		    strerror(errno));
		goto done;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	if (len == (size_t)n && n == (ssize_t)sizeof(buf) - 1) {
		fprintf(stderr, "tord-demo: %s: password longer than %d bytes\n",
		    path, DEMO_PASSWORD_MAX);
		goto done;
	}
	buf[len] = '\0';
	if (len == 0) {
		fprintf(stderr, "tord-demo: %s: empty password\n", path);
		goto done;
	}
	if (strncmp(buf, KEY_PREFIX, strlen(KEY_PREFIX)) == 0) {
		if (secret_parse_key(buf, &sec->s_key) < 0) {
			fprintf(stderr, "tord-demo: %s: malformed stored key "
			    "(want " KEY_PREFIX "ITER$SALTHEX$KEYHEX)\n", path);
			goto done;
		}
		sec->s_is_key = true;
	} else {
		memcpy(sec->s_password, buf, len + 1);
		sec->s_passlen = len;
	}
	rv = 0;
done:
	crypto_wipe(buf, sizeof(buf));
	if (rv < 0)
		demo_secret_wipe(sec);
	return rv;
}

void
demo_secret_wipe(struct demo_secret *sec)
{
	crypto_wipe(sec, sizeof(*sec));
}

int
demo_secret_key(const struct demo_secret *sec, const uint8_t *salt,
    size_t saltlen, uint32_t iter, struct demo_key *key)
{
	if (saltlen == 0 || saltlen > DEMO_SALT_MAX)
		return -1;
	if (sec->s_is_key) {
		if (sec->s_key.k_iter != iter || sec->s_key.k_saltlen != saltlen ||
		    memcmp(sec->s_key.k_salt, salt, saltlen) != 0)
			return -1;
		*key = sec->s_key;
		return 0;
	}
	memcpy(key->k_salt, salt, saltlen);
	key->k_saltlen = saltlen;
	key->k_iter = iter;
	return demo_pbkdf2(sec->s_password, sec->s_passlen, salt, saltlen, iter,
	    key->k_key);
}

int
demo_split_hostport(const char *s, char *host, size_t cap, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hlen;
	long long p;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return -1;	/* bare IPv6 needs brackets */
	}
	if (hlen == 0 || hlen >= cap)
		return -1;
	if (util_parse_ll(colon + 1, 0, 65535, &p) < 0)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int
demo_parse_sockaddr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	uint16_t port;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (demo_split_hostport(s, host, sizeof(host), &port) < 0)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

bool
demo_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

void
demo_format_sockaddr(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(out, cap, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(out, cap, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, cap, "?");
	}
}
