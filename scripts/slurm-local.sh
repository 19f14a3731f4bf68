#!/usr/bin/env bash
# A single-node Slurm on this machine, for `make slurm-check` and for trying the array-job recipe
# (experiments/slurm/sweep.sbatch) without a cluster.
#
#   scripts/slurm-local.sh start   install slurm-wlm and munge if missing (apt-get), write a minimal
#                                  slurm.conf for this host into $JVI_SLURM_DIR, start munged (unless
#                                  one already answers), slurmctld and slurmd, and wait for the node
#   scripts/slurm-local.sh stop    stop exactly the daemons `start` started (their pids are recorded)
#   scripts/slurm-local.sh env     print `export SLURM_CONF=...`: eval it before sbatch/squeue
#
# Everything it writes lives in $JVI_SLURM_DIR (default /tmp/jvi-slurm): slurm.conf, spool and
# state folders, logs, and started.pids. Nothing under /etc is changed except munge's key, which
# Debian's munge package creates on install. The node offers this machine's CPUs and memory;
# process tracking is proctrack/linuxproc and task/none, so no cgroup setup is needed.
set -euo pipefail

DIR=${JVI_SLURM_DIR:-/tmp/jvi-slurm}
CONF=$DIR/slurm.conf
PIDS=$DIR/started.pids
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

say() { echo "slurm-local: $*" >&2; }

install_if_missing() {
  local need=()
  command -v slurmctld >/dev/null || need+=(slurm-wlm)
  command -v munged >/dev/null || need+=(munge)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

write_conf() {
  local host cpus memory
  host=$(hostname -s)
  cpus=$(nproc)
  memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
  mkdir -p "$DIR/spool" "$DIR/state" "$DIR/log"
  cat >"$CONF" <<CONF
# Written by scripts/slurm-local.sh: one node, this host.
ClusterName=jvi-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldPort=${JVI_SLURMCTLD_PORT:-6817}
SlurmdPort=${JVI_SLURMD_PORT:-6818}
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

munge_answers() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  say "$what did not come up within $seconds s; logs in $DIR/log"
  return 1
}

start() {
  if [ -f "$PIDS" ]; then
    say "already started (pids in $PIDS); run '$0 stop' first"
    exit 1
  fi
  install_if_missing
  write_conf
  : >"$PIDS"
  if ! munge_answers; then
    [ -f /etc/munge/munge.key ] || $SUDO mungekey --create --keyfile=/etc/munge/munge.key
    $SUDO mkdir -p /run/munge
    $SUDO chown munge:munge /run/munge /etc/munge/munge.key 2>/dev/null || true
    $SUDO -u munge /usr/sbin/munged 2>/dev/null || $SUDO runuser -u munge -- /usr/sbin/munged
    wait_for 10 munged munge_answers
    echo "munged $(cat /run/munge/munged.pid)" >>"$PIDS"
  fi
  $SUDO slurmctld -f "$CONF"
  wait_for 20 slurmctld test -s "$DIR/slurmctld.pid"
  echo "slurmctld $(cat "$DIR/slurmctld.pid")" >>"$PIDS"
  $SUDO slurmd -f "$CONF"
  wait_for 20 slurmd test -s "$DIR/slurmd.pid"
  echo "slurmd $(cat "$DIR/slurmd.pid")" >>"$PIDS"
  wait_for 60 "the node" idle_node
  say "up: $(SLURM_CONF=$CONF sinfo -h -o '%N %c CPUs %t')"
  say "use it with: eval \"\$($0 env)\""
}

idle_node() { SLURM_CONF=$CONF sinfo -h -o '%t' | grep -qx 'idle'; }

stop() {
  if [ ! -f "$PIDS" ]; then
    say "nothing to stop (no $PIDS)"
    return 0
  fi
  # In reverse order of starting: slurmd, slurmctld, then munged if it was ours.
  tac "$PIDS" | while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then
      $SUDO kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      say "stopped $name ($pid)"
    fi
  done
  rm -f "$PIDS"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 64
    ;;
esac
