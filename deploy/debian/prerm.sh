#!/bin/sh
# vodedge prerm: stop the services on removal (not on upgrade: postinst
# restarts them with the new binary).
set -e
if [ "$1" = "remove" ] && [ -d /run/systemd/system ]; then
    for unit in vodedge-edge vodedge-steer vodedge-origin; do
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
    done
fi
exit 0
