#!/bin/bash
# run2.sh ROUNDS "SCENARIOS": like run.sh, plus the server process's own CPU (utime+stime, all threads) in the window; alternate nginx/bare/loop/loopctx within each round, for k16, k48, d2m.
# Output: results/raw.txt, one line per measurement.
set -u
D=/work/proto/evloop
ROUNDS=${1:-5}
mkdir -p $D/results
RAW=$D/results/raw2.txt
SCENS=${2:-k16 k48}
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done
  nginx -c /work/prof/nginx.conf -s stop 2>/dev/null
  nginx -c $D/nginx48.conf -s stop 2>/dev/null
  sysctl -qw kernel.sched_autogroup_enabled=1
  echo "cleanup done, autogroup=$(cat /proc/sys/kernel/sched_autogroup_enabled)"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_idle() {
  local start=$(date +%s) busy load
  while :; do
    busy=$(pgrep -f '\.test( |$)|go-build|compile|versitygw|chromium' | tr '\n' ' ')
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ -z "$busy" ] && [ "$(echo "$load < 1.5" | bc)" = 1 ]; then return 0; fi
    if [ $(( $(date +%s) - start )) -gt 2400 ]; then echo "$(date +%T) GAVE UP WAITING (load $load busy $busy)" | tee -a $RAW; return 1; fi
    echo "$(date +%T) waiting: load $load busy pids: $busy"
    sleep 20
  done
}

# servers (all pinned to CPU 0)
taskset -c 0 nginx -c /work/prof/nginx.conf
taskset -c 0 nginx -c $D/nginx48.conf
start() { # mode root port
  taskset -c 0 $D/evloop -mode $1 -root $2 -listen 127.0.0.1:$3 > $D/results/srv-$1-$3.log 2>&1 &
  PIDS+=($!)
}
start bare    /work/prof/corpus 19600
start loop    /work/prof/corpus 19610
start loopctx /work/prof/corpus 19620
start bare    $D/corpus 19605
start loop    $D/corpus 19615
start loopctx $D/corpus 19625
sleep 4
for p in 19200 19600 19610 19620; do curl -s http://127.0.0.1:$p/k16/5.ts | cmp - /work/prof/corpus/k16/5.ts || { echo "port $p broken"; exit 1; }; done
for p in 19205 19605 19615 19625; do curl -s http://127.0.0.1:$p/k48/5.ts | cmp - $D/corpus/k48/5.ts || { echo "port $p broken"; exit 1; }; done

# measure NAME PORT LUA: cpu0.sh (unchanged rig) plus CPU 1 (wrk) busy over the same 4 s window
measure() {
  local pid
  case $1 in
    nginx) if [ $2 = 19200 ]; then pid=$(pgrep -P $(cat /work/prof/nginx.pid) | head -1); else pid=$(pgrep -P $(cat $D/nginx48.pid) | head -1); fi;;
    *) pid=$(pgrep -f "evloop -mode $1 .*:$2\$");;
  esac
  /work/prof/cpu0.sh $2 $3 > /tmp/evl-cpu0.txt &
  local c=$!
  sleep 1
  local a=($(grep '^cpu1 ' /proc/stat)); local pa=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 4; local b=($(grep '^cpu1 ' /proc/stat)); local pb=$(awk '{print $14+$15}' /proc/$pid/stat)
  wait $c
  local busy=0 i; for i in 1 2 3 6 7 8; do busy=$((busy + ${b[$i]} - ${a[$i]})); done
  local idle=$(( ${b[4]} - ${a[4]} + ${b[5]} - ${a[5]} ))
  local cpu1=$(echo "$busy*100/($busy+$idle)" | bc)
  echo "$(date +%T) round $R scen $SCEN srv $1 $(cat /tmp/evl-cpu0.txt) cpu1_busy ${cpu1}% proc_ticks $((pb-pa)) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a $RAW
}

sysctl -qw kernel.sched_autogroup_enabled=0
SRVS=(nginx bare loop loopctx)
for R in $(seq 1 $ROUNDS); do
  wait_idle
  sysctl -qw kernel.sched_autogroup_enabled=0
  for SCEN in $SCENS; do
    for j in 0 1 2 3; do
      k=$(( (j + R - 1) % 4 )); s=${SRVS[$k]}
      case $SCEN in
        k16) lua=k16.lua; base=0;;
        k48) lua=../proto/evloop/k48.lua; base=5;;
        d2m) lua=d2m.lua; base=0;;
      esac
      case $s in
        nginx) port=$((19200+base));; bare) port=$((19600+base));; loop) port=$((19610+base));; loopctx) port=$((19620+base));;
      esac
      measure $s $port $lua
    done
  done
done
