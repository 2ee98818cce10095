#!/bin/sh
# quickstart.sh - from a fresh Debian 12 checkout to a generated theme:
# installs the Debian packages that are missing (apt, through sudo when not
# root), builds in the source tree, and runs the watcher on bundled tracks
# played by a private MPD, showing each theme with --preview.  Safe to run again: it only does what is
# still missing (set RTG_QUICKSTART_RECONFIGURE=1 to force configure).
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)

# Build: compiler, autotools, pkg-config, libraries (stb_image, libmpdclient,
# libconfig; libwebp and libjpeg-turbo are optional but wanted).  Tests:
# python3 (JSON and theme audits), mpd + mpc (the watcher's tests start
# private MPD instances), zsh (the zsh completion's test).
PACKAGES="build-essential autoconf automake pkg-config
libstb-dev libmpdclient-dev libconfig-dev libwebp-dev libjpeg62-turbo-dev libdeflate-dev libisal-dev zlib1g-dev
python3 mpd mpc zsh"

say() { printf '==> %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_missing() {
	missing=
	for p in $PACKAGES; do
		installed "$p" || missing="$missing $p"
	done
	[ -n "$missing" ] || { say "Debian packages: all present"; return 0; }
	command -v apt-get >/dev/null || die "apt-get not found: install$missing by hand"
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null; then
		sudo=sudo
	else
		die "not root and no sudo: install$missing as root"
	fi
	mpd_was_installed=no
	installed mpd && mpd_was_installed=yes
	say "installing:$missing"
	$sudo apt-get update -q
	# The tests run their own MPD; the system-wide one is not wanted.
	# policy-rc.d stops the package from starting it now ...
	policy=no
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod 755 /usr/sbin/policy-rc.d
		policy=yes
	fi
	status=0
	$sudo env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $missing || status=$?
	[ "$policy" = no ] || $sudo rm -f /usr/sbin/policy-rc.d
	[ "$status" -eq 0 ] || die "apt-get install failed"
	# ... and, on a systemd machine, from starting at the next boot.
	if [ "$mpd_was_installed" = no ] && [ -d /run/systemd/system ]; then
		$sudo systemctl disable --quiet mpd.service mpd.socket 2>/dev/null || :
		say "mpd installed for the tests; its system service is left disabled"
	fi
}

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
		say "autoreconf -fi"
		autoreconf -fi
	fi
	if [ ! -f Makefile ] || [ "${RTG_QUICKSTART_RECONFIGURE:-0}" = 1 ]; then
		say "./configure"
		./configure -q
	fi
	say "make"
	make -j"$(nproc 2>/dev/null || echo 2)"
}

# The main job on the bundled default: a private MPD plays the bundled
# tracks, the watcher themes each track change into a temporary path and
# every theme is shown with --preview (tools/demo.sh; your MPD and your rmpc
# theme are not touched, everything is removed at the end).
demo() {
	say "sh tools/demo.sh (private MPD, watcher, one theme per track)"
	sh tools/demo.sh .
	say "next: make check (the test suite), sudo make install, see README.md"
}

install_missing
build
demo
