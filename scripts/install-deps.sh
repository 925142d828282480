#!/bin/sh
# Install the Debian 12 packages mailsift builds and tests with.
# Run as root (or with sudo). Safe to run again.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# postfix (milter integration test) must not ask how to configure itself
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    build-essential cmake pkg-config clang libclang-rt-14-dev clang-format \
    libhyperscan-dev libyaml-dev libjansson-dev libmagic-dev libyara-dev libarchive-dev libpoppler-glib-dev libqpdf-dev libclamav-dev \
    libpcre2-dev libcmocka-dev libgmime-3.0-dev python3 ca-certificates \
    libmilter-dev libhiredis-dev postfix swaks redis-server \
    chromium
