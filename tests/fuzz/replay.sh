#!/bin/sh
# Replay every fuzz target's corpus (tests/fuzz/corpus/<name>/) through the
# target built with replay_main.c; one TAP line per target.  A crash or a
# sanitizer report fails that line.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
targets=$(ls "$s"/tests/fuzz/fuzz_*.c 2>/dev/null | sed 's,.*/fuzz_,,; s,\.c$,,')
n=$(echo "$targets" | grep -c . || true)
if [ "$n" -eq 0 ]; then echo "1..0 # SKIP no fuzz targets"; exit 0; fi
echo "1..$n"
i=0
for t in $targets; do
	i=$((i + 1))
	bin="$b/tests/fuzz/fuzz_$t"
	corpus="$s/tests/fuzz/corpus/$t"
	if [ ! -x "$bin" ]; then echo "not ok $i - fuzz_$t: not built"; continue; fi
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then echo "not ok $i - fuzz_$t: empty corpus"; continue; fi
	if out=$("$bin" "$corpus" 2>&1); then
		echo "ok $i - fuzz_$t: $(echo "$out" | tail -n 1)"
	else
		echo "not ok $i - fuzz_$t"; echo "$out" | tail -n 30 | sed 's/^/# /'
	fi
done
