#!/bin/sh
# 取号机 ticket kiosk (touch screen, thermal printer or browser print).
# Usage: launch-kiosk.sh URL — the pairing URL the first time
# (http://HALL-PC:8080/pair/code/CODE from `hallq device add … --kind kiosk` or the
# manager console), then http://HALL-PC:8080/kiosk (the device cookie is kept in
# the profile). Put it in the device's autostart; see README "Deployment".
set -eu
export HALLQ_PROFILE="${HALLQ_PROFILE:-$HOME/.config/hallq-kiosk}"
exec "$(dirname "$0")/kiosk-browser.sh" "${1:?usage: launch-kiosk.sh URL}" --touch-events=enabled --kiosk-printing
