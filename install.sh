#!/bin/sh
# Installs pier from a release: downloads the archive for this machine, checks the Ed25519
# signature of SHA256SUMS with pier's release key (built into this script) and the archive's
# SHA-256 against it, and only then installs the binary.
#
#   curl -fsSL BASE_URL/install.sh | sh
#   curl -fsSL BASE_URL/install.sh | sh -s -- --version 0.2.0 --service
#   sh install.sh --help
#
# Needs a POSIX sh, curl or wget, tar, xz or gzip, and openssl (1.1.1 or later) or ssh-keygen
# (OpenSSH 8.1 or later) to check the signature. This file in the source tree is a template:
# `make release` fills in the key and the download location (see docs/operations.md).
set -eu

release_base_url='@PIER_RELEASE_BASE_URL@'
key_minisign='@PIER_RELEASE_KEY_MINISIGN@'
key_spki='@PIER_RELEASE_KEY_SPKI@'
key_ssh='@PIER_RELEASE_KEY_SSH@'

# Exit codes: 1 something failed (download, verification, install), 2 bad arguments,
# 3 this machine is not one pier runs on.
say() { printf 'pier-install: %s\n' "$*"; }
warn() { printf 'pier-install: warning: %s\n' "$*" >&2; }
die() {
  printf 'pier-install: error: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'pier-install: %s\nRun "sh install.sh --help" for the options.\n' "$*" >&2
  exit 2
}
unsupported() {
  printf 'pier-install: this machine is not supported: %s\n' "$*" >&2
  exit 3
}

usage() {
  cat <<'EOF'
Install pier, a self-hosted deployment platform in one binary.

Usage: sh install.sh [options]      (or: curl -fsSL URL/install.sh | sh -s -- [options])

Options:
  --version VERSION          install this version (default: the latest release)
  --prefix DIR               install to DIR/bin/pier (default: /usr/local as root, else ~/.local)
  --service                  then install and start the systemd service (`pier service install`; root)
  --base-url URL             where releases are published (default: where this script came from)
  --no-doctor                do not run `pier doctor` at the end
  --insecure-skip-signature  install without checking the release signature (the SHA-256 digests
                             are still checked); only for hosts with neither openssl nor ssh-keygen,
                             after checking SHA256SUMS yourself (docs/operations.md)
  -h, --help                 show this help

Exit status: 0 installed, 1 failed (nothing was installed unless it says so), 2 bad arguments,
3 this machine is not one pier runs on.
EOF
}

version=latest
prefix=
service=0
run_doctor=1
skip_signature=0
base_url=$release_base_url
while [ $# -gt 0 ]; do
  case $1 in
  --version | --prefix | --base-url)
    if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
    case $1 in
    --version) version=$2 ;;
    --prefix) prefix=$2 ;;
    --base-url) base_url=$2 ;;
    esac
    shift 2
    ;;
  --version=*) version=${1#*=} && shift ;;
  --prefix=*) prefix=${1#*=} && shift ;;
  --base-url=*) base_url=${1#*=} && shift ;;
  --service) service=1 && shift ;;
  --no-doctor) run_doctor=0 && shift ;;
  --insecure-skip-signature) skip_signature=1 && shift ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) usage_error "unknown option: $1" ;;
  esac
done

# Base64 never contains '@': an '@' means the template was not filled in by `make release`.
case $key_minisign$key_spki$key_ssh in
*@*) die "this install.sh is the template from pier's source tree and has no release key built in: use the install.sh published with a release (BASE_URL/install.sh), or make one with \`make release\`" ;;
esac
case $base_url in
'') usage_error "no download location is built into this script: pass --base-url URL (the address install.sh was downloaded from, without /install.sh)" ;;
http://* | https://*) base_url=${base_url%/} ;;
*) usage_error "--base-url must be an http:// or https:// URL, got: $base_url" ;;
esac
case $version in
latest) ;;
[0-9]*.[0-9]*.[0-9]*) ;;
*) usage_error "--version must look like 1.2.3, got: $version" ;;
esac
case $version in *[!0-9A-Za-z.+-]*) usage_error "--version must look like 1.2.3, got: $version" ;; esac
if [ "$service" = 1 ]; then
  [ "$(uname -s 2>/dev/null)" = Linux ] || usage_error "--service installs a systemd unit: Linux only"
  [ "$(id -u)" = 0 ] || usage_error "--service needs root: run it with sudo (curl … | sudo sh -s -- --service)"
fi

# --- Which build of pier fits this machine -------------------------------------------------
userland_bits() {
  # A 64-bit kernel can run a 32-bit userland (Raspberry Pi OS 32-bit on a Pi 4 says aarch64):
  # what counts is the word size of the programs, so ask getconf, else the shell's ELF class.
  bits=$(getconf LONG_BIT 2>/dev/null || true)
  case $bits in 32 | 64)
    echo "$bits"
    return
    ;;
  esac
  class=$(od -An -tx1 -j4 -N1 /bin/sh 2>/dev/null | tr -d ' \n' || true)
  case $class in 01) echo 32 ;; 02) echo 64 ;; *) echo unknown ;; esac
}

detect_target() {
  os=$(uname -s 2>/dev/null || echo unknown)
  machine=$(uname -m 2>/dev/null || echo unknown)
  case $os in
  Linux) os_name=linux ;;
  Darwin) os_name=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT)
    unsupported "Windows ($os). Run pier in WSL 2: install a Linux distribution (Ubuntu or Debian) in WSL and run this script inside it."
    ;;
  *)
    unsupported "pier runs on Linux and macOS, and this is $os. Run it in a Linux virtual machine (Debian or Ubuntu, x86_64 or arm64) on this host instead."
    ;;
  esac
  case $machine in
  x86_64 | amd64) cpu=x64 ;;
  aarch64 | arm64) cpu=arm64 ;;
  armv8l | armv7* | armv6* | armv5* | arm | armhf | armel)
    unsupported "a 32-bit ARM system ($machine); pier needs 64-bit ARM (arm64). On a Raspberry Pi 3, 4 or 5 install a 64-bit OS (Raspberry Pi OS 64-bit, Ubuntu Server arm64) and run this again; boards with 32-bit CPUs (Pi 1, Pi Zero, Pi 2 before v1.2) cannot run pier."
    ;;
  i386 | i486 | i586 | i686 | x86)
    unsupported "a 32-bit x86 system ($machine); pier needs x86_64. Install the 64-bit (amd64) edition of the OS if the CPU has one, or use another machine."
    ;;
  *)
    unsupported "pier is built for x86_64 and arm64 CPUs, and this one is '$machine'."
    ;;
  esac

  if [ "$os_name" = darwin ] && [ "$cpu" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
    cpu=arm64 # a shell under Rosetta on Apple silicon: the native build is the right one
  fi

  if [ "$os_name" = linux ]; then
    bits=$(userland_bits)
    if [ "$bits" = 32 ]; then
      unsupported "a 64-bit CPU ($machine) running a 32-bit system; pier's binary needs a 64-bit userland. Install the 64-bit edition of the OS (on a Raspberry Pi: Raspberry Pi OS 64-bit) and run this again."
    fi
    case $cpu in
    x64) loader=/lib64/ld-linux-x86-64.so.2 ;;
    arm64) loader=/lib/ld-linux-aarch64.so.1 ;;
    esac
    if [ ! -e "$loader" ]; then
      if ls /lib/ld-musl-* >/dev/null 2>&1; then
        unsupported "a musl-based system (such as Alpine); pier's Linux builds need glibc. Use a glibc distribution (Debian, Ubuntu, Fedora, …), or run pier in a Debian container."
      fi
      unsupported "glibc's dynamic loader ($loader) is missing, and pier's Linux builds need glibc. Use a glibc distribution such as Debian or Ubuntu."
    fi
  fi

  if [ "$cpu" = x64 ]; then
    # Bun's x64 runtime, and so pier's, is built for AVX2 CPUs: without it the binary dies with
    # "Illegal instruction" at its first line.
    avx2=unknown
    if [ "$os_name" = linux ] && [ -r /proc/cpuinfo ]; then
      if grep -qw avx2 /proc/cpuinfo; then avx2=yes; else avx2=no; fi
    elif [ "$os_name" = darwin ]; then
      if sysctl -n machdep.cpu.leaf7_features 2>/dev/null | grep -qw AVX2; then avx2=yes; else avx2=no; fi
    fi
    if [ "$avx2" = no ]; then
      unsupported "this x86_64 CPU lacks AVX2, which pier's x64 build needs (Intel Haswell or AMD Excavator, 2013, and later). On a virtual machine, give it the host's CPU model (e.g. 'host-passthrough'); otherwise build pier from source with --target=bun-linux-x64-baseline."
    fi
  fi
  target=$os_name-$cpu
}

# --- Tools ------------------------------------------------------------------------------------
need_tools() {
  if command -v curl >/dev/null 2>&1; then
    downloader=curl
  elif command -v wget >/dev/null 2>&1; then
    downloader=wget
  else
    die "neither curl nor wget is installed: install one (Debian/Ubuntu: apt-get install curl) and run this again"
  fi
  command -v tar >/dev/null 2>&1 || die "tar is not installed: install it (Debian/Ubuntu: apt-get install tar) and run this again"
  if command -v xz >/dev/null 2>&1; then
    format=tar.xz
  elif command -v gzip >/dev/null 2>&1; then
    format=tar.gz
  else
    die "neither xz nor gzip is installed: install one (Debian/Ubuntu: apt-get install xz-utils) and run this again"
  fi
  if command -v sha256sum >/dev/null 2>&1; then
    hasher=sha256sum
  elif command -v shasum >/dev/null 2>&1; then
    hasher=shasum
  elif command -v openssl >/dev/null 2>&1; then
    hasher=openssl
  else
    die "no SHA-256 tool (sha256sum, shasum or openssl) is installed: install coreutils or openssl and run this again"
  fi
}

fetch() {
  case $downloader in
  curl) curl -fsSL --proto '=http,https' --retry 2 -o "$2" "$1" ;;
  wget) wget -q -O "$2" "$1" ;;
  esac
}

sha256_of() {
  case $hasher in
  sha256sum) sha256sum "$1" | cut -d ' ' -f 1 ;;
  shasum) shasum -a 256 "$1" | cut -d ' ' -f 1 ;;
  openssl) openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1 ;;
  esac
}

hex_bytes() { # FILE SKIP COUNT: those bytes of FILE in hex
  dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | od -An -tx1 | tr -d ' \n'
}

# --- Signature of SHA256SUMS ------------------------------------------------------------------
# Each verifier answers 0 (verified), 1 (checked, and it does NOT verify) or 2 (cannot check here).
verify_with_openssl() {
  command -v openssl >/dev/null 2>&1 || return 2
  printf -- '-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n' "$key_spki" >"$work/release-key.pem"
  # LibreSSL (macOS) and OpenSSL before 1.1.1 cannot read an Ed25519 key: not a bad signature.
  openssl pkey -pubin -in "$work/release-key.pem" -noout >/dev/null 2>&1 || return 2
  # SHA256SUMS.minisig (minisign's format): line 2 is base64 of "Ed" + key id (8) + signature (64),
  # line 3 the trusted comment, line 4 the signature of signature + trusted comment.
  sed -n 2p "$work/SHA256SUMS.minisig" | openssl base64 -d -A >"$work/minisig.bin" 2>/dev/null || return 1
  printf '%s' "$key_minisign" | openssl base64 -d -A >"$work/key.bin" 2>/dev/null || return 1
  [ "$(wc -c <"$work/minisig.bin" | tr -d ' ')" = 74 ] || return 1
  [ "$(hex_bytes "$work/minisig.bin" 0 2)" = 4564 ] || return 1 # "Ed": Ed25519 over the file itself
  if [ "$(hex_bytes "$work/minisig.bin" 2 8)" != "$(hex_bytes "$work/key.bin" 2 8)" ]; then
    warn "SHA256SUMS was signed with another key than pier's release key"
    return 1
  fi
  dd if="$work/minisig.bin" of="$work/signature.bin" bs=1 skip=10 count=64 2>/dev/null
  openssl pkeyutl -verify -pubin -inkey "$work/release-key.pem" -rawin \
    -in "$work/SHA256SUMS" -sigfile "$work/signature.bin" >/dev/null 2>&1 || return 1

  comment_line=$(sed -n 3p "$work/SHA256SUMS.minisig")
  case $comment_line in "trusted comment: "*) ;; *) return 1 ;; esac
  comment=${comment_line#trusted comment: }
  { cat "$work/signature.bin" && printf '%s' "$comment"; } >"$work/trusted.bin"
  sed -n 4p "$work/SHA256SUMS.minisig" | openssl base64 -d -A >"$work/trusted.sig" 2>/dev/null || return 1
  openssl pkeyutl -verify -pubin -inkey "$work/release-key.pem" -rawin \
    -in "$work/trusted.bin" -sigfile "$work/trusted.sig" >/dev/null 2>&1 || return 1
  # The signed comment names the release: SHA256SUMS of another version does not pass for this one.
  tab=$(printf '\t')
  case "$tab$comment$tab" in
  *"${tab}file:SHA256SUMS${tab}"*) ;;
  *) return 1 ;;
  esac
  case "$tab$comment$tab" in
  *"${tab}version:$version$tab"*) return 0 ;;
  *)
    warn "the signature is for another release than pier $version ($comment)"
    return 1
    ;;
  esac
}

verify_with_ssh_keygen() {
  command -v ssh-keygen >/dev/null 2>&1 || return 2
  # OpenSSH before 8.1 has no -Y: it cannot check, which is not a bad signature.
  if ssh-keygen -Y check-novalidate -n x -s /dev/null </dev/null 2>&1 | grep -qi 'illegal option\|unknown option\|usage: ssh-keygen \[-q\]'; then
    return 2
  fi
  fetch "$release_url/SHA256SUMS.sshsig" "$work/SHA256SUMS.sshsig" || die "could not download $release_url/SHA256SUMS.sshsig"
  printf 'pier-release namespaces="pier-release" %s\n' "$key_ssh" >"$work/allowed_signers"
  ssh-keygen -Y verify -f "$work/allowed_signers" -I pier-release -n pier-release \
    -s "$work/SHA256SUMS.sshsig" <"$work/SHA256SUMS" >/dev/null 2>&1 || return 1
}

verify_signature() {
  if [ "$skip_signature" = 1 ]; then
    warn "NOT checking the signature of SHA256SUMS (--insecure-skip-signature): the digests below only prove the download is intact, not that it comes from pier's release key"
    return
  fi
  result=0
  verify_with_openssl || result=$?
  verifier=openssl
  if [ "$result" = 2 ]; then
    result=0
    verify_with_ssh_keygen || result=$?
    verifier=ssh-keygen
  fi
  case $result in
  0) say "signature of SHA256SUMS OK ($verifier, pier release key $key_minisign)" ;;
  1) die "the signature of SHA256SUMS does NOT verify with pier's release key: the release at $release_url was altered or is not pier's. Nothing was installed." ;;
  *) die "cannot check the release signature: this machine has neither openssl (1.1.1 or later) nor ssh-keygen (OpenSSH 8.1 or later). Install one (Debian/Ubuntu: apt-get install openssl; Fedora: dnf install openssl) and run this again, or check SHA256SUMS yourself (docs/operations.md, Verifying a release) and re-run with --insecure-skip-signature. Nothing was installed." ;;
  esac
}

# --- Install ----------------------------------------------------------------------------------
detect_target
need_tools

work=$(mktemp -d "${TMPDIR:-/tmp}/pier-install.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

if [ "$version" = latest ]; then
  fetch "$base_url/latest" "$work/latest" || die "could not download $base_url/latest (is --base-url right, and the server reachable?)"
  version=$(tr -d ' \r\n' <"$work/latest")
  case $version in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) die "$base_url/latest does not name a version (got: $version)" ;;
  esac
  case $version in *[!0-9A-Za-z.+-]*) die "$base_url/latest does not name a version (got: $version)" ;; esac
fi
release_url=$base_url/$version
archive=pier-$version-$target.$format
say "installing pier $version for $target from $release_url"

fetch "$release_url/SHA256SUMS" "$work/SHA256SUMS" || die "could not download $release_url/SHA256SUMS (does version $version exist?)"
fetch "$release_url/SHA256SUMS.minisig" "$work/SHA256SUMS.minisig" || die "could not download $release_url/SHA256SUMS.minisig"
verify_signature

expected=$(awk -v name="$archive" '($2 == name || $2 == "*" name) && NF == 2 { print $1 }' "$work/SHA256SUMS")
case $expected in
[0-9a-f]*) [ ${#expected} = 64 ] || die "SHA256SUMS has a malformed line for $archive" ;;
*) die "release $version has no $archive (SHA256SUMS does not list it): this version is not built for $target" ;;
esac
fetch "$release_url/$archive" "$work/$archive" || die "could not download $release_url/$archive"
actual=$(sha256_of "$work/$archive")
if [ "$actual" != "$expected" ]; then
  die "$archive is corrupt or was altered: its SHA-256 is $actual, SHA256SUMS says $expected. Nothing was installed; download again, and report it if it persists."
fi
say "sha256 OK  $actual  $archive"

mkdir "$work/unpacked"
case $format in
tar.xz) xz -dc "$work/$archive" | tar -xf - -C "$work/unpacked" ;;
tar.gz) gzip -dc "$work/$archive" | tar -xf - -C "$work/unpacked" ;;
esac || die "could not unpack $archive"
binary=$work/unpacked/pier-$version-$target/pier
if [ ! -f "$binary" ] || [ -h "$binary" ]; then die "$archive does not contain pier-$version-$target/pier"; fi
chmod 755 "$binary"

# Run it before putting it anywhere: a binary that cannot start here is not installed.
status=0
reported=$("$binary" --version 2>&1) || status=$?
if [ "$status" != 0 ]; then
  if [ "$status" = 132 ]; then
    die "the pier binary stopped with 'Illegal instruction': this CPU lacks an instruction it needs (AVX2 on x86_64). Nothing was installed."
  fi
  die "the pier binary does not run on this machine (exit $status): $reported. Nothing was installed."
fi
[ "$reported" = "pier $version" ] || die "the archive holds '$reported', not pier $version. Nothing was installed."

if [ -n "$prefix" ]; then
  bin_dir=${prefix%/}/bin
elif [ "$(id -u)" = 0 ]; then
  bin_dir=/usr/local/bin
else
  [ -n "${HOME:-}" ] || die "HOME is not set: pass --prefix DIR"
  bin_dir=$HOME/.local/bin
fi
mkdir -p "$bin_dir" || die "cannot create $bin_dir: run as root (sudo) or pass --prefix DIR"
# Copy next to the target, then rename: a running pier keeps its old file, nobody sees half a binary.
cp "$binary" "$bin_dir/.pier.new.$$" || die "cannot write to $bin_dir: run as root (sudo) or pass --prefix DIR"
chmod 755 "$bin_dir/.pier.new.$$"
mv -f "$bin_dir/.pier.new.$$" "$bin_dir/pier" || {
  rm -f "$bin_dir/.pier.new.$$"
  die "cannot replace $bin_dir/pier"
}
say "installed pier $version to $bin_dir/pier"
case ":${PATH:-}:" in
*":$bin_dir:"*) ;;
*) say "$bin_dir is not on your PATH: add it (e.g. in ~/.profile: export PATH=\"$bin_dir:\$PATH\")" ;;
esac

if [ "$run_doctor" = 1 ]; then
  say "checking what pier needs from this host (pier doctor):"
  "$bin_dir/pier" doctor || warn "pier doctor found problems (above). pier is installed; fix them before you run it."
fi

if [ "$service" = 1 ]; then
  "$bin_dir/pier" service install --binary "$bin_dir/pier" || die "pier is installed at $bin_dir/pier, but installing the service failed (above)"
else
  say "next: sudo $bin_dir/pier service install   (runs pier as a systemd service), or: $bin_dir/pier serve"
fi
