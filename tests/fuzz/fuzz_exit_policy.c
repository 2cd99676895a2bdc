/*
 * fuzz_exit_policy.c: exit policy text -> parse, evaluate, summarise.
 *
 * Oracles beyond "no crash": every parsed rule formats to text that
 * parses back to the same rule, and the summary is never longer than
 * Tor's limit and agrees with exit_policy_summary_allows_port().
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "feature/exit/exit_policy.h"
#include "lib/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_summary(const struct exit_policy *p)
{
	char *s = exit_policy_summary(p);
	static const uint16_t ports[] = { 1, 22, 25, 80, 443, 8080, 65535 };
	size_t i;
	bool accept;
	const char *list;

	if (strlen(s) > EXIT_POLICY_SUMMARY_MAX)
		abort();
	accept = strncmp(s, "accept ", 7) == 0;
	if (!accept && strncmp(s, "reject ", 7) != 0)
		abort();
	list = s + 7;
	/* Short summaries are exact: check a few ports against the list. */
	if (strlen(s) < EXIT_POLICY_SUMMARY_MAX - 20) {
		for (i = 0; i < ARRAY_LEN(ports); i++) {
			const char *q = list;
			bool in = false;

			while (*q != '\0') {
				unsigned long lo = strtoul(q, (char **)&q, 10), hi = lo;

				if (*q == '-')
					hi = strtoul(q + 1, (char **)&q, 10);
				if (ports[i] >= lo && ports[i] <= hi)
					in = true;
				if (*q == ',')
					q++;
				else if (*q != '\0')
					abort();
			}
			if ((in == accept) != exit_policy_summary_allows_port(p, ports[i]))
				abort();
		}
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, err[256];
	struct exit_policy *p;
	static const char *targets[] = {
		"127.0.0.1", "10.0.0.1", "8.8.8.8", "::1", "2001:db8::1",
		"::ffff:192.168.0.1", "fe80::1",
	};
	size_t i, t;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	p = exit_policy_parse(text, size % 2 == 0, err, sizeof(err));
	free(text);
	if (p == NULL)
		return 0;
	for (i = 0; i < p->p_n; i++) {
		char buf[EXIT_POLICY_RULE_STRLEN];
		struct exit_policy_rule r;

		exit_policy_rule_fmt(&p->p_rules[i], buf, sizeof(buf));
		if (exit_policy_parse_rule(buf, &r, err, sizeof(err)) != 0 ||
		    memcmp(&r, &p->p_rules[i], sizeof(r)) != 0)
			abort();
	}
	for (t = 0; t < ARRAY_LEN(targets); t++) {
		struct addr a;

		if (addr_parse_ip(targets[t], &a) != 0)
			abort();
		(void)exit_policy_allows(p, &a, 80);
		(void)exit_policy_allows(p, &a, 65535);
	}
	(void)exit_policy_might_allow_port(p, 80);
	(void)exit_policy_might_allow_port(p, 1);
	check_summary(p);
	exit_policy_free(p);
	return 0;
}
