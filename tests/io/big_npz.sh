#!/usr/bin/env bash
# big_npz.sh: data.npz of a deflated member past 4 GiB (zlib counts in 32 bits, so the
# reader inflates it in windows). Writes a 19 MB archive of 1.1e9 zero f32s with Python's
# zipfile (ZIP64) and reads it: about 9 GB of memory and 20 s, so it is labeled slow.
# Usage: big_npz.sh PATH/TO/zy
set -u
zy=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp/big.npz" <<'PY' || exit 1
import struct, sys, zipfile
n = 1_100_000_000
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % n
header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    with z.open("x.npy", "w", force_zip64=True) as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        chunk, left = bytes(1 << 26), n * 4
        while left:
            f.write(chunk[:min(left, len(chunk))])
            left -= min(left, len(chunk))
PY
cat > "$tmp/big.zy" <<ZY
fn main() {
    let z = data.npz("$tmp/big.npz")
    print(z.x.shape, float(max(z.x)))
}
ZY
out=$("$zy" run "$tmp/big.zy" 2>&1)
if [[ $out == "[1100000000] 0" || $out == "[1100000000] 0.0" ]]; then echo "big npz: passed"; else echo "FAIL big npz: $out"; exit 1; fi
