/*
 * descriptor.c: build, sign, parse and verify relay descriptors (format
 * in descriptor.h).  Called by feature/relay (build and upload) and by
 * the authority (parse, check the challenge, feed the vote).  Pure: no
 * I/O; reading is bounded by DESC_MAX_LEN and the docfmt limits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feature/dir/descriptor.h"
#include "lib/bytes.h"
#include "lib/crypto.h"
#include "lib/digest.h"
#include "lib/util.h"

static const struct docfmt_limits desc_limits = {
	.dl_max_doc = DESC_MAX_LEN,
	.dl_max_line = 1024,
	.dl_max_items = 64,
};

bool
descriptor_nickname_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NICKNAME_MAX_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Printable ASCII, single spaces, no leading or trailing space. */
static bool
platform_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n >= DESC_PLATFORM_MAX || (n > 0 && (s[0] == ' ' || s[n - 1] == ' ')))
		return false;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
		if (s[i] == ' ' && s[i + 1] == ' ')
			return false;
	}
	return true;
}

char *
descriptor_format_body(const struct relay_descriptor *d, size_t *len)
{
	struct buf b = BUF_INIT;
	char fp[DOCFMT_FP_HEXLEN + 1], t[DOCFMT_TIME_LEN + 1];
	char key[DOCFMT_B64_LEN(X25519_LEN)], nonce[2 * DESC_NONCE_LEN + 1];
	size_t i;

	if (!descriptor_nickname_ok(d->rd_nickname) || !platform_ok(d->rd_platform) ||
	    d->rd_or_port == 0 || (d->rd_has_ipv6 && d->rd_ipv6_port == 0) ||
	    d->rd_n_family > DIR_MAX_FAMILY || d->rd_policy.ps_n == 0 ||
	    d->rd_policy.ps_n > POLICY_SUMMARY_MAX_RANGES)
		return NULL;
	docfmt_printf(&b, "router %s ", d->rd_nickname);
	docfmt_put_ipv4(&b, d->rd_ipv4);
	docfmt_printf(&b, " %u\n", d->rd_or_port);
	if (d->rd_has_ipv6) {
		docfmt_puts(&b, "or-address ");
		docfmt_put_ipv6_port(&b, d->rd_ipv6, d->rd_ipv6_port);
		docfmt_puts(&b, "\n");
	}
	docfmt_fp_encode(d->rd_identity, fp);
	docfmt_printf(&b, "fingerprint %s\n", fp);
	docfmt_time_format(d->rd_published, t);
	docfmt_printf(&b, "published %s\n", t);
	docfmt_printf(&b, "uptime %llu\n", (unsigned long long)d->rd_uptime);
	if (d->rd_platform[0] != '\0')
		docfmt_printf(&b, "platform %s\n", d->rd_platform);
	docfmt_printf(&b, "bandwidth %llu %llu %llu\n",
	    (unsigned long long)d->rd_bw_avg, (unsigned long long)d->rd_bw_burst,
	    (unsigned long long)d->rd_bw_observed);
	docfmt_b64_encode(d->rd_onion_key, X25519_LEN, key);
	docfmt_printf(&b, "ntor-onion-key %s\n", key);
	if (d->rd_n_family > 0) {
		docfmt_puts(&b, "family");
		for (i = 0; i < d->rd_n_family; i++) {
			docfmt_fp_encode(d->rd_family[i], fp);
			docfmt_printf(&b, " %s", fp);
		}
		docfmt_puts(&b, "\n");
	}
	docfmt_printf(&b, "exit %s\np ", d->rd_is_exit ? "yes" : "no");
	policy_summary_format(&d->rd_policy, &b);
	util_hex_encode(d->rd_nonce, DESC_NONCE_LEN, nonce);
	docfmt_printf(&b, "\nchallenge %s\nrouter-sig-ed25519 ", nonce);
	return docfmt_take(&b, len);
}

void
descriptor_digest(const char *body, size_t len, uint8_t out[32])
{
	static const char prefix[] = DESCRIPTOR_SIG_PREFIX;
	size_t plen = sizeof(prefix) - 1;
	uint8_t *tmp = xmalloc(plen + len);

	memcpy(tmp, prefix, plen);
	memcpy(tmp + plen, body, len);
	digest_sha256(tmp, plen + len, out);
	free(tmp);
}

char *
descriptor_build(const struct relay_descriptor *d, const ed25519_key_t *identity,
    size_t *len)
{
	uint8_t dg[32], sig[ED25519_SIG_LEN];
	char sigb64[DOCFMT_B64_LEN(ED25519_SIG_LEN)];
	struct buf b = BUF_INIT;
	size_t blen;
	char *body;

	if (!ed25519_has_secret(identity) ||
	    memcmp(ed25519_public(identity), d->rd_identity, ED25519_PUB_LEN) != 0)
		return NULL;
	if ((body = descriptor_format_body(d, &blen)) == NULL)
		return NULL;
	descriptor_digest(body, blen, dg);
	if (ed25519_sign(identity, dg, sizeof(dg), sig) < 0) {
		free(body);
		return NULL;
	}
	docfmt_b64_encode(sig, sizeof(sig), sigb64);
	buf_add(&b, body, blen);
	docfmt_printf(&b, "%s\n", sigb64);
	free(body);
	return docfmt_take(&b, len);
}

/* Item bits, for duplicate and presence checks. */
enum {
	DI_ROUTER = 1 << 0, DI_ORADDR = 1 << 1, DI_FP = 1 << 2, DI_PUB = 1 << 3,
	DI_UPTIME = 1 << 4, DI_PLATFORM = 1 << 5, DI_BW = 1 << 6, DI_ONION = 1 << 7,
	DI_FAMILY = 1 << 8, DI_EXIT = 1 << 9, DI_P = 1 << 10, DI_CHAL = 1 << 11,
	DI_SIG = 1 << 12,
};
#define DI_REQUIRED (DI_ROUTER | DI_FP | DI_PUB | DI_UPTIME | DI_BW | DI_ONION | \
	DI_EXIT | DI_P | DI_CHAL | DI_SIG)

static const struct {
	const char	*kw;
	unsigned	 bit;
	size_t		 min_args, max_args;
} desc_items[] = {
	{ "router", DI_ROUTER, 3, 3 },
	{ "or-address", DI_ORADDR, 1, 1 },
	{ "fingerprint", DI_FP, 1, 1 },
	{ "published", DI_PUB, 2, 2 },
	{ "uptime", DI_UPTIME, 1, 1 },
	{ "platform", DI_PLATFORM, 1, DOCFMT_MAX_ARGS },
	{ "bandwidth", DI_BW, 3, 3 },
	{ "ntor-onion-key", DI_ONION, 1, 1 },
	{ "family", DI_FAMILY, 1, DIR_MAX_FAMILY },
	{ "exit", DI_EXIT, 1, 1 },
	{ "p", DI_P, 2, 2 },
	{ "challenge", DI_CHAL, 1, 1 },
	{ "router-sig-ed25519", DI_SIG, 1, 1 },
};

/* Decode one known item into d; returns a reason or NULL. */
static const char *
desc_item(const struct docfmt_item *it, unsigned bit, struct relay_descriptor *d)
{
	uint64_t v;
	size_t i;

	switch (bit) {
	case DI_ROUTER:
		if (docfmt_arg_str(it, 0, d->rd_nickname, sizeof(d->rd_nickname)) < 0 ||
		    !descriptor_nickname_ok(d->rd_nickname))
			return "bad nickname";
		if (docfmt_arg_ipv4(it, 1, &d->rd_ipv4) < 0)
			return "bad IPv4 address";
		if (docfmt_arg_u64(it, 2, 65535, &v) < 0 || v == 0)
			return "bad OR port";
		d->rd_or_port = (uint16_t)v;
		return NULL;
	case DI_ORADDR:
		d->rd_has_ipv6 = true;
		return docfmt_arg_ipv6_port(it, 0, d->rd_ipv6, &d->rd_ipv6_port) < 0 ?
		    "bad or-address" : NULL;
	case DI_FP:
		return docfmt_arg_fp(it, 0, d->rd_identity) < 0 ? "bad fingerprint" : NULL;
	case DI_PUB:
		return docfmt_arg_time(it, 0, &d->rd_published) < 0 ?
		    "bad published time" : NULL;
	case DI_UPTIME:
		return docfmt_arg_u64(it, 0, UINT32_MAX, &d->rd_uptime) < 0 ?
		    "bad uptime" : NULL;
	case DI_PLATFORM:
		if (it->it_rest_len >= sizeof(d->rd_platform))
			return "platform too long";
		memcpy(d->rd_platform, it->it_rest, it->it_rest_len);
		d->rd_platform[it->it_rest_len] = '\0';
		return NULL;
	case DI_BW:
		if (docfmt_arg_u64(it, 0, UINT32_MAX, &d->rd_bw_avg) < 0 ||
		    docfmt_arg_u64(it, 1, UINT32_MAX, &d->rd_bw_burst) < 0 ||
		    docfmt_arg_u64(it, 2, UINT32_MAX, &d->rd_bw_observed) < 0)
			return "bad bandwidth";
		return NULL;
	case DI_ONION:
		return docfmt_arg_b64(it, 0, d->rd_onion_key, X25519_LEN) < 0 ?
		    "bad ntor-onion-key" : NULL;
	case DI_FAMILY:
		for (i = 0; i < it->it_nargs; i++)
			if (docfmt_arg_fp(it, i, d->rd_family[i]) < 0)
				return "bad family fingerprint";
		d->rd_n_family = it->it_nargs;
		return NULL;
	case DI_EXIT:
		if (docfmt_arg_is(it, 0, "yes"))
			d->rd_is_exit = true;
		else if (!docfmt_arg_is(it, 0, "no"))
			return "bad exit item";
		return NULL;
	case DI_P:
		return policy_summary_parse_item(it, 0, &d->rd_policy) < 0 ?
		    "bad exit-policy summary" : NULL;
	case DI_CHAL:
		return docfmt_arg_hex(it, 0, d->rd_nonce, DESC_NONCE_LEN) < 0 ?
		    "bad challenge nonce" : NULL;
	case DI_SIG:
		return docfmt_arg_b64(it, 0, d->rd_sig, ED25519_SIG_LEN) < 0 ?
		    "bad signature encoding" : NULL;
	}
	return "internal error";
}

int
descriptor_parse(const char *p, size_t len, struct relay_descriptor *out,
    struct docfmt_reason *why)
{
	struct docfmt_reader r;
	struct docfmt_item it;
	unsigned seen = 0;
	size_t i, sig_off = 0;
	uint8_t dg[32];
	const char *bad;
	int rv;

	memset(out, 0, sizeof(*out));
	if (docfmt_reader_init(&r, p, len, &desc_limits) < 0) {
		docfmt_reason_set(why, "%s", r.dr_err);
		return PARSE_ERROR;
	}
	while ((rv = docfmt_next(&r, &it)) == PARSE_OK) {
		if (seen & DI_SIG) {
			docfmt_reason_set(why, "item after router-sig-ed25519");
			return PARSE_ERROR;
		}
		for (i = 0; i < ARRAY_LEN(desc_items); i++)
			if (docfmt_is(&it, desc_items[i].kw))
				break;
		if (it.it_lineno == 1 && (i == ARRAY_LEN(desc_items) ||
		    desc_items[i].bit != DI_ROUTER)) {
			docfmt_reason_set(why, "first item is not router");
			return PARSE_ERROR;
		}
		if (i == ARRAY_LEN(desc_items))
			continue;	/* unknown: skipped, but signed */
		if (seen & desc_items[i].bit) {
			docfmt_reason_set(why, "duplicate item '%s'", desc_items[i].kw);
			return PARSE_ERROR;
		}
		seen |= desc_items[i].bit;
		if (it.it_nargs < desc_items[i].min_args ||
		    it.it_nargs > desc_items[i].max_args) {
			docfmt_reason_set(why, "wrong number of arguments to '%s'",
			    desc_items[i].kw);
			return PARSE_ERROR;
		}
		if ((bad = desc_item(&it, desc_items[i].bit, out)) != NULL) {
			docfmt_reason_set(why, "%s", bad);
			return PARSE_ERROR;
		}
		if (desc_items[i].bit == DI_SIG)
			sig_off = it.it_off + sizeof("router-sig-ed25519 ") - 1;
	}
	if (rv == PARSE_ERROR) {
		docfmt_reason_set(why, "%s", r.dr_err);
		return PARSE_ERROR;
	}
	if ((seen & DI_REQUIRED) != DI_REQUIRED) {
		for (i = 0; i < ARRAY_LEN(desc_items); i++)
			if ((DI_REQUIRED & desc_items[i].bit) && !(seen & desc_items[i].bit))
				break;
		docfmt_reason_set(why, "missing item '%s'",
		    i < ARRAY_LEN(desc_items) ? desc_items[i].kw : "?");
		return PARSE_ERROR;
	}
	descriptor_digest(p, sig_off, dg);
	if (!ed25519_verify(out->rd_identity, dg, sizeof(dg), out->rd_sig)) {
		docfmt_reason_set(why, "bad signature");
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

int
descriptor_check(const struct relay_descriptor *d, int64_t now, int64_t max_skew,
    const uint8_t *nonce, struct docfmt_reason *why)
{
	char t[DOCFMT_TIME_LEN + 1];

	docfmt_time_format(d->rd_published, t);
	if (d->rd_published > now + max_skew) {
		docfmt_reason_set(why, "published in the future (%s)", t);
		return -1;
	}
	if (d->rd_published < now - max_skew) {
		docfmt_reason_set(why, "published too long ago (%s)", t);
		return -1;
	}
	if (nonce != NULL && !crypto_eq(nonce, d->rd_nonce, DESC_NONCE_LEN)) {
		docfmt_reason_set(why, "challenge nonce does not match");
		return -1;
	}
	return 0;
}
