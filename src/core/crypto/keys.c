/*
 * keys.c: a node's long-term keys on disk and in memory, and fingerprints.
 *
 * The only code that reads or writes private key files.  Layout (see
 * keys.h): <datadir>/keys/{identity_ed25519,onion_x25519,onion_x25519.old},
 * each exactly 32 raw secret bytes, mode 0600, in directories of mode 0700.
 * Files are written atomically (temporary file, fsync, rename, fsync of
 * the directory), so a crash leaves either the old or the new key.
 *
 * Callers: app/main (keys_load at startup), feature/relay (onion key
 * rotation), everything that prints or parses a fingerprint.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto/keys.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/pk.h"
#include "lib/util.h"

#define KEYS_SUBDIR		"keys"
#define KEYS_IDENTITY		"identity_ed25519"
#define KEYS_ONION		"onion_x25519"
#define KEYS_ONION_OLD		"onion_x25519.old"
#define KEYS_SECRET_LEN		32

static char *
keys_path(const char *datadir, const char *name)
{
	if (name == NULL)
		return xasprintf("%s/%s", datadir, KEYS_SUBDIR);
	return xasprintf("%s/%s/%s", datadir, KEYS_SUBDIR, name);
}

static void
keys_set_err(char **errmsg, char *msg)
{
	if (errmsg != NULL) {
		free(*errmsg);
		*errmsg = msg;
	} else {
		free(msg);
	}
}

/*
 * Make sure dir exists, is ours and is private.  Create it (0700) when
 * create is set; tighten an existing directory that is ours but open to
 * others, as Tor does; refuse one owned by someone else.
 */
static int
keys_check_dir(const char *dir, bool create, char **errmsg)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT || !create) {
			keys_set_err(errmsg, xasprintf("directory %s: %s", dir,
			    strerror(errno)));
			return -1;
		}
		if (mkdir(dir, 0700) < 0 || lstat(dir, &st) < 0) {
			keys_set_err(errmsg, xasprintf("cannot create directory %s: %s",
			    dir, strerror(errno)));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		keys_set_err(errmsg, xasprintf("%s is not a directory", dir));
		return -1;
	}
	if (st.st_uid != geteuid()) {
		keys_set_err(errmsg, xasprintf("directory %s is owned by uid %u, "
		    "not by us (uid %u)", dir, (unsigned)st.st_uid, (unsigned)geteuid()));
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		if (chmod(dir, 0700) < 0) {
			keys_set_err(errmsg, xasprintf("directory %s has mode %03o and "
			    "cannot be made private: %s", dir,
			    (unsigned)(st.st_mode & 0777), strerror(errno)));
			return -1;
		}
		log_notice(LD_CRYPTO, "dir=%s mode=%03o tightened to 0700", dir,
		    (unsigned)(st.st_mode & 0777));
	}
	return 0;
}

/*
 * Read a 32-byte secret from path.  Return 0 on success, 1 if the file
 * does not exist, -1 (with *errmsg) if it is unsafe or corrupt.
 */
static int
keys_read_secret(const char *path, uint8_t out[KEYS_SECRET_LEN], char **errmsg)
{
	uint8_t buf[KEYS_SECRET_LEN + 1], acc = 0;
	struct stat st;
	ssize_t n;
	size_t got = 0, i;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		keys_set_err(errmsg, xasprintf("key file %s: %s", path, strerror(errno)));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		keys_set_err(errmsg, xasprintf("key file %s: %s", path, strerror(errno)));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		keys_set_err(errmsg, xasprintf("key file %s is not a regular file", path));
		goto done;
	}
	if (st.st_uid != geteuid()) {
		keys_set_err(errmsg, xasprintf("key file %s is owned by uid %u, not by "
		    "us (uid %u)", path, (unsigned)st.st_uid, (unsigned)geteuid()));
		goto done;
	}
	if ((st.st_mode & 077) != 0) {
		keys_set_err(errmsg, xasprintf("key file %s has mode %03o: it must not "
		    "be accessible by group or others (chmod 600 it, and consider the "
		    "key compromised)", path, (unsigned)(st.st_mode & 0777)));
		goto done;
	}
	if (st.st_size != KEYS_SECRET_LEN) {
		keys_set_err(errmsg, xasprintf("key file %s is corrupt: %lld bytes, "
		    "expected %d", path, (long long)st.st_size, KEYS_SECRET_LEN));
		goto done;
	}
	/* Read one byte more than expected to notice a file that grew. */
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			keys_set_err(errmsg, xasprintf("key file %s: %s", path,
			    strerror(errno)));
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != KEYS_SECRET_LEN) {
		keys_set_err(errmsg, xasprintf("key file %s is corrupt: read %zu bytes, "
		    "expected %d", path, got, KEYS_SECRET_LEN));
		goto done;
	}
	for (i = 0; i < KEYS_SECRET_LEN; i++)
		acc |= buf[i];
	if (acc == 0) {
		/* A zeroed file is a failed write, never a real secret. */
		keys_set_err(errmsg, xasprintf("key file %s is corrupt: all zeros", path));
		goto done;
	}
	memcpy(out, buf, KEYS_SECRET_LEN);
	rc = 0;
 done:
	crypto_wipe(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* fsync the directory holding path, so that a rename is durable. */
static void
keys_sync_parent(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Write len bytes to path atomically with mode 0600; 0 or -1 (*errmsg). */
static int
keys_write_secret(const char *path, const uint8_t *p, size_t len, char **errmsg)
{
	char *tmp = xasprintf("%s.tmp", path);
	size_t off = 0;
	ssize_t n;
	int fd, rc = -1;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		keys_set_err(errmsg, xasprintf("cannot create key file %s: %s", tmp,
		    strerror(errno)));
		goto done;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			keys_set_err(errmsg, xasprintf("cannot write key file %s: %s",
			    tmp, n < 0 ? strerror(errno) : "short write"));
			close(fd);
			goto unlink;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		keys_set_err(errmsg, xasprintf("cannot sync key file %s: %s", tmp,
		    strerror(errno)));
		goto unlink;
	}
	if (rename(tmp, path) < 0) {
		keys_set_err(errmsg, xasprintf("cannot rename %s to %s: %s", tmp, path,
		    strerror(errno)));
		goto unlink;
	}
	keys_sync_parent(path);
	rc = 0;
	goto done;
 unlink:
	(void)unlink(tmp);
 done:
	free(tmp);
	return rc;
}

static int
keys_save_x25519(const char *path, const x25519_key_t *k, char **errmsg)
{
	uint8_t secret[X25519_LEN];
	int rc;

	if (x25519_secret(k, secret) < 0) {
		keys_set_err(errmsg, xasprintf("cannot export onion key for %s", path));
		return -1;
	}
	rc = keys_write_secret(path, secret, sizeof(secret), errmsg);
	crypto_wipe(secret, sizeof(secret));
	return rc;
}

/* Load (or, if allowed, create) the identity key. */
static int
keys_load_identity(const char *datadir, bool create, struct node_keys *out,
    char **errmsg)
{
	char *path = keys_path(datadir, KEYS_IDENTITY);
	uint8_t seed[ED25519_SECRET_LEN];
	int rc = -1, r;

	r = keys_read_secret(path, seed, errmsg);
	if (r < 0)
		goto done;
	if (r == 0) {
		out->nk_identity = ed25519_from_secret(seed);
		if (out->nk_identity == NULL) {
			keys_set_err(errmsg, xasprintf("key file %s is corrupt", path));
			goto done;
		}
	} else if (!create) {
		keys_set_err(errmsg, xasprintf("key file %s is missing", path));
		goto done;
	} else {
		if ((out->nk_identity = ed25519_generate()) == NULL ||
		    ed25519_secret(out->nk_identity, seed) < 0) {
			keys_set_err(errmsg, xasprintf("cannot generate identity key"));
			goto done;
		}
		if (keys_write_secret(path, seed, sizeof(seed), errmsg) < 0)
			goto done;
		log_notice(LD_CRYPTO, "generated new identity key file=%s", path);
	}
	rc = 0;
 done:
	crypto_wipe(seed, sizeof(seed));
	free(path);
	return rc;
}

/* Load an X25519 key from path into *kp; 1 if absent, 0 loaded, -1 error. */
static int
keys_load_x25519(const char *path, x25519_key_t **kp, int64_t *mtime,
    char **errmsg)
{
	uint8_t secret[X25519_LEN];
	struct stat st;
	int r;

	r = keys_read_secret(path, secret, errmsg);
	if (r != 0)
		return r;
	*kp = x25519_from_secret(secret);
	crypto_wipe(secret, sizeof(secret));
	if (*kp == NULL) {
		keys_set_err(errmsg, xasprintf("key file %s is corrupt", path));
		return -1;
	}
	if (mtime != NULL)
		*mtime = stat(path, &st) == 0 ? (int64_t)st.st_mtime : util_wall_sec();
	return 0;
}

/*
 * Load the keys in datadir into out, creating missing ones when create is
 * set.  Return 0, or -1 with *errmsg (malloc'd, names the file) and out
 * left empty.
 */
int
keys_load(const char *datadir, bool create, struct node_keys *out, char **errmsg)
{
	char *dir = NULL, *path = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (keys_check_dir(datadir, create, errmsg) < 0)
		goto err;
	dir = keys_path(datadir, NULL);
	if (keys_check_dir(dir, create, errmsg) < 0)
		goto err;
	if (keys_load_identity(datadir, create, out, errmsg) < 0)
		goto err;

	path = keys_path(datadir, KEYS_ONION);
	r = keys_load_x25519(path, &out->nk_onion, &out->nk_onion_created, errmsg);
	if (r < 0)
		goto err;
	if (r == 1) {
		if (!create) {
			keys_set_err(errmsg, xasprintf("key file %s is missing", path));
			goto err;
		}
		if ((out->nk_onion = x25519_generate()) == NULL) {
			keys_set_err(errmsg, xasprintf("cannot generate onion key"));
			goto err;
		}
		if (keys_save_x25519(path, out->nk_onion, errmsg) < 0)
			goto err;
		out->nk_onion_created = util_wall_sec();
		log_notice(LD_CRYPTO, "generated new onion key file=%s", path);
	}
	free(path);

	path = keys_path(datadir, KEYS_ONION_OLD);
	if (keys_load_x25519(path, &out->nk_onion_prev, NULL, errmsg) < 0)
		goto err;
	free(path);
	free(dir);
	return 0;
 err:
	free(path);
	free(dir);
	keys_clear(out);
	return -1;
}

/*
 * Make a fresh onion key current and keep the current one as previous,
 * on disk first (old, then new), then in memory.  On failure k is
 * unchanged and -1 is returned with *errmsg.
 */
int
keys_rotate_onion(struct node_keys *k, const char *datadir, char **errmsg)
{
	char *cur = keys_path(datadir, KEYS_ONION);
	char *old = keys_path(datadir, KEYS_ONION_OLD);
	x25519_key_t *fresh = NULL;
	int rc = -1;

	if (BUG(k->nk_onion == NULL))
		goto done;
	if ((fresh = x25519_generate()) == NULL) {
		keys_set_err(errmsg, xasprintf("cannot generate onion key"));
		goto done;
	}
	/* A crash between the two writes leaves current == old: harmless. */
	if (keys_save_x25519(old, k->nk_onion, errmsg) < 0 ||
	    keys_save_x25519(cur, fresh, errmsg) < 0)
		goto done;
	x25519_free(k->nk_onion_prev);
	k->nk_onion_prev = k->nk_onion;
	k->nk_onion = fresh;
	fresh = NULL;
	k->nk_onion_created = util_wall_sec();
	log_notice(LD_CRYPTO, "rotated onion key file=%s", cur);
	rc = 0;
 done:
	x25519_free(fresh);
	free(cur);
	free(old);
	return rc;
}

/* Forget the previous onion key, in memory and on disk. */
void
keys_drop_prev_onion(struct node_keys *k, const char *datadir)
{
	char *old = keys_path(datadir, KEYS_ONION_OLD);

	x25519_free(k->nk_onion_prev);
	if (unlink(old) < 0 && errno != ENOENT)
		log_warn(LD_CRYPTO, "cannot remove file=%s: %s", old, strerror(errno));
	free(old);
}

/* Free and wipe all keys in k; k may be reused afterwards. */
void
keys_clear(struct node_keys *k)
{
	if (k == NULL)
		return;
	ed25519_free(k->nk_identity);
	x25519_free(k->nk_onion);
	x25519_free(k->nk_onion_prev);
	memset(k, 0, sizeof(*k));
}

/* Write the 64 upper-case hex digits of id, NUL-terminated, into out. */
void
keys_fingerprint(const uint8_t id[IDENTITY_LEN], char out[FINGERPRINT_HEXLEN + 1])
{
	size_t i;

	util_hex_encode(id, IDENTITY_LEN, out);
	for (i = 0; i < FINGERPRINT_HEXLEN; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
	out[FINGERPRINT_HEXLEN] = '\0';
}

/* Parse "[$]<64 hex>" (nothing else) into id; 0 or -1. */
int
keys_fingerprint_parse(const char *s, uint8_t id[IDENTITY_LEN])
{
	if (s == NULL)
		return -1;
	if (*s == '$')
		s++;
	if (strlen(s) != FINGERPRINT_HEXLEN)
		return -1;
	return util_hex_decode(s, FINGERPRINT_HEXLEN, id, IDENTITY_LEN);
}
