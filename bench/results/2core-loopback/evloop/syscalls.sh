#!/bin/bash
# syscalls.sh: syscalls per response at k16 (wrk -t1 -c64, pinned as in cpu0.sh).
# Needs the servers of run.sh running (nginx 19200, bare 19600, loop 19610, loopctx 19620).
D=/work/proto/evloop
EV='raw_syscalls:sys_enter,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep,syscalls:sys_enter_sendfile64,syscalls:sys_enter_setsockopt,syscalls:sys_enter_getpid,syscalls:sys_enter_tgkill,syscalls:sys_enter_rt_sigreturn'
for s in nginx:19200 bare:19600 loop:19610 loopctx:19620; do
  n=${s%:*}; p=${s#*:}
  if [ $n = nginx ]; then pid=$(pgrep -P $(cat /work/prof/nginx.pid) | head -1); else pid=$(pgrep -f "evloop -mode $n -root /work/prof/corpus"); fi
  /work/prof/load.sh $p 6 k16.lua > /tmp/evl-sc-wrk.txt &
  w=$!; sleep 1
  perf stat -x, -e "$EV" -p $pid -- sleep 4 2> /tmp/evl-sc-perf.txt
  wait $w
  rps=$(grep Requests/sec /tmp/evl-sc-wrk.txt | awk '{print $2}')
  echo "== $n (pid $pid) rps $rps; per response over 4 s:"
  awk -F, -v r=$rps '$1+0>0 {printf "  %-40s %8.3f\n", $3, $1/(r*4)}' /tmp/evl-sc-perf.txt
  # error breakdown (EAGAIN reads) with strace -c for 2 s (slows the server; ratios only)
  /work/prof/load.sh $p 4 k16.lua > /tmp/evl-sc-wrk2.txt &
  w=$!; sleep 1
  timeout -s INT 2 strace -c -f -p $pid 2> /tmp/evl-sc-strace.txt > /dev/null
  wait $w
  grep -E 'calls|read|write|epoll|futex|sendfile|total' /tmp/evl-sc-strace.txt | sed 's/^/  strace: /'
done
