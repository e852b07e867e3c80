#!/bin/bash
# lat.sh PORT LUA: latency distribution and socket buffers of the server's side during a 6 s wrk run
taskset -c 1 wrk -t1 -c64 -d6s --latency -s /work/prof/$2 http://127.0.0.1:$1/ > /tmp/lat-$1.txt 2>&1 &
sleep 3
ss -tmi state established "( sport = :$1 )" 2>/dev/null | grep -o "skmem:([^)]*)" | sed 's/skmem:(//; s/)//' | awk -F, '{for(i=1;i<=NF;i++){split($i,a,/[0-9]/); k=a[1]; v=substr($i,length(k)+1); s[k]+=v; n[k]++}} END {for (k in s) printf "%s avg %d  ", k, s[k]/n[k]; print ""}'
wait
grep -E "Requests/sec|50%|90%|99%" /tmp/lat-$1.txt | tr -s ' ' | tr '\n' ' '; echo
