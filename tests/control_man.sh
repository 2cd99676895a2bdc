#!/bin/sh
# control_man.sh: torctl's command table and man/torctl.1 must agree.
# The commands are taken from `torctl --help` (printed from the table in
# src/tools/torctl.c); each needs an ".It Cm NAME" entry in the COMMANDS
# section of the page, and the page may document no command torctl lacks.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
torctl="$b/src/torctl"
page="$s/man/torctl.1"
if [ ! -x "$torctl" ]; then echo "1..0 # SKIP torctl not built"; exit 0; fi
cmds=$("$torctl" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
documented=$(sed -n '/^\.Sh COMMANDS/,/^\.Sh /p' "$page" | awk '$1 == ".It" && $2 == "Cm" { print $3 }')
n=0
fails=0
for c in $cmds; do
	n=$((n + 1))
	if echo "$documented" | grep -qx -- "$c"; then
		echo "ok $n - torctl $c is documented in torctl(1)"
	else
		echo "not ok $n - torctl $c is missing from man/torctl.1 (.It Cm $c)"
		fails=$((fails + 1))
	fi
done
for d in $documented; do
	n=$((n + 1))
	if echo "$cmds" | grep -qx -- "$d"; then
		echo "ok $n - torctl(1) command $d exists"
	else
		echo "not ok $n - torctl(1) documents $d, which torctl does not have"
		fails=$((fails + 1))
	fi
done
[ -n "$cmds" ] || { n=$((n + 1)); echo "not ok $n - no commands in torctl --help"; fails=1; }
echo "1..$n"
[ $fails -eq 0 ]
