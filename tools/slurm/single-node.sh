#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying and testing 'replica sweep --slurm' (Debian's
# slurm-wlm and munge; needs root). Its configuration and state live in DIR, so it touches nothing else:
#
#   tools/slurm/single-node.sh start DIR    # prints the SLURM_CONF to export
#   SLURM_CONF=DIR/slurm.conf sbatch ...     # sinfo, squeue, sacct -c (completion records) work the same way
#   tools/slurm/single-node.sh stop DIR
#
# Accounting comes from the job-completion log (JobCompType=jobcomp/filetxt, read with 'sacct -c'):
# a slurmdbd and its database are more than one node needs.
set -euo pipefail
action="${1:?usage: single-node.sh start|stop DIR}"
dir="${2:?usage: single-node.sh start|stop DIR}"
[ "$action" = start ] && mkdir -p "$dir"
[ -d "$dir" ] || exit 0
dir="$(cd "$dir" && pwd)"
conf="$dir/slurm.conf"

case "$action" in
  start)
    for tool in munged slurmctld slurmd sbatch; do
      command -v "$tool" >/dev/null || { echo "single-node.sh: $tool not found; apt-get install slurm-wlm munge" >&2; exit 2; }
    done
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      [ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create >/dev/null 2>&1 || create-munge-key -f >/dev/null
      mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
      su -s /bin/sh munge -c /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force
      for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    host="$(hostname -s)"
    cpus="$(nproc)"
    memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    cat > "$conf" <<CONF
ClusterName=replica
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$((6817 + (RANDOM % 500) * 2))
SlurmdPort=$((7817 + (RANDOM % 500) * 2))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
DefMemPerCPU=1024
# A job in 'urgent' preempts those of 'debug', which are requeued: how a test preempts a sweep's task.
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=urgent Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=2 PreemptMode=OFF
CONF
    SLURM_CONF="$conf" slurmctld
    SLURM_CONF="$conf" slurmd
    for _ in $(seq 100); do
      if SLURM_CONF="$conf" sinfo -h -o '%t' 2>/dev/null | grep -qx idle; then
        echo "$conf"
        exit 0
      fi
      sleep 0.2
    done
    echo "single-node.sh: the node did not become idle; see $dir/log" >&2
    exit 1
    ;;
  stop)
    [ -f "$conf" ] || exit 0
    pids=""
    for file in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
      [ -f "$file" ] && pids="$pids $(cat "$file")"
    done
    SLURM_CONF="$conf" scontrol shutdown >/dev/null 2>&1 || true
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    # Return once the daemons are gone, so nothing writes to DIR any more (a caller may delete it).
    for _ in $(seq 100); do
      alive=""
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ -z "$alive" ] && exit 0
      sleep 0.1
    done
    for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
    ;;
  *)
    echo "usage: single-node.sh start|stop DIR" >&2
    exit 2
    ;;
esac
