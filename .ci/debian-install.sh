#!/usr/bin/env bash
# .ci/debian-install.sh PACKAGE...: installs Debian packages CI needs, once
# they are missing. A fresh machine may have no package lists yet: the
# install is tried once as it is, then again after `apt-get update`.
set -euo pipefail
if ! apt-get install -y -q "$@" > /dev/null 2>&1; then
  apt-get update -q > /dev/null
  apt-get install -y -q "$@" > /dev/null
fi
