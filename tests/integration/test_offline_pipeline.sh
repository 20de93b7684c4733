#!/bin/sh
# Offline pipeline test: real BGP sessions -> bmptapd --pcap -> BMP stream ->
# tshark as the oracle (compare.py).
#
#   tests/integration/test_offline_pipeline.sh
#
# Cases:
#   shipped   tests/data/bird-frr-small.pcap through bmptapd, strict compare
#   live      a fresh BIRD<->FRR recording (record_sessions.py), strict compare
#   lossy     the recording with dropped/swapped segments (make_lossy.py),
#             compare --lossy against the original recording
# Environment:
#   BMPTAP_BUILD     build directory holding bmptapd (default: build)
#   BMPTAPD          path of the daemon (overrides BMPTAP_BUILD)
#   BMPTAPD_ARGS     extra arguments for bmptapd (e.g. EAL options)
#   BMPTAP_V4/_V6    routes BIRD originates in the live recording (4000/1500)
#   BMPTAP_KEEP=DIR  keep every file here instead of a temporary directory
#   BMPTAP_NO_RECORD=1  only the shipped case (needs no root)
# Exit: 0 all passed, 1 a case failed or bmptapd is missing, 77 skipped
# (not root, or a required tool is missing).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BMPTAP_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BMPTAPD=${BMPTAPD:-$BUILD/bmptapd}
NO_RECORD=${BMPTAP_NO_RECORD:-0}
PY=${PYTHON:-python3}

if [ "$NO_RECORD" != 1 ] && [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: test_offline_pipeline needs root (network namespaces);" \
		"BMPTAP_NO_RECORD=1 runs the shipped capture only"
	exit 77
fi
tools="tshark"
[ "$NO_RECORD" = 1 ] || tools="$tools dumpcap bird birdc vtysh /usr/lib/frr/bgpd ip"
for t in $tools; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "SKIP: $t not installed (scripts/install-deps)"
		exit 77
	}
done
if [ ! -x "$BMPTAPD" ]; then
	echo "FAIL: bmptapd not found at $BMPTAPD (build it, or set BMPTAP_BUILD / BMPTAPD)"
	exit 1
fi

if [ -n "${BMPTAP_KEEP:-}" ]; then
	TMP=$BMPTAP_KEEP
	mkdir -p "$TMP"
else
	TMP=$(mktemp -d /tmp/bmptap-offline.XXXXXX)
	trap 'rm -rf "$TMP"' EXIT INT TERM
fi

passed=0
failed=0
result() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $1"
	else
		failed=$((failed + 1))
		echo "FAIL: $1"
	fi
}

# run_bmptapd IN.pcap OUT.bmp: the offline interface, bounded in time.
run_bmptapd() {
	# shellcheck disable=SC2086
	timeout 300 "$BMPTAPD" ${BMPTAPD_ARGS:-} --pcap "$1" --bmp-out "$2" --exit-on-eof \
		>"$2.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "bmptapd exited $rc on $1; its output:"
		tail -n 30 "$2.log"
		return 1
	fi
	[ -s "$2" ] || { echo "bmptapd wrote no BMP stream to $2"; return 1; }
}

# case NAME WIRE.pcap INPUT.pcap [compare options]
case_run() {
	name=$1 wire=$2 input=$3
	shift 3
	out="$TMP/$name.bmp"
	echo "=== $name: bmptapd --pcap $input"
	if run_bmptapd "$input" "$out" &&
		"$PY" "$HERE/compare.py" "$wire" "$out" --raw --expect-peer-type 2 "$@"; then
		result "$name" 0
	else
		result "$name" 1
	fi
}

SHIPPED="$ROOT/tests/data/bird-frr-small.pcap"
# Exact cases also check each Route Monitoring timestamp against the frame
# that completed its UPDATE. The lossy case cannot: make_lossy moves frame
# contents between timestamps, and its reference is the original capture.
case_run shipped "$SHIPPED" "$SHIPPED" --timestamps

if [ "$NO_RECORD" != 1 ]; then
	echo "=== live: recording BIRD <-> FRR sessions"
	if "$PY" "$HERE/record_sessions.py" --out "$TMP/live.pcap" \
		--v4 "${BMPTAP_V4:-4000}" --v6 "${BMPTAP_V6:-1500}" --workdir "$TMP/speakers"; then
		case_run live "$TMP/live.pcap" "$TMP/live.pcap" --timestamps
		"$PY" "$HERE/make_lossy.py" "$TMP/live.pcap" "$TMP/lossy.pcap" \
			--info "$TMP/lossy.json" --drop 3 --swap 4 &&
			case_run lossy "$TMP/live.pcap" "$TMP/lossy.pcap" \
				--lossy --loss-info "$TMP/lossy.json"
	else
		result "live recording" 1
	fi
fi

echo "offline_pipeline: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
