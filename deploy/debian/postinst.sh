#!/bin/sh
# vodedge postinst: the system user, ownership of /etc/vodedge, systemd.
set -e

if ! getent passwd vodedge >/dev/null; then
    if command -v adduser >/dev/null; then
        adduser --system --group --home /var/lib/vodedge --no-create-home --quiet vodedge
    else
        useradd --system --user-group --home-dir /var/lib/vodedge --no-create-home --shell /usr/sbin/nologin vodedge
    fi
fi
# Configs name key files: readable by the service, not by everyone.
chown root:vodedge /etc/vodedge
chmod 0750 /etc/vodedge
for f in /etc/vodedge/*.yaml; do
    [ -e "$f" ] && chgrp vodedge "$f" && chmod 0640 "$f"
done

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
    # Upgrades restart what was running; a new install enables nothing.
    for unit in vodedge-edge vodedge-steer vodedge-origin; do
        if systemctl is-active --quiet "$unit"; then
            systemctl try-restart "$unit" || true
        fi
    done
fi

if [ "$1" = "configure" ] && [ -z "$2" ]; then
    echo "vodedge installed. Edit /etc/vodedge/*.yaml, write the key files they name, then e.g.:"
    echo "  systemctl enable --now vodedge-edge"
    echo "See /usr/share/doc/vodedge/operator-guide.md."
fi
exit 0
