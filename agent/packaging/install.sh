#!/bin/sh
# Installs vigil-agent on a Debian host with Node.js >= 20 as a systemd service.
#
#   sudo ./install.sh vigil-agent-0.1.0.tgz        # a tarball made by `npm pack --workspace @vigil/agent`
#   sudo VIGIL_URL=http://vigil:9400 VIGIL_API_KEY=... ./install.sh vigil-agent-0.1.0.tgz
#
# What it does (idempotent; safe to re-run for upgrades):
#   1. checks Node.js >= 20;
#   2. creates the system user "vigil-agent" (member of "adm" so it can read /var/log);
#   3. installs the package and its dependencies under /opt/vigil-agent;
#   4. writes /etc/vigil-agent/config.yml (only if missing) and /etc/vigil-agent/api.key (if
#      VIGIL_API_KEY is set), readable by the service user only;
#   5. creates /var/lib/vigil-agent, installs vigil-agent.service, validates the config and
#      enables and (re)starts the service.
# Environment: PREFIX (/opt/vigil-agent), ETC_DIR (/etc/vigil-agent), STATE_DIR
# (/var/lib/vigil-agent), UNIT_DIR (/etc/systemd/system), NO_SYSTEMD=1 to skip systemctl,
# NO_USER=1 to skip creating the user (both for testing in a container).
set -eu

TARBALL=${1:-}
PREFIX=${PREFIX:-/opt/vigil-agent}
ETC_DIR=${ETC_DIR:-/etc/vigil-agent}
STATE_DIR=${STATE_DIR:-/var/lib/vigil-agent}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
USER_NAME=vigil-agent
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "install.sh: $*" >&2; exit 1; }

[ -n "$TARBALL" ] || die "usage: $0 vigil-agent-<version>.tgz"
[ -f "$TARBALL" ] || die "no such file: $TARBALL"
NODE=$(command -v node) || die "Node.js is not installed (need >= 20)"
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node.js $("$NODE" -v) is too old (need >= 20)"
command -v npm >/dev/null || die "npm is not installed"

if [ "${NO_USER:-}" != 1 ]; then
  if ! id -u "$USER_NAME" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$STATE_DIR" --shell /usr/sbin/nologin "$USER_NAME"
  fi
  getent group adm >/dev/null && usermod -a -G adm "$USER_NAME"
  OWNER="$USER_NAME:$USER_NAME"
else
  OWNER="$(id -u):$(id -g)"
fi

mkdir -p "$PREFIX"
TARBALL_ABS=$(cd "$(dirname "$TARBALL")" && pwd)/$(basename "$TARBALL")
npm install --prefix "$PREFIX" --omit=dev --no-audit --no-fund "$TARBALL_ABS"
APP="$PREFIX/node_modules/@vigil/agent"
[ -f "$APP/dist/bin/vigil-agent.js" ] || die "the tarball has no dist/ (run npm run build first)"
ln -sf "$APP/dist/bin/vigil-agent.js" "$PREFIX/vigil-agent"
chmod 755 "$APP/dist/bin/vigil-agent.js"

mkdir -p "$ETC_DIR"
if [ ! -f "$ETC_DIR/config.yml" ]; then
  sed -e "s#url: http://127.0.0.1:9400 #url: ${VIGIL_URL:-http://127.0.0.1:9400} #" \
      -e "s#apiKeyFile: /etc/vigil-agent/api.key#apiKeyFile: $ETC_DIR/api.key#" \
      -e "s#^stateDir: /var/lib/vigil-agent#stateDir: $STATE_DIR#" \
      "$HERE/config.example.yml" > "$ETC_DIR/config.yml"
fi
if [ -n "${VIGIL_API_KEY:-}" ]; then
  umask 077
  printf '%s\n' "$VIGIL_API_KEY" > "$ETC_DIR/api.key"
fi
[ -f "$ETC_DIR/api.key" ] || { umask 077; : > "$ETC_DIR/api.key"; }
chown -R "root:${OWNER#*:}" "$ETC_DIR"
chmod 750 "$ETC_DIR"; chmod 640 "$ETC_DIR/config.yml" "$ETC_DIR/api.key"

mkdir -p "$STATE_DIR"
chown "$OWNER" "$STATE_DIR"
chmod 750 "$STATE_DIR"

mkdir -p "$UNIT_DIR"
sed -e "s#@NODE@#$NODE#g" -e "s#@APP@#$APP#g" -e "s#/etc/vigil-agent/#$ETC_DIR/#g" \
    "$HERE/vigil-agent.service" > "$UNIT_DIR/vigil-agent.service"

if [ "${NO_SYSTEMD:-}" != 1 ]; then
  systemctl daemon-reload
  systemctl enable vigil-agent.service
fi
if [ ! -s "$ETC_DIR/api.key" ]; then
  echo "vigil-agent installed but not started: put the API key in $ETC_DIR/api.key," >&2
  echo "check $ETC_DIR/config.yml, then: systemctl start vigil-agent" >&2
  exit 0
fi
"$NODE" "$APP/dist/bin/vigil-agent.js" check-config --config "$ETC_DIR/config.yml"
if [ "${NO_SYSTEMD:-}" != 1 ]; then
  systemctl restart vigil-agent.service
  echo "vigil-agent installed and started: systemctl status vigil-agent; journalctl -u vigil-agent"
else
  echo "vigil-agent installed (systemd skipped): $NODE $APP/dist/bin/vigil-agent.js --config $ETC_DIR/config.yml"
fi
