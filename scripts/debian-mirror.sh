#!/bin/sh
# Prints the Debian mirror this machine's apt is configured with (the first non-security
# "deb" source), so scripts that run debootstrap use the same one instead of naming a host.
# Reads /etc/apt/sources.list.d/*.sources (deb822) and /etc/apt/sources.list (one-line form).
# Exits 1, saying what to set, when there is none.
set -eu

for file in /etc/apt/sources.list.d/*.sources; do
  [ -r "$file" ] || continue
  mirror=$(awk '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && suites != "" && suites !~ /-security/ && uri != "" && found == "") found = uri
      types = ""; suites = ""; uri = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
    /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
    /^URIs:/ { sub(/^URIs:[ \t]*/, ""); split($0, uris, /[ \t]+/); uri = uris[1] }
    END { flush(); print found }
  ' "$file")
  if [ -n "$mirror" ]; then
    printf '%s\n' "$mirror"
    exit 0
  fi
done

for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -r "$file" ] || continue
  # deb [options] URI SUITE COMPONENTS...
  mirror=$(awk '
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) !~ /-security/) { print $i; exit }
    }
  ' "$file")
  if [ -n "$mirror" ]; then
    printf '%s\n' "$mirror"
    exit 0
  fi
done

echo "no Debian mirror is configured for apt in /etc/apt (sources.list or sources.list.d/*.sources); set PIER_BASE_MIRROR to one" >&2
exit 1
