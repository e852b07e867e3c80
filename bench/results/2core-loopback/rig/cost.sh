#!/bin/bash
# cost.sh PORT PID LUA [conns]: rps and server CPU µs per response over 4 s
/work/prof/load.sh $1 6 $3 ${4:-64} > /tmp/cost-$1.txt & sleep 1
T=$(perf stat -x, -e task-clock -p $2 -- sleep 4 2>&1 | grep task-clock | cut -d, -f1)
wait $!
R=$(grep Requests/sec /tmp/cost-$1.txt | awk '{print $2}')
echo "port $1 rps $R cpu_ms_per_s $(echo "$T/4" | bc -l | cut -c1-6) us_per_resp $(echo "$T*1000/4/$R" | bc -l | cut -c1-6)"
