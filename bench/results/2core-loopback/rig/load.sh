#!/bin/bash
# load.sh PORT SECS LUA [conns]
exec taskset -c 1 wrk -t1 -c${4:-64} -d${2}s -s /work/prof/$3 http://127.0.0.1:$1/
