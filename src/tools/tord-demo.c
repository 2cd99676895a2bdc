/*
 * tord-demo.c: command line of the challenge-response demo service.
 *
 *   tord-demo serve  --listen IP:PORT --password-file F [--web-listen IP:PORT]
 *   tord-demo client (--socks IP:PORT | --direct) --connect HOST:PORT
 *                    --password-file F [--message TEXT]...
 *   tord-demo client (--socks IP:PORT | --direct) --open URL
 *   tord-demo hash-password --password-file F [--iterations N]
 *
 * Parses options and calls demo_server_run() / demo_client_run(); the
 * protocol is described in demo.h and tord-demo(1).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"
#include "tools/demo.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tord-demo serve [--listen IP:PORT] [--web-listen IP:PORT]\n"
"                       [--password-file FILE] [--iterations N] [--tries N]\n"
"                       [--auth-timeout SEC] [--idle-timeout SEC]\n"
"                       [--max-clients N] [-v]\n"
"       tord-demo client (--socks IP:PORT | --direct) --connect HOST:PORT\n"
"                       --password-file FILE [--message TEXT]...\n"
"                       [--socks-user USER [--socks-pass PASS]] [--timeout SEC]\n"
"       tord-demo client (--socks IP:PORT | --direct) --open URL [--no-browser]\n"
"       tord-demo hash-password --password-file FILE [--iterations N]\n"
"See tord-demo(1).\n");
}

static int
num_opt(const char *name, const char *s, long long min, long long max,
    unsigned *out)
{
	long long v;

	if (util_parse_ll(s, min, max, &v) < 0) {
		fprintf(stderr, "tord-demo: %s wants a number in [%lld, %lld]\n",
		    name, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

enum {
	O_LISTEN = 256, O_WEB, O_PWFILE, O_ITER, O_TRIES, O_AUTH_TO, O_IDLE_TO,
	O_MAXCL, O_SOCKS, O_SOCKS_USER, O_SOCKS_PASS, O_DIRECT, O_CONNECT,
	O_MESSAGE, O_OPEN, O_NO_BROWSER, O_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "listen",		required_argument,	NULL, O_LISTEN },
	{ "web-listen",		required_argument,	NULL, O_WEB },
	{ "password-file",	required_argument,	NULL, O_PWFILE },
	{ "iterations",		required_argument,	NULL, O_ITER },
	{ "tries",		required_argument,	NULL, O_TRIES },
	{ "auth-timeout",	required_argument,	NULL, O_AUTH_TO },
	{ "idle-timeout",	required_argument,	NULL, O_IDLE_TO },
	{ "max-clients",	required_argument,	NULL, O_MAXCL },
	{ "socks",		required_argument,	NULL, O_SOCKS },
	{ "socks-user",		required_argument,	NULL, O_SOCKS_USER },
	{ "socks-pass",		required_argument,	NULL, O_SOCKS_PASS },
	{ "direct",		no_argument,		NULL, O_DIRECT },
	{ "connect",		required_argument,	NULL, O_CONNECT },
	{ "message",		required_argument,	NULL, O_MESSAGE },
	{ "open",		required_argument,	NULL, O_OPEN },
	{ "no-browser",		no_argument,		NULL, O_NO_BROWSER },
	{ "timeout",		required_argument,	NULL, O_TIMEOUT },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
hash_password(const char *pwfile, uint32_t iter)
{
	struct demo_secret sec;
	struct demo_key key;
	uint8_t salt[DEMO_SALT_LEN];
	char line[2 * DEMO_SALT_MAX + 2 * DEMO_KEY_LEN + 64];
	int rv = 1;

	if (pwfile == NULL) {
		fprintf(stderr, "tord-demo: hash-password needs --password-file\n");
		return 2;
	}
	if (demo_secret_load(pwfile, &sec) < 0)
		return 1;
	if (sec.s_is_key) {
		fprintf(stderr, "tord-demo: %s already holds a stored key\n", pwfile);
		goto done;
	}
	crypto_rand(salt, sizeof(salt));
	if (demo_secret_key(&sec, salt, sizeof(salt), iter, &key) < 0) {
		fprintf(stderr, "tord-demo: key derivation failed\n");
		goto done;
	}
	demo_key_format(&key, line, sizeof(line));
	printf("%s\n", line);
	crypto_wipe(line, sizeof(line));
	crypto_wipe(&key, sizeof(key));
	rv = 0;
done:
	demo_secret_wipe(&sec);
	return rv;
}

int
main(int argc, char **argv)
{
	struct demo_server_opts so = {
		.iterations = DEMO_ITER_DEFAULT, .max_clients = 512,
		.auth_timeout = 10, .idle_timeout = 300, .tries = 3,
	};
	struct demo_client_opts co = { .timeout = 30 };
	const char *cmd;
	unsigned u;
	int c, rv;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("tord-demo %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "client") != 0 &&
	    strcmp(cmd, "hash-password") != 0) {
		fprintf(stderr, "tord-demo: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	log_set_level(LL_NOTICE);
	co.messages = xcalloc((size_t)argc, sizeof(*co.messages));
	optind = 2;
	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:		so.listen = optarg; break;
		case O_WEB:		so.web_listen = optarg; break;
		case O_PWFILE:		so.password_file = co.password_file = optarg; break;
		case O_ITER:
			if (num_opt("--iterations", optarg, DEMO_ITER_MIN,
			    DEMO_ITER_MAX, &so.iterations) < 0)
				goto bad;
			break;
		case O_TRIES:
			if (num_opt("--tries", optarg, 1, 100, &so.tries) < 0)
				goto bad;
			break;
		case O_AUTH_TO:
			if (num_opt("--auth-timeout", optarg, 1, 3600, &so.auth_timeout) < 0)
				goto bad;
			break;
		case O_IDLE_TO:
			if (num_opt("--idle-timeout", optarg, 1, 86400, &so.idle_timeout) < 0)
				goto bad;
			break;
		case O_MAXCL:
			if (num_opt("--max-clients", optarg, 1, 10000, &so.max_clients) < 0)
				goto bad;
			break;
		case O_TIMEOUT:
			if (num_opt("--timeout", optarg, 1, 3600, &u) < 0)
				goto bad;
			co.timeout = u;
			break;
		case O_SOCKS:		co.socks = optarg; break;
		case O_SOCKS_USER:	co.socks_user = optarg; break;
		case O_SOCKS_PASS:	co.socks_pass = optarg; break;
		case O_DIRECT:		co.direct = true; break;
		case O_CONNECT:		co.connect = optarg; break;
		case O_MESSAGE:		co.messages[co.n_messages++] = optarg; break;
		case O_OPEN:		co.open_url = optarg; break;
		case O_NO_BROWSER:	co.no_browser = true; break;
		case 'v':		log_set_level(LL_INFO); break;
		case 'h':		usage(stdout); free(co.messages); return 0;
		default:		goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tord-demo: unexpected argument '%s'\n", argv[optind]);
		goto bad;
	}
	if (crypto_global_init() < 0) {
		fprintf(stderr, "tord-demo: cannot initialise OpenSSL\n");
		free(co.messages);
		return 1;
	}
	if (strcmp(cmd, "serve") == 0)
		rv = demo_server_run(&so);
	else if (strcmp(cmd, "client") == 0)
		rv = demo_client_run(&co);
	else
		rv = hash_password(so.password_file, so.iterations);
	free(co.messages);
	return rv;
bad:
	usage(stderr);
	free(co.messages);
	return 2;
}
