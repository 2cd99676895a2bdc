/*
 * dirauth_tool.c: test helper for tests/integration/net_authority.sh,
 * playing a relay against real authorities.
 *
 *	dirauth_tool desc SEEDHEX NONCEHEX PORT [SKEW]
 *		print a descriptor for the identity with that 32-byte seed,
 *		listing 127.0.0.1:PORT, signed over the challenge NONCEHEX,
 *		published SKEW seconds from now (default 0)
 *	dirauth_tool fp SEEDHEX
 *		print the identity's fingerprint
 *	dirauth_tool serve SEEDHEX PORT PORTFILE
 *		answer TLS on 127.0.0.1:PORT (0: any) with the identity's
 *		certificate, as a relay's OR port does for the authority's
 *		reachability test; writes the port to PORTFILE; runs until
 *		killed
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "core/crypto/keys.h"
#include "feature/dir/descriptor.h"
#include "lib/crypto.h"
#include "lib/pk.h"
#include "lib/tls.h"
#include "lib/util.h"

static ed25519_key_t *
key_from_hex(const char *hex)
{
	uint8_t seed[ED25519_SECRET_LEN];

	if (strlen(hex) != 2 * sizeof(seed) || util_hex_decode(hex, strlen(hex), seed,
	    sizeof(seed)) < 0) {
		fprintf(stderr, "dirauth_tool: bad seed\n");
		exit(2);
	}
	return ed25519_from_secret(seed);
}

static int
cmd_desc(const char *seedhex, const char *noncehex, const char *port, const char *skew)
{
	ed25519_key_t *k = key_from_hex(seedhex);
	struct relay_descriptor d;
	size_t len;
	char *doc;
	int i;

	memset(&d, 0, sizeof(d));
	snprintf(d.rd_nickname, sizeof(d.rd_nickname), "fakerelay");
	d.rd_ipv4 = 0x7f000001;
	d.rd_or_port = (uint16_t)atoi(port);
	memcpy(d.rd_identity, ed25519_public(k), ED25519_PUB_LEN);
	for (i = 0; i < X25519_LEN; i++)
		d.rd_onion_key[i] = (uint8_t)(i + 7);
	d.rd_bw_avg = d.rd_bw_burst = d.rd_bw_observed = 1000000;
	policy_summary_reject_all(&d.rd_policy);
	snprintf(d.rd_platform, sizeof(d.rd_platform), "dirauth_tool");
	d.rd_published = (int64_t)time(NULL) + (skew ? atoll(skew) : 0);
	d.rd_uptime = 60;
	if (strlen(noncehex) != 2 * DESC_NONCE_LEN ||
	    util_hex_decode(noncehex, strlen(noncehex), d.rd_nonce, DESC_NONCE_LEN) < 0) {
		fprintf(stderr, "dirauth_tool: bad nonce\n");
		return 2;
	}
	if ((doc = descriptor_build(&d, k, &len)) == NULL) {
		fprintf(stderr, "dirauth_tool: descriptor_build failed\n");
		return 1;
	}
	fwrite(doc, 1, len, stdout);
	free(doc);
	ed25519_free_(k);
	return 0;
}

static int
cmd_fp(const char *seedhex)
{
	ed25519_key_t *k = key_from_hex(seedhex);
	char fp[FINGERPRINT_HEXLEN + 1];

	keys_fingerprint(ed25519_public(k), fp);
	printf("%s\n", fp);
	ed25519_free_(k);
	return 0;
}

static int
cmd_serve(const char *seedhex, const char *port, const char *portfile)
{
	ed25519_key_t *k = key_from_hex(seedhex);
	SSL_CTX *ctx = tls_ctx_new_server(k);
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int one = 1, fd;
	FILE *f;

	if (ctx == NULL)
		return 1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(port));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
		perror("dirauth_tool: bind");
		return 1;
	}
	if ((f = fopen(portfile, "w")) == NULL) {
		perror(portfile);
		return 1;
	}
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		struct timeval tv = { 5, 0 };
		SSL *ssl;

		if (c < 0)
			continue;
		(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if ((ssl = SSL_new(ctx)) != NULL) {
			SSL_set_fd(ssl, c);
			if (SSL_accept(ssl) == 1)
				(void)SSL_shutdown(ssl);
			SSL_free(ssl);
		}
		close(c);
	}
}

int
main(int argc, char **argv)
{
	if (crypto_global_init() < 0)
		return 1;
	if (argc >= 5 && strcmp(argv[1], "desc") == 0)
		return cmd_desc(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL);
	if (argc == 3 && strcmp(argv[1], "fp") == 0)
		return cmd_fp(argv[2]);
	if (argc == 5 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: dirauth_tool desc SEEDHEX NONCEHEX PORT [SKEW] | fp SEEDHEX |"
	    " serve SEEDHEX PORT PORTFILE\n");
	return 2;
}
