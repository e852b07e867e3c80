#!/bin/bash
# edge.sh BIN PORT [args]: the edge on CPU 0, file origin, own disk dir
BIN=$1; PORT=$2; shift 2
D=/work/prof/run-$PORT; rm -rf $D; mkdir -p $D
exec taskset -c 0 $BIN edge --listen 127.0.0.1:$PORT --admin 127.0.0.1:$((PORT+1)) --origin file:///work/prof/corpus \
  --access-log $D/access.log --node-name rig --log-level warn --disk-bytes 1GiB --disk-dir $D/disk "$@"
