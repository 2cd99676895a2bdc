#!/bin/sh
# Documentation checks (TAP):
#  - the generated option list in man/tord.ini.5 equals `tord --dump-options`
#    (to update it after changing src/app/config_options.def:
#     tests/check_docs.sh --update, with top_srcdir/top_builddir set);
#  - every option of the table has its own entry in tord.ini(5);
#  - every command-line option in `tord --help` is described in tord(8)
#    (torctl's commands against torctl(1): tests/control_man.sh);
#  - every page in man/ is clean under `mandoc -Tlint -W warning` (style
#    notes are left out: they flag cross-references to pages that are
#    not installed on the build host).
set -u
s=${top_srcdir:-.}
b=${top_builddir:-.}
tord="$b/src/tord"
page="$s/man/tord.ini.5"
begin='^\.\\" BEGIN GENERATED OPTIONS'
end='^\.\\" END GENERATED OPTIONS'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.gen" "$tmp.man"' EXIT

"$tord" --dump-options >"$tmp.gen" || { echo "1..1"; echo "not ok 1 - tord --dump-options failed"; exit 0; }
if [ "${1:-}" = "--update" ]; then
	sed -n "1,/$begin/p" "$page" >"$tmp"
	cat "$tmp.gen" >>"$tmp"
	sed -n "/$end/,\$p" "$page" >>"$tmp"
	cp "$tmp" "$page"
	echo "updated $page"
	exit 0
fi

pages=$(ls "$s"/man/*.[1-9] "$s"/man/*.[1-9].in 2>/dev/null || true)
keys=$(sed -n 's/^\.It Cm \([a-z_]*\) Ar .*/\1/p' "$tmp.gen")
n=$(( 3 + $(echo "$pages" | grep -c .) ))
echo "1..$n"

sed -n "/$begin/,/$end/p" "$page" | sed '1d;$d' >"$tmp.man"
if diff -u "$tmp.gen" "$tmp.man" >"$tmp"; then
	echo "ok 1 - tord.ini.5 option list matches the option table"
else
	echo "not ok 1 - tord.ini.5 option list differs from tord --dump-options (run tests/check_docs.sh --update)"
	sed 's/^/# /' "$tmp"
fi

missing=""
for k in $keys; do
	grep -q "^\.It Cm $k Ar " "$page" || missing="$missing $k"
done
if [ -z "$missing" ] && [ -n "$keys" ]; then
	echo "ok 2 - all $(echo "$keys" | wc -l) options documented in tord.ini.5"
else
	echo "not ok 2 - options missing from tord.ini.5:${missing:- (no options found)}"
fi

flags=$("$tord" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
missing=""
for f in $flags; do
	# tord.8 writes a long option as ".Fl \-name".
	grep -q "Fl \\\\-${f#--}\\>" "$s/man/tord.8" || missing="$missing $f"
done
if [ -z "$missing" ] && [ -n "$flags" ]; then
	echo "ok 3 - all $(echo "$flags" | wc -l) command-line options of tord --help are in tord.8"
else
	echo "not ok 3 - options of tord --help missing from tord.8:${missing:- (none found in --help)}"
fi

i=3
for p in $pages; do
	i=$((i + 1))
	if [ -z "${MANDOC:-}" ] && ! command -v mandoc >/dev/null 2>&1; then
		echo "ok $i - $(basename "$p") # SKIP mandoc not installed"
		continue
	fi
	if out=$("${MANDOC:-mandoc}" -Tlint -W warning "$p" 2>&1); then
		echo "ok $i - mandoc -Tlint $(basename "$p")"
	else
		echo "not ok $i - mandoc -Tlint $(basename "$p")"
		echo "$out" | sed 's/^/# /'
	fi
done
