/*
 * dir_fakeauth: signed consensus documents for tests of the client's
 * directory code that must not depend on the authority implementation
 * (tests/integration/net_dirclient.sh).  Authority keys are derived
 * from a seed, so the test can write the fingerprints into the client's
 * [authorities] and sign documents later without keeping key files.
 *
 *	dir_fakeauth fingerprints [--seed S] [--n N]
 *		one authority fingerprint per line
 *	dir_fakeauth consensus [options] RELAYFILE
 *		a consensus listing the relays of RELAYFILE, on stdout
 *	    --seed S		authority keys (default "fakeauth"); another
 *				seed gives authorities nobody trusts
 *	    --n N		authorities, all listed in dir-source (3)
 *	    --sign LIST		indexes that sign, e.g. 0,2 (default: all)
 *	    --valid-after SEC	valid-after relative to now (-60)
 *	    --fresh SEC		fresh-until - valid-after (3600)
 *	    --valid SEC		valid-until - valid-after (10800)
 *	    --tamper		change a relay's weight after signing
 *
 * RELAYFILE: one relay a line, as `tord --relay-line` prints it followed
 * by flags and an exit-policy summary:
 *	NICK ADDR:PORT FINGERPRINT ONIONKEYHEX FLAG,FLAG,... accept|reject PORTS
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto/keys.h"
#include "feature/dir/netstatus.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/pk.h"
#include "lib/util.h"

#define MAX_AUTH	NS_MAX_AUTH

static ed25519_key_t *
auth_key(const char *seed, int i)
{
	char *s = xasprintf("%s:%d", seed, i);
	uint8_t secret[ED25519_SECRET_LEN];
	ed25519_key_t *k;

	digest_sha256(s, strlen(s), secret);
	free(s);
	k = ed25519_from_secret(secret);
	crypto_wipe(secret, sizeof(secret));
	return k;
}

static int
usage(void)
{
	fprintf(stderr, "usage: dir_fakeauth fingerprints [--seed S] [--n N]\n"
	    "       dir_fakeauth consensus [--seed S] [--n N] [--sign LIST] "
	    "[--valid-after SEC] [--fresh SEC] [--valid SEC] [--tamper] RELAYFILE\n");
	return 2;
}

static uint32_t
parse_flags(const char *s)
{
	static const struct { const char *name; uint32_t bit; } names[] = {
		{ "Exit", NSF_EXIT }, { "Fast", NSF_FAST }, { "Guard", NSF_GUARD },
		{ "Running", NSF_RUNNING }, { "Stable", NSF_STABLE }, { "Valid", NSF_VALID },
	};
	char *copy = xstrdup(s), *tok, *save = NULL;
	uint32_t f = 0;
	size_t i;

	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_LEN(names); i++)
			if (strcmp(tok, names[i].name) == 0)
				f |= names[i].bit;
	}
	free(copy);
	return f;
}

/* One RELAYFILE line into e; -1 if malformed. */
static int
parse_relay(const char *line, struct ns_entry *e, int64_t published)
{
	char nick[64], addr[64], fp[80], onion[80], flags[128], pol[16], ports[256];
	char *colon;
	struct in_addr ia;

	memset(e, 0, sizeof(*e));
	if (sscanf(line, "%63s %63s %79s %79s %127s %15s %255s", nick, addr, fp, onion, flags,
	    pol, ports) != 7)
		return -1;
	if (strlen(nick) >= sizeof(e->e_nickname))
		return -1;
	memcpy(e->e_nickname, nick, strlen(nick) + 1);
	if ((colon = strrchr(addr, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (inet_pton(AF_INET, addr, &ia) != 1)
		return -1;
	e->e_ipv4 = ntohl(ia.s_addr);
	e->e_or_port = (uint16_t)atoi(colon + 1);
	if (keys_fingerprint_parse(fp, e->e_id) < 0 ||
	    util_hex_decode(onion, strlen(onion), e->e_onion_key, X25519_LEN) < 0)
		return -1;
	e->e_flags = parse_flags(flags);
	e->e_published = published;
	e->e_bandwidth = 1000;
	{
		char *p = xasprintf("%s %s", pol, ports);
		int rc = policy_summary_parse(p, &e->e_policy);

		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *seed = "fakeauth", *sign = NULL, *relayfile = NULL;
	long n = 3, va_off = -60, fresh = 3600, valid = 10800;
	bool tamper = false, fps = false;
	ed25519_key_t *keys[MAX_AUTH];
	struct netstatus *ns;
	struct docfmt_reason why;
	char line[1024], fp[DOCFMT_FP_HEXLEN + 1], *doc;
	size_t len;
	int64_t now = (int64_t)time(NULL);
	FILE *f;
	int i;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "fingerprints") == 0)
		fps = true;
	else if (strcmp(argv[1], "consensus") != 0)
		return usage();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--tamper") == 0)
			tamper = true;
		else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
			seed = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--n") == 0)
			n = strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--sign") == 0)
			sign = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--valid-after") == 0)
			va_off = strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--fresh") == 0)
			fresh = strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--valid") == 0)
			valid = strtol(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && relayfile == NULL)
			relayfile = argv[i];
		else
			return usage();
	}
	if (n < 1 || n > MAX_AUTH || fresh < 1 || valid < fresh)
		return usage();
	if (crypto_global_init() < 0)
		return 1;
	for (i = 0; i < n; i++)
		keys[i] = auth_key(seed, i);
	if (fps) {
		for (i = 0; i < n; i++) {
			docfmt_fp_encode(ed25519_public(keys[i]), fp);
			printf("%s\n", fp);
		}
		goto out;
	}
	if (relayfile == NULL || (f = fopen(relayfile, "r")) == NULL) {
		fprintf(stderr, "dir_fakeauth: cannot read the relay file\n");
		return 1;
	}
	ns = netstatus_new(NS_CONSENSUS);
	ns->ns_valid_after = now + va_off;
	ns->ns_fresh_until = ns->ns_valid_after + fresh;
	ns->ns_valid_until = ns->ns_valid_after + valid;
	ns->ns_voting_interval = (uint32_t)fresh;
	ns->ns_known_flags = NSF_ALL;
	for (i = 0; i < n; i++)
		memcpy(ns->ns_voters[i], ed25519_public(keys[i]), ED25519_PUB_LEN);
	ns->ns_n_voters = (size_t)n;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct ns_entry e;

		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (parse_relay(line, &e, ns->ns_valid_after - 600) < 0) {
			fprintf(stderr, "dir_fakeauth: bad relay line: %s", line);
			return 1;
		}
		netstatus_add_entry(ns, &e);
	}
	fclose(f);
	if (netstatus_finish(ns, &why) < 0) {
		fprintf(stderr, "dir_fakeauth: %s\n", why.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		char idx[16];

		snprintf(idx, sizeof(idx), "%d", i);
		if (sign != NULL) {
			/* Is i in the comma-separated list? */
			char *copy = xstrdup(sign), *tok, *save = NULL;
			bool in = false;

			for (tok = strtok_r(copy, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save))
				in |= strcmp(tok, idx) == 0;
			free(copy);
			if (!in)
				continue;
		}
		if (netstatus_sign(ns, keys[i]) < 0)
			return 1;
	}
	doc = netstatus_format(ns, &len);
	if (tamper) {
		/* After signing: a relay's weight changes, the document still parses. */
		char *w = strstr(doc, "\nw ");

		if (w == NULL)
			return 1;
		w[3] = w[3] == '9' ? '1' : (char)(w[3] + 1);
	}
	fwrite(doc, 1, len, stdout);
	free(doc);
	netstatus_free(ns);
out:
	for (i = 0; i < n; i++)
		ed25519_free_(keys[i]);
	return 0;
}
