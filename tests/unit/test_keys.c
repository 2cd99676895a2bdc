/*
 * Unit tests for core/crypto/keys: creation with private modes, reload,
 * refusal of unsafe, truncated, oversized and zeroed key files, onion key
 * rotation and dropping, fingerprint formatting and parsing.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/crypto/keys.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/util.h"

struct fixture {
	char	 base[64];
	char	*datadir;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->base, sizeof(f->base), "/tmp/tord-test-keys.XXXXXX");
	if (mkdtemp(f->base) == NULL)
		return -1;
	f->datadir = xasprintf("%s/data", f->base);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->datadir);
	free(f);
	return 0;
}

static char *
key_file(struct fixture *f, const char *name)
{
	return xasprintf("%s/keys/%s", f->datadir, name);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* Load without creating; expect failure with a message naming name. */
static void
expect_refused(struct fixture *f, const char *name, const char *why)
{
	struct node_keys k;
	char *err = NULL;

	assert_int_equal(keys_load(f->datadir, false, &k, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, name));
	if (why != NULL)
		assert_non_null(strstr(err, why));
	assert_null(k.nk_identity);
	assert_null(k.nk_onion);
	free(err);
}

static void
test_generate_and_reload(void **state)
{
	struct fixture *f = *state;
	struct node_keys a, b;
	char fa[FINGERPRINT_HEXLEN + 1], fb[FINGERPRINT_HEXLEN + 1];
	char *err = NULL, *p, *keysdir;
	size_t i;

	/* Nothing there and no permission to create: refused. */
	assert_int_equal(keys_load(f->datadir, false, &a, &err), -1);
	assert_non_null(err);
	free(err);
	err = NULL;

	assert_int_equal(keys_load(f->datadir, true, &a, &err), 0);
	assert_null(err);
	assert_non_null(a.nk_identity);
	assert_true(ed25519_has_secret(a.nk_identity));
	assert_non_null(a.nk_onion);
	assert_null(a.nk_onion_prev);
	assert_true(a.nk_onion_created > 0);

	assert_int_equal(mode_of(f->datadir), 0700);
	keysdir = xasprintf("%s/keys", f->datadir);
	assert_int_equal(mode_of(keysdir), 0700);
	free(keysdir);
	p = key_file(f, "identity_ed25519");
	assert_int_equal(mode_of(p), 0600);
	free(p);
	p = key_file(f, "onion_x25519");
	assert_int_equal(mode_of(p), 0600);
	free(p);
	p = key_file(f, "onion_x25519.tmp");
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);

	keys_fingerprint(ed25519_public(a.nk_identity), fa);
	assert_int_equal(strlen(fa), 64);
	for (i = 0; i < 64; i++)
		assert_true((fa[i] >= '0' && fa[i] <= '9') || (fa[i] >= 'A' && fa[i] <= 'F'));

	assert_int_equal(keys_load(f->datadir, false, &b, &err), 0);
	keys_fingerprint(ed25519_public(b.nk_identity), fb);
	assert_string_equal(fa, fb);
	assert_memory_equal(x25519_public(a.nk_onion), x25519_public(b.nk_onion), 32);
	keys_clear(&a);
	keys_clear(&b);
	assert_null(a.nk_identity);
	keys_clear(&b);
}

static void
test_loose_dir_tightened(void **state)
{
	struct fixture *f = *state;
	struct node_keys k;
	char *err = NULL;

	assert_int_equal(mkdir(f->datadir, 0755), 0);
	assert_int_equal(chmod(f->datadir, 0755), 0);
	assert_int_equal(keys_load(f->datadir, true, &k, &err), 0);
	assert_int_equal(mode_of(f->datadir), 0700);
	keys_clear(&k);
}

static void
test_wrong_modes_refused(void **state)
{
	struct fixture *f = *state;
	struct node_keys k;
	char *err = NULL, *id = key_file(f, "identity_ed25519");
	char *onion = key_file(f, "onion_x25519");

	assert_int_equal(keys_load(f->datadir, true, &k, &err), 0);
	keys_clear(&k);

	assert_int_equal(chmod(id, 0640), 0);
	expect_refused(f, id, "mode 640");
	/* Also refused when creation is allowed: never regenerate silently. */
	assert_int_equal(keys_load(f->datadir, true, &k, &err), -1);
	assert_non_null(strstr(err, id));
	free(err);
	err = NULL;
	assert_int_equal(chmod(id, 0604), 0);
	expect_refused(f, id, NULL);
	assert_int_equal(chmod(id, 0600), 0);

	assert_int_equal(chmod(onion, 0644), 0);
	expect_refused(f, onion, "mode 644");
	assert_int_equal(chmod(onion, 0600), 0);

	assert_int_equal(keys_load(f->datadir, false, &k, &err), 0);
	keys_clear(&k);
	free(id);
	free(onion);
}

static void
test_corrupt_refused(void **state)
{
	struct fixture *f = *state;
	struct node_keys k;
	char *err = NULL, *id = key_file(f, "identity_ed25519");
	char *onion = key_file(f, "onion_x25519"), *old = key_file(f, "onion_x25519.old");
	uint8_t good[32], buf[40] = { 0 };
	int fd;

	assert_int_equal(keys_load(f->datadir, true, &k, &err), 0);
	assert_int_equal(ed25519_secret(k.nk_identity, good), 0);
	keys_clear(&k);

	/* Truncated. */
	assert_int_equal(truncate(id, 16), 0);
	expect_refused(f, id, "corrupt");
	assert_int_equal(keys_load(f->datadir, true, &k, &err), -1);
	free(err);
	err = NULL;
	/* Empty. */
	assert_int_equal(truncate(id, 0), 0);
	expect_refused(f, id, "corrupt");
	/* Too long. */
	memcpy(buf, good, 32);
	write_file(id, buf, 33);
	expect_refused(f, id, "corrupt");
	/* All zeros. */
	memset(buf, 0, sizeof(buf));
	write_file(id, buf, 32);
	expect_refused(f, id, "corrupt");
	/* A directory in place of the file. */
	assert_int_equal(unlink(id), 0);
	assert_int_equal(mkdir(id, 0700), 0);
	expect_refused(f, id, NULL);
	assert_int_equal(rmdir(id), 0);
	/* A symlink is not followed. */
	assert_int_equal(symlink("/etc/passwd", id), 0);
	expect_refused(f, id, NULL);
	assert_int_equal(unlink(id), 0);
	write_file(id, good, 32);

	/* Corrupt onion keys, current and previous. */
	assert_int_equal(truncate(onion, 31), 0);
	expect_refused(f, onion, "corrupt");
	write_file(onion, good, 32);
	fd = open(old, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	expect_refused(f, old, "corrupt");
	assert_int_equal(unlink(old), 0);

	assert_int_equal(keys_load(f->datadir, false, &k, &err), 0);
	assert_int_equal(ed25519_secret(k.nk_identity, buf), 0);
	assert_memory_equal(buf, good, 32);
	keys_clear(&k);
	free(id);
	free(onion);
	free(old);
}

static void
test_rotation(void **state)
{
	struct fixture *f = *state;
	struct node_keys k, r;
	uint8_t first[32], second[32];
	char *err = NULL, *old = key_file(f, "onion_x25519.old");

	assert_int_equal(keys_load(f->datadir, true, &k, &err), 0);
	memcpy(first, x25519_public(k.nk_onion), 32);
	assert_int_equal(keys_rotate_onion(&k, f->datadir, &err), 0);
	assert_null(err);
	assert_non_null(k.nk_onion_prev);
	assert_memory_equal(x25519_public(k.nk_onion_prev), first, 32);
	assert_memory_not_equal(x25519_public(k.nk_onion), first, 32);
	memcpy(second, x25519_public(k.nk_onion), 32);
	assert_int_equal(mode_of(old), 0600);

	/* Reload sees both keys. */
	assert_int_equal(keys_load(f->datadir, false, &r, &err), 0);
	assert_non_null(r.nk_onion_prev);
	assert_memory_equal(x25519_public(r.nk_onion), second, 32);
	assert_memory_equal(x25519_public(r.nk_onion_prev), first, 32);
	keys_clear(&r);

	/* A second rotation keeps only the immediately previous key. */
	assert_int_equal(keys_rotate_onion(&k, f->datadir, &err), 0);
	assert_memory_equal(x25519_public(k.nk_onion_prev), second, 32);

	keys_drop_prev_onion(&k, f->datadir);
	assert_null(k.nk_onion_prev);
	assert_int_not_equal(access(old, F_OK), 0);
	assert_int_equal(keys_load(f->datadir, false, &r, &err), 0);
	assert_null(r.nk_onion_prev);
	assert_memory_equal(x25519_public(r.nk_onion), x25519_public(k.nk_onion), 32);
	keys_clear(&r);
	keys_clear(&k);
	free(old);
}

static void
test_fingerprint(void **state)
{
	uint8_t id[32], back[32];
	char fp[FINGERPRINT_HEXLEN + 1], buf[80];
	size_t i;

	for (i = 0; i < 32; i++)
		id[i] = (uint8_t)(i * 9 + 0xa0);
	keys_fingerprint(id, fp);
	assert_string_equal(fp,
	    "A0A9B2BBC4CDD6DFE8F1FA030C151E273039424B545D666F78818A939CA5AEB7");
	assert_int_equal(keys_fingerprint_parse(fp, back), 0);
	assert_memory_equal(back, id, 32);
	snprintf(buf, sizeof(buf), "$%s", fp);
	assert_int_equal(keys_fingerprint_parse(buf, back), 0);
	for (i = 1; buf[i]; i++)
		buf[i] = (char)(buf[i] >= 'A' ? buf[i] + 32 : buf[i]);
	memset(back, 0, 32);
	assert_int_equal(keys_fingerprint_parse(buf, back), 0);
	assert_memory_equal(back, id, 32);
	assert_int_equal(keys_fingerprint_parse(fp + 1, back), -1);
	snprintf(buf, sizeof(buf), "%s0", fp);
	assert_int_equal(keys_fingerprint_parse(buf, back), -1);
	snprintf(buf, sizeof(buf), "%s~nick", fp);
	assert_int_equal(keys_fingerprint_parse(buf, back), -1);
	snprintf(buf, sizeof(buf), "%s", fp);
	buf[10] = 'G';
	assert_int_equal(keys_fingerprint_parse(buf, back), -1);
	assert_int_equal(keys_fingerprint_parse("", back), -1);
	assert_int_equal(keys_fingerprint_parse("$", back), -1);
}

static int
group_setup(void **state)
{
	umask(022);
	log_set_level(LL_WARN);
	return crypto_global_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_and_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loose_dir_tightened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_modes_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test(test_fingerprint),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
