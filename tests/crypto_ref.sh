#!/bin/sh
# Compare the C ntor and tor1 relay crypto with the independent Python
# reference models (tests/ref/) on random inputs.  TAP output.  Skipped
# only if no python3 with the cryptography module exists.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
py=""
for cand in "${PYTHON3:-}" /usr/bin/python3 python3; do
	[ -n "$cand" ] || continue
	if "$cand" -c 'import cryptography.hazmat.primitives.asymmetric.x25519' 2>/dev/null; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "1..0 # SKIP no python3 with the cryptography module"
	exit 0
fi
gen="$b/tests/unit/crypto_vectors"
if [ ! -x "$gen" ]; then
	echo "1..1"
	echo "not ok 1 - $gen not built"
	exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if ! "$gen" 8 >"$tmp"; then
	echo "1..1"
	echo "not ok 1 - crypto_vectors failed its own self-check"
	exit 1
fi
"$py" "$s/tests/ref/check_vectors.py" <"$tmp"
