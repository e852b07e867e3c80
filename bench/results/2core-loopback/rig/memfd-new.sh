#!/bin/bash
# vodedge with large RAM-tier slices in memfds (sent with sendfile)
if [ "$1" = edge ]; then exec /work/bin/mfd "$@" --ram-sendfile-min ${MEMFD_MIN:-256KiB}; fi
exec /work/bin/mfd "$@"
