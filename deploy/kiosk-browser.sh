#!/bin/sh
# Start a hall device's browser in kiosk mode. Usage (once per device, from its
# autostart):  kiosk-browser.sh URL
# URL is the pairing URL printed by `hallq device add` or the demo banner
# (http://HALL-PC:8080/pair/code/CODE) the first time, then the device page
# (/kiosk, /display, /counter, /keypad): the pairing cookie is kept in the
# profile directory.
# Extra Chromium flags may follow the URL (the launch-*.sh wrappers add the
# ones each device kind needs).
set -eu
url=${1:?usage: kiosk-browser.sh URL [chromium flags…]}
shift
profile=${HALLQ_PROFILE:-$HOME/.config/hallq-kiosk}
mkdir -p "$profile"
exec chromium \
  --kiosk "$url" \
  --user-data-dir="$profile" \
  --no-first-run --noerrdialogs --disable-infobars --disable-session-crashed-bubble \
  --disable-translate --disable-features=Translate,TouchpadOverscrollHistoryNavigation \
  --overscroll-history-navigation=0 --disable-pinch \
  --autoplay-policy=no-user-gesture-required \
  --kiosk-printing \
  --disable-background-networking --disable-component-update --disable-sync \
  --lang=zh-CN "$@"
