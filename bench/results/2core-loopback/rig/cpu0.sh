#!/bin/bash
# cpu0.sh PORT LUA [conns]: rps and CPU 0 busy µs per response (all of CPU 0: user, system, irq, softirq) over 4 s
/work/prof/load.sh $1 6 $2 ${3:-64} > /tmp/cpu0-$1.txt & sleep 1
a=($(grep '^cpu0 ' /proc/stat)); sleep 4; b=($(grep '^cpu0 ' /proc/stat))
wait $!
busy=0; for i in 1 2 3 6 7 8; do busy=$((busy + ${b[$i]} - ${a[$i]})); done
idle=$(( ${b[4]} - ${a[4]} + ${b[5]} - ${a[5]} ))
R=$(grep Requests/sec /tmp/cpu0-$1.txt | awk '{print $2}')
echo "port $1 rps $R cpu0_busy $(echo "$busy*100/($busy+$idle)" | bc)% us_per_resp $(echo "$busy*10000/4/$R" | bc -l | cut -c1-6) (sys $((${b[3]}-${a[3]})) softirq $((${b[7]}-${a[7]})) irq $((${b[6]}-${a[6]})) user $((${b[1]}-${a[1]})))"
