#!/usr/bin/env bash
# AES-256-GCM with this machine's OpenSSL at the envelope bench's sizes (1 KiB, 100 KiB, 1 MiB),
# as a reference for `cargo bench -p coffer-benches --bench envelope`. Each size runs
#   openssl speed -evp aes-256-gcm -bytes <n> -seconds 2
# (with -mr, for output a script can read). Extra arguments go to every run (e.g. -elapsed, to
# divide by wall-clock time as criterion does instead of CPU user time; or -aead, for the
# TLS-like sequence: a nonce, associated data and a tag per buffer). Without -aead, OpenSSL
# streams EVP_EncryptUpdate over one context: no nonce, no tag, no key setup per buffer.
# An OpenSSL without -bytes gets its default sizes, and 1 KiB and its largest size are printed.
set -euo pipefail

# Prints "<size> <bytes per second>" for each size of one `openssl speed -mr` run.
speed() {
    openssl speed -mr -evp aes-256-gcm "$@" 2>/dev/null | awk -F: '
        $1 == "+H" { for (i = 2; i <= NF; i++) size[i + 2] = $i; n = NF + 2 }
        $1 == "+F" { for (i = 4; i <= n; i++) print size[i], $i }'
}

# Prints one figure: size, throughput, time per buffer.
report() {
    awk -v n="$1" -v bps="$2" 'BEGIN {
        printf "AES-256-GCM %8d bytes: %8.1f MB/s  %6.2f GiB/s  %10.1f ns per buffer\n",
            n, bps / 1e6, bps / 2^30, n / bps * 1e9 }'
}

openssl version
if openssl speed -help 2>&1 | grep -q -- '-bytes'; then
    for n in 1024 102400 1048576; do
        speed -bytes "$n" -seconds 2 "$@" | while read -r size bps; do report "$size" "$bps"; done
    done
else
    echo "this openssl speed has no -bytes: default sizes, nearest to 1 KiB and 1 MiB shown" >&2
    speed -seconds 2 "$@" | awk '$1 == 1024 { print } { last = $0 } END { print last }' |
        while read -r size bps; do report "$size" "$bps"; done
fi
