#!/usr/bin/env bash
# The Debian packages as an operator gets them: built with CPack from this build tree; their files,
# control data and maintainer scripts checked with dpkg-deb; lintian with no errors; the systemd
# unit verified; the desktop entry and AppStream metainfo validated; and the packaged programs run
# from an extracted tree: the relay set up, served and asked for /healthz, then a small demo
# meeting held on it and audited by the packaged cmeet-cli.
# Usage: test-packages.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
relay_pid=
cleanup() {
  [[ -n "$relay_pid" ]] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cpack"
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack could not build the packages"; }
app=$(ls "$work"/out/cmeet_*.deb)
relay=$(ls "$work"/out/cmeet-relay_*.deb)

step "contents"
dpkg-deb -c "$app" >"$work/app.list"
dpkg-deb -c "$relay" >"$work/relay.list"
files() { awk '{print $6}' "$1" | sed 's|^\./|/|'; }
for file in /usr/bin/cmeet /usr/bin/cmeet-cli /usr/bin/cmeet-audit /usr/share/applications/org.cmeet.Cmeet.desktop \
            /usr/share/icons/hicolor/scalable/apps/org.cmeet.Cmeet.svg /usr/share/metainfo/org.cmeet.Cmeet.metainfo.xml \
            /usr/share/doc/cmeet/copyright /usr/share/doc/cmeet/changelog.gz; do
  files "$work/app.list" | grep -x "$file" >/dev/null || fail "cmeet lacks $file"
done
for file in /usr/bin/cmeet-relay /lib/systemd/system/cmeet-relay.service /etc/cmeet/relay.ini \
            /usr/share/doc/cmeet-relay/operations.md /usr/share/doc/cmeet-relay/copyright; do
  files "$work/relay.list" | grep -x "$file" >/dev/null || fail "cmeet-relay lacks $file"
done
files "$work/app.list" | grep '/cmeet-relay$' >/dev/null && fail "the app package holds the relay"
files "$work/relay.list" | grep -E '/bin/cmeet(-cli|-audit)?$' >/dev/null && fail "the relay package holds the app"

step "control data"
grep -q 'libqt6widgets6' <<<"$(dpkg-deb -f "$app" Depends)" || fail "cmeet does not depend on Qt Widgets: $(dpkg-deb -f "$app" Depends)"
grep -q 'adduser' <<<"$(dpkg-deb -f "$relay" Depends)" || fail "cmeet-relay does not depend on adduser"
grep -q 'libtcmalloc-minimal4' <<<"$(dpkg-deb -f "$relay" Depends)" || fail "cmeet-relay does not depend on tcmalloc"
[[ "$(dpkg-deb -I "$relay" conffiles)" == "/etc/cmeet/relay.ini" ]] || fail "relay.ini is not a conffile"
grep -q 'adduser --system' <<<"$(dpkg-deb -I "$relay" postinst)" || fail "postinst does not create the system user"
awk '$2 != "root/root" {exit 1}' "$work/app.list" "$work/relay.list" || fail "files not owned by root"

step "lintian"
lintian --fail-on error --no-tag-display-limit "$app" "$relay" >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian found errors"; }
grep -E '^[EW]:' "$work/lintian.log" || true

step "systemd unit, desktop entry, AppStream metainfo"
mkdir "$work/root"
dpkg-deb -x "$relay" "$work/root"
dpkg-deb -x "$app" "$work/root"
unit=$work/root/lib/systemd/system/cmeet-relay.service
# Verified with ExecStart pointing into the extracted tree (nothing is installed here); any
# complaint fails: systemd-analyze exits 0 on unknown or misspelt settings, only saying so.
sed "s|^ExecStart=/usr/bin/cmeet-relay|ExecStart=$work/root/usr/bin/cmeet-relay|" "$unit" >"$work/cmeet-relay.service"
systemd-analyze verify "$work/cmeet-relay.service" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "systemd-analyze verify"; }
[[ ! -s "$work/verify.log" ]] || { cat "$work/verify.log"; fail "systemd-analyze verify has complaints"; }
for setting in 'User=cmeet-relay' 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
               'LoadCredential=passphrase:/etc/cmeet/relay-passphrase' 'StateDirectory=cmeet-relay'; do
  grep -qx "$setting" "$unit" || fail "the unit lacks $setting"
done
desktop-file-validate "$work/root/usr/share/applications/org.cmeet.Cmeet.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$work/root/usr/share/metainfo/org.cmeet.Cmeet.metainfo.xml" || fail "appstreamcli validate"

step "the packaged programs"
bin=$work/root/usr/bin
for program in cmeet-relay cmeet-cli cmeet-audit; do
  grep -q 'Usage:' <<<"$("$bin/$program" --help)" || fail "$program --help"
done
grep -q 'Usage:' <<<"$(QT_QPA_PLATFORM=offscreen "$bin/cmeet" --help)" || fail "cmeet --help"
# The relay as the unit runs it: settings from an INI file, the passphrase as a credential.
mkdir -p "$work/credentials" "$work/data"
printf 'packaged relay test\n' >"$work/credentials/passphrase"
sed "s|^data-dir=.*|data-dir=$work/data|; s|^port=.*|port=0|; s|^monitor-port=.*|monitor-port=0|" \
  "$work/root/etc/cmeet/relay.ini" >"$work/relay.ini"
CMEET_RELAY_PASSPHRASE='packaged relay test' "$bin/cmeet-relay" init --config "$work/relay.ini" >/dev/null
CREDENTIALS_DIRECTORY=$work/credentials "$bin/cmeet-relay" serve --config "$work/relay.ini" >"$work/serve.log" 2>&1 &
relay_pid=$!
for _ in $(seq 100); do grep -q 'monitoring on' "$work/serve.log" && break; sleep 0.1; done
port=$(sed -n 's|.*monitoring on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.log")
[[ -n "$port" ]] || { cat "$work/serve.log"; fail "the packaged relay did not start"; }
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&3
health=$(cat <&3)
exec 3<&-
grep -q '200 OK' <<<"$health" && grep -q '"status":"ok"' <<<"$health" || fail "/healthz: $health"
kill "$relay_pid"
wait "$relay_pid" 2>/dev/null || true
relay_pid=
# A small meeting held with the packaged cmeet-cli on the packaged relay, then audited.
demo=$(QT_QPA_PLATFORM=offscreen "$bin/cmeet-cli" demo --no-chain --participants 2 --patients 1 --comments 1 \
         --relay-binary "$bin/cmeet-relay" --data-dir "$work/demo" 2>&1) || { echo "$demo"; fail "the packaged demo"; }
grep -q 'Audit of the meeting file (cmeet-audit verify): ' <<<"$demo" || { echo "$demo"; fail "the packaged demo did not audit"; }
code=0
"$bin/cmeet-audit" verify "$work/demo/meeting.cmeet" >/dev/null || code=$?
[[ $code -eq 0 || $code -eq 2 ]] || fail "cmeet-audit verify of the packaged demo's file: exit $code"
echo "packages OK: $(basename "$app") $(du -h "$app" | cut -f1), $(basename "$relay") $(du -h "$relay" | cut -f1)"
