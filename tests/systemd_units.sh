#!/bin/sh
# systemd_units.sh: `make install DESTDIR=...` puts the binaries, the units,
# the sample configs and the man pages in place, and the INSTALLED units
# pass `systemd-analyze verify --root` with no message at all.  Each unit
# runs the installed tord, verifies the config before starting, reloads by
# SIGHUP, restarts on failure, carries its hardening, and agrees with the
# sample config it reads (data_directory = its StateDirectory, control
# socket in its RuntimeDirectory).  TAP output.
set -u
b=${top_builddir:-.}
units="tord-authority.service tord-relay@.service tord-exit@.service tord-client.service"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

[ -f "$b/Makefile" ] || { echo "1..0 # SKIP no Makefile in $b"; exit 0; }
[ -x "$b/src/tord" ] || { echo "1..0 # SKIP $b/src/tord not built"; exit 0; }
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed (scripts/deps test installs it)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tord-units.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# Install into a staging root.  The sub-make leaves the jobserver of a
# surrounding `make -jN check` alone.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$b" install DESTDIR="$root" \
    >"$tmp/install.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - make install DESTDIR=... failed"
	sed 's/^/# /' "$tmp/install.log" | tail -n 20
	exit 1
fi
ok "make install DESTDIR=$root"

# Where things went: found by name, so any --prefix works.
where() { find "$root" -path "*/$1" \( -type f -o -type l \) 2>/dev/null | head -n 1; }
missing=""
for f in sbin/tord bin/torctl bin/tord-demo tord/authority.ini tord/relay.ini tord/exit.ini \
    tord/client.ini man1/torctl.1 man1/tord-demo.1 man5/tord.ini.5 man8/tord.8; do
	[ -n "$(where "$f")" ] || missing="$missing $f"
done
for u in $units; do [ -n "$(where "systemd/system/$u")" ] || missing="$missing $u"; done
[ -z "$missing" ] && ok "installed: tord, torctl, tord-demo, 4 sample configs, 4 man pages, 4 units" ||
    not_ok "not installed:$missing"
unitdir=$(dirname "$(where systemd/system/tord-client.service)")
[ -d "$unitdir" ] || { echo "1..$n"; exit 1; }

# systemd-analyze --root resolves units, dependencies and ExecStart paths
# inside the staging root: give it the host's system units and /bin/kill.
mkdir -p "$root/usr/lib/systemd" "$root/usr/bin" "$root/etc/systemd/system"
cp -R /usr/lib/systemd/system "$root/usr/lib/systemd/" 2>/dev/null ||
    cp -R /lib/systemd/system "$root/usr/lib/systemd/"
for k in /usr/bin/kill /bin/kill; do [ -x "$k" ] && { cp "$k" "$root/usr/bin/kill"; break; }; done
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"
[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
case ${unitdir#"$root"} in
/etc/systemd/system|/usr/lib/systemd/system|/usr/local/lib/systemd/system|/lib/systemd/system) ;;
*) cp "$unitdir"/tord-*.service "$root/etc/systemd/system/" ;;	# a --prefix outside the search path
esac

# Can systemd-analyze verify run here at all?  A known-good unit must pass.
printf '[Unit]\nDescription=probe\n[Service]\nType=exec\nExecStart=/bin/kill -0 1\n' \
    >"$root/etc/systemd/system/tord-probe.service"
if ! systemd-analyze verify --man=no --root="$root" tord-probe.service >"$tmp/probe.out" 2>&1 ||
    [ -s "$tmp/probe.out" ]; then
	echo "# systemd-analyze verify --root cannot run here: $(head -n 1 "$tmp/probe.out")"
	echo "ok $((n + 1)) - systemd-analyze verify # SKIP cannot run in this environment"
	echo "1..$((n + 1))"
	exit 0
fi
rm -f "$root/etc/systemd/system/tord-probe.service"

verify() {	# UNIT-NAME: clean means status 0 and not a single message
	systemd-analyze verify --man=no --root="$root" "$1" >"$tmp/v.out" 2>&1 && [ ! -s "$tmp/v.out" ]
}

for u in $units; do
	src=$unitdir/$u
	# A template is verified as an instance named after its sample config.
	case "$u" in
	tord-relay@.service) i=relay; inst=tord-relay@relay.service ;;
	tord-exit@.service) i=exit; inst=tord-exit@exit.service ;;
	*) i=; inst=$u ;;
	esac
	exe=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$src")
	cfg=$(sed -n 's/^ExecStart=.* -f \([^ ]*\)$/\1/p' "$src" | sed "s/%i/$i/g")
	if [ -x "$root$exe" ] && cmp -s "$root$exe" "$b/src/tord"; then
		ok "$u: ExecStart runs the installed tord ($exe)"
	else
		not_ok "$u: ExecStart $exe is not the installed tord"
	fi
	if grep -n '@[a-z_]*@' "$src" >"$tmp/at.out"; then
		not_ok "$u: unsubstituted placeholders: $(cat "$tmp/at.out")"
	else
		ok "$u: all placeholders substituted"
	fi
	if verify "$inst"; then
		ok "$u: systemd-analyze verify --root clean ($inst)"
	else
		not_ok "$u: systemd-analyze verify --root ($inst)"
		sed 's/^/# /' "$tmp/v.out"
	fi
	missing=""
	for d in 'ExecStartPre=[^ ]*/tord --verify-config -f ' 'ExecStart=[^ ]*/tord --foreground -f ' \
	    'ExecReload=/bin/kill -HUP \$MAINPID' 'Restart=on-failure' 'NoNewPrivileges=yes' \
	    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	    'DynamicUser=yes' 'StateDirectory=tord-' 'RuntimeDirectory=tord-' 'UMask=0077' \
	    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' 'CapabilityBoundingSet=$' \
	    'Documentation=man:tord(8) man:tord.ini(5)'; do
		grep -q "^$d" "$src" || missing="$missing [$d]"
	done
	case "$u" in tord-relay@*|tord-exit@*|tord-authority*)
		grep -q '^LimitNOFILE=65536$' "$src" || missing="$missing [LimitNOFILE]" ;;
	esac
	[ -z "$missing" ] && ok "$u: hardening and lifecycle directives present" ||
	    not_ok "$u: missing$missing"
	# The unit and the config it reads agree on where state lives.
	state=$(sed -n 's/^StateDirectory=//p' "$src" | sed "s/%i/$i/g")
	run=$(sed -n 's/^RuntimeDirectory=//p' "$src" | sed "s/%i/$i/g")
	dd=$(sed -n 's/^data_directory *= *//p' "$root$cfg" 2>/dev/null)
	cs=$(sed -n 's/^control_socket *= *//p' "$root$cfg" 2>/dev/null)
	if [ -f "$root$cfg" ] && [ "$dd" = "/var/lib/$state" ] && [ "${cs%/*}" = "/run/$run" ]; then
		ok "$u: reads installed $cfg; data_directory is its StateDirectory, control socket in its RuntimeDirectory"
	else
		not_ok "$u: config $cfg (exists: $([ -f "$root$cfg" ] && echo yes || echo no)) data_directory=$dd control_socket=$cs vs /var/lib/$state, /run/$run"
	fi
done

# The installed tord accepts every installed sample config.
bad=""
for c in authority relay exit client; do
	f=$(where "tord/$c.ini")
	"$root$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$unitdir/tord-client.service")" \
	    --verify-config -f "$f" >"$tmp/vc.out" 2>&1 || bad="$bad $c: $(head -n 2 "$tmp/vc.out" | tr '\n' ' ')"
done
[ -z "$bad" ] && ok "installed tord --verify-config accepts every installed sample config" ||
    not_ok "sample configs rejected:$bad"

# The check itself must be able to fail: a broken copy is reported.
sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' "$unitdir/tord-client.service" \
    >"$root/etc/systemd/system/tord-broken.service"
verify tord-broken.service && not_ok "a broken unit passed verify" ||
    ok "a broken unit is reported (the check can fail)"

echo "1..$n"
[ $failed -eq 0 ]
