#!/bin/sh
# Golden tests of configuration checking (TAP):
#  - every tests/config/bad/NAME.ini makes `tord --verify-config` exit 1
#    with exactly the messages of NAME.expected on stderr;
#  - every tests/config/good/*.ini and every sample etc/tord/*.ini is OK.
# Files are checked from their own directory so messages name them
# without a path.  To accept new output after a deliberate change:
#   cd tests/config/bad && for f in *.ini; do tord --verify-config -f $f 2> ${f%.ini}.expected; done
set -u
s=${top_srcdir:-.}
b=${top_builddir:-.}
tord="$b/src/tord"
case $tord in /*) ;; *) tord="$(pwd)/$tord" ;; esac
bad=$(ls "$s"/tests/config/bad/*.ini)
good=$(ls "$s"/tests/config/good/*.ini "$s"/etc/tord/*.ini)
n=$(( $(echo "$bad" | wc -l) + $(echo "$good" | wc -l) ))
echo "1..$n"
i=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in $bad; do
	i=$((i + 1))
	name=$(basename "$f" .ini)
	rc=0
	(cd "$(dirname "$f")" && "$tord" --verify-config -f "$name.ini") >/dev/null 2>"$tmp" || rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "not ok $i - bad/$name.ini: exit status $rc, expected 1"
	elif ! diff -u "$(dirname "$f")/$name.expected" "$tmp" >"$tmp.diff"; then
		echo "not ok $i - bad/$name.ini: messages differ"
		sed 's/^/# /' "$tmp.diff"
	else
		echo "ok $i - bad/$name.ini"
	fi
	rm -f "$tmp.diff"
done
for f in $good; do
	i=$((i + 1))
	name=$(basename "$f")
	out=$(cd "$(dirname "$f")" && "$tord" --verify-config -f "$name" 2>&1)
	if [ "$?" -eq 0 ] && [ "$out" = "$name: configuration OK" ]; then
		echo "ok $i - $name"
	else
		echo "not ok $i - $name"
		echo "$out" | sed 's/^/# /'
	fi
done
