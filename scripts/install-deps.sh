#!/bin/sh
# Install the Debian 12 packages mailsift builds and tests with.
# Run as root (or with sudo). Safe to run again.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    build-essential cmake pkg-config clang libclang-rt-14-dev clang-format \
    libhyperscan-dev libyaml-dev libjansson-dev libmagic-dev \
    libpcre2-dev libcmocka-dev libgmime-3.0-dev python3 ca-certificates
