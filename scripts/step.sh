#!/bin/sh
# One install step of `make`, told in our own words: prints what is being done, a line every
# STEP_EVERY seconds (default 15) with the time so far, and the time it took. The command's own
# output (pip's) goes to a log that is shown, last lines only, when the step fails.
#
#   sh scripts/step.sh "installing torch 2.13.0 (CPU)" .venv/bin/python -m pip install --quiet torch==2.13.0
set -u
label=$1
shift
every=${STEP_EVERY:-15}
log=$(mktemp "${TMPDIR:-/tmp}/xuncha-step.XXXXXX")
start=$(date +%s)
echo "==> $label …"
"$@" >"$log" 2>&1 &
pid=$!
next=$every
while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    elapsed=$(( $(date +%s) - start ))
    if [ "$elapsed" -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
        echo "    … $label: ${elapsed}s so far"
        next=$(( next + every ))
    fi
done
wait "$pid"
status=$?
elapsed=$(( $(date +%s) - start ))
if [ "$status" -ne 0 ]; then
    echo "!!! $label failed after ${elapsed}s (exit $status); last lines of its output:" >&2
    tail -n 30 "$log" >&2
    rm -f "$log"
    exit "$status"
fi
rm -f "$log"
echo "    done in ${elapsed}s"
