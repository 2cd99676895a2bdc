#!/bin/sh
# systemd_units.sh: the generated systemd units (etc/systemd/*.service) pass
# `systemd-analyze verify` with no warning, carry the hardening they promise,
# and have no unsubstituted @placeholders@.  The ExecStart binary is pointed
# at the freshly built src/tord, since nothing is installed yet.
set -u
b=${top_builddir:-.}
units="tord-authority.service tord-relay@.service tord-exit@.service tord-client.service"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

for u in $units; do
	[ -f "$b/etc/systemd/$u" ] || { echo "1..0 # SKIP $b/etc/systemd/$u not generated (run make)"; exit 0; }
done
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed (scripts/deps test installs it)"
	exit 0
fi
[ -x "$b/src/tord" ] || { echo "1..0 # SKIP $b/src/tord not built"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tord-units.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sbin" "$tmp/units"
cp "$b/src/tord" "$tmp/sbin/tord"

# Can systemd-analyze verify run here at all?  A known-good unit must pass.
printf '[Unit]\nDescription=probe\n[Service]\nType=exec\nExecStart=/bin/true\n' >"$tmp/units/probe.service"
if ! systemd-analyze verify --man=no "$tmp/units/probe.service" >"$tmp/probe.out" 2>&1; then
	echo "1..0 # SKIP systemd-analyze verify cannot run in this environment: $(head -n 1 "$tmp/probe.out")"
	exit 0
fi

for u in $units; do
	src=$b/etc/systemd/$u
	# A template is verified as an instance of itself.
	case "$u" in *@.service) inst=${u%@.service}@test.service ;; *) inst=$u ;; esac
	exe=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$src")
	case "$exe" in
	/*/tord) ok "$u: ExecStart runs $exe" ;;
	*) not_ok "$u: ExecStart is not an absolute tord path: $exe" ;;
	esac
	if grep -n '@[a-z_]*@' "$src" >"$tmp/at.out"; then
		not_ok "$u: unsubstituted placeholders: $(cat "$tmp/at.out")"
	else
		ok "$u: all placeholders substituted"
	fi
	sed "s|$exe|$tmp/sbin/tord|g" "$src" >"$tmp/units/$inst"
	if systemd-analyze verify --man=no "$tmp/units/$inst" >"$tmp/v.out" 2>&1 && [ ! -s "$tmp/v.out" ]; then
		ok "$u: systemd-analyze verify clean"
	else
		not_ok "$u: systemd-analyze verify"
		sed 's/^/# /' "$tmp/v.out"
	fi
	missing=""
	for d in 'ExecStartPre=[^ ]*/tord --verify-config -f ' 'ExecStart=[^ ]*/tord --foreground -f ' \
	    'ExecReload=/bin/kill -HUP \$MAINPID' 'Restart=on-failure' 'NoNewPrivileges=yes' \
	    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	    'DynamicUser=yes' 'StateDirectory=tord-' 'RuntimeDirectory=tord-' \
	    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' 'CapabilityBoundingSet=$' \
	    'Documentation=man:tord(8) man:tord.ini(5)'; do
		grep -q "^$d" "$src" || missing="$missing [$d]"
	done
	case "$u" in tord-relay@*|tord-exit@*|tord-authority*)
		grep -q '^LimitNOFILE=65536$' "$src" || missing="$missing [LimitNOFILE]" ;;
	esac
	[ -z "$missing" ] && ok "$u: hardening and lifecycle directives present" ||
	    not_ok "$u: missing$missing"
done

# The check itself must be able to fail: a broken copy is reported.
sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' "$tmp/units/tord-client.service" >"$tmp/units/broken.service"
systemd-analyze verify --man=no "$tmp/units/broken.service" >"$tmp/v.out" 2>&1
[ -s "$tmp/v.out" ] && ok "a broken unit is reported (the check can fail)" || not_ok "broken unit passed verify"

echo "1..$n"
[ $failed -eq 0 ]
