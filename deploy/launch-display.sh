#!/bin/sh
# 综合屏 hall display (voice calling: sound must play without a click).
# Usage: launch-display.sh URL — the pairing URL the first time
# (http://HALL-PC:8080/pair/code/CODE from `hallq device add … --kind display` or the
# manager console), then http://HALL-PC:8080/display (the device cookie is kept in
# the profile). Put it in the device's autostart; see README "Deployment".
set -eu
export HALLQ_PROFILE="${HALLQ_PROFILE:-$HOME/.config/hallq-display}"
exec "$(dirname "$0")/kiosk-browser.sh" "${1:?usage: launch-display.sh URL}" --autoplay-policy=no-user-gesture-required --force-device-scale-factor=${HALLQ_SCALE:-1}
