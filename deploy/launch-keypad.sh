#!/bin/sh
# 评价器 satisfaction keypad tablet at counter N (touch + USB keypad).
# Usage: launch-keypad.sh URL — the pairing URL the first time
# (http://HALL-PC:8080/pair/code/CODE from `hallq device add … --kind keypad` or the
# manager console), then http://HALL-PC:8080/keypad (the device cookie is kept in
# the profile). Put it in the device's autostart; see README "Deployment".
set -eu
export HALLQ_PROFILE="${HALLQ_PROFILE:-$HOME/.config/hallq-keypad}"
exec "$(dirname "$0")/kiosk-browser.sh" "${1:?usage: launch-keypad.sh URL}" --touch-events=enabled --autoplay-policy=no-user-gesture-required
