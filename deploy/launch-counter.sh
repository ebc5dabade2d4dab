#!/bin/sh
# 窗口屏 counter screen above counter N.
# Usage: launch-counter.sh URL — the pairing URL the first time
# (http://HALL-PC:8080/pair/code/CODE from `hallq device add … --kind counter` or the
# manager console), then http://HALL-PC:8080/counter (the device cookie is kept in
# the profile). Put it in the device's autostart; see README "Deployment".
set -eu
export HALLQ_PROFILE="${HALLQ_PROFILE:-$HOME/.config/hallq-counter}"
exec "$(dirname "$0")/kiosk-browser.sh" "${1:?usage: launch-counter.sh URL}" --force-device-scale-factor=${HALLQ_SCALE:-1}
