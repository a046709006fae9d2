# Set-up shared by ./demo.sh and ./test.sh (sourced, from the project root):
# installs missing Debian packages (apt-get when root, otherwise prints the
# exact command), then configures and builds into build/gcc.
#
# Knobs: SETUP_PACKAGES adds packages (test.sh adds its own); JOBS.

setup_packages_base="build-essential autoconf automake libtool pkg-config \
collectd-core collectd-dev libstatgrab-dev libjansson-dev libcmocka-dev \
librrd-dev libmicrohttpd-dev python3"

setup_missing_packages() {
  local missing=""
  for pkg in $setup_packages_base ${SETUP_PACKAGES:-}; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $pkg"
    fi
  done
  echo "$missing"
}

setup_install_packages() {
  local missing
  missing=$(setup_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "These Debian packages are missing:$missing" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
    return 1
  fi
  echo "==> installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # collectd-core's maintainer scripts would start a daemon; keep them from
  # doing so on a machine we only build and test on.
  local policy=/usr/sbin/policy-rc.d created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
  fi
  local status=0
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing || status=$?
  [ -n "$created_policy" ] && rm -f "$policy"
  return $status
}

# setup_build DIR [CONFIGURE-ARGS...]: an out-of-tree build in DIR.
setup_build() {
  local dir=$1
  shift
  local jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
  if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
    echo "==> autoreconf"
    autoreconf -fi >/dev/null
  fi
  mkdir -p "$dir"
  if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/config.status" ]; then
    echo "==> configure ($dir)"
    (cd "$dir" && ../../configure --enable-werror -q "$@")
  fi
  echo "==> make ($dir)"
  make -C "$dir" -s -j"$jobs" >/dev/null
}
