#!/usr/bin/env bash
# slurm-up.sh - bring up a throw-away, single-machine Slurm test cluster on Debian 12 (bookworm).
# The project's copy of a recipe verified on the CI machine kind (about 6 s from nothing to 4 nodes).
# The real-Slurm tests (core/slurm/*.real.test.ts) start one cluster per test file through
# core/slurm/testing/cluster.ts, each in its own directory with its own ports; .ci/run installs
# the packages and stops any cluster a crashed test left behind (tools/slurm/slurm-down-all.sh).
#
# Installs Debian's Slurm 22.05 packages if missing, writes a private config under
# $SLURM_TEST_DIR, starts slurmctld + N slurmd daemons (one per emulated node, all on this host),
# waits until every node is idle and a smoke job ran, then prints `export VAR=...` lines on stdout.
# Everything else goes to stderr, so a CI script can do:
#
#     eval "$(bash slurm-up.sh)"        # or: bash slurm-up.sh >/dev/null; . "$SLURM_TEST_DIR/env.sh"
#     ... run tests ...
#     bash slurm-down.sh
#
# Must run as root (apt-get, and slurmd must be root to run jobs as other users).
# Knobs (environment variables, all optional):
#   SLURM_TEST_DIR=/tmp/slurm-test   state, logs, pid files, config (wiped on every start)
#   SLURM_TEST_NODES=4               emulated nodes node1..nodeN (one slurmd each)
#   SLURM_TEST_CPUS=2                CPUs advertised per node (oversubscribing real cores is fine)
#   SLURM_TEST_AUTH=none             none (no munge needed) | munge
#   SLURM_TEST_DBD=0                 1 = also install MariaDB + slurmdbd so plain `sacct` works;
#                                    0 = no database; use `sacct -c` (reads jobcomp/filetxt file)
#   SLURM_TEST_CTLD_PORT=6817  SLURM_TEST_SLURMD_BASE_PORT=17001
#   SLURM_TEST_DBD_PORT=6819   SLURM_TEST_MYSQL_PORT=3307
#   SLURM_TEST_MIN_JOB_AGE=300       seconds completed jobs stay visible to squeue/scontrol
#   SLURM_TEST_KILL_WAIT=5           seconds between SIGTERM and SIGKILL at time limit / scancel
#   SLURM_TEST_SMOKE=1               0 = skip the smoke job (it shows up in squeue -t all / sacct)
#   SLURM_TEST_SYSTEM_CONF=0         1 = also symlink /etc/slurm/slurm.conf to the generated config
#   SLURM_TEST_READY_TIMEOUT=60      seconds to wait for the cluster
#   SLURM_TEST_SCHED_PARAMS=bf_interval=1,sched_interval=2   slurm.conf SchedulerParameters
#   SLURM_TEST_INSTALL=1             0 = never run apt-get; fail when a package is missing
#
# Caveats measured with Slurm 22.05:
#   - time limits are whole minutes (`--time=1` is the shortest); tests use `sleep N` inside it.
#   - `--begin=now+N` only starts on time with a short sched_interval (the default here).
#   - without slurmdbd, `sacct -c` reads the jobcomp/filetxt log: it lists finished jobs only and
#     shows Submit = Start (waits read from it are 0); squeue is the source of waits.
set -euo pipefail

DIR=${SLURM_TEST_DIR:-/tmp/slurm-test}
NODES=${SLURM_TEST_NODES:-4}
CPUS=${SLURM_TEST_CPUS:-2}
AUTH=${SLURM_TEST_AUTH:-none}
DBD=${SLURM_TEST_DBD:-0}
CTLD_PORT=${SLURM_TEST_CTLD_PORT:-6817}
SLURMD_BASE=${SLURM_TEST_SLURMD_BASE_PORT:-17001}
DBD_PORT=${SLURM_TEST_DBD_PORT:-6819}
MYSQL_PORT=${SLURM_TEST_MYSQL_PORT:-3307}
MIN_JOB_AGE=${SLURM_TEST_MIN_JOB_AGE:-300}
KILL_WAIT=${SLURM_TEST_KILL_WAIT:-5}
SMOKE=${SLURM_TEST_SMOKE:-1}
SYSTEM_CONF=${SLURM_TEST_SYSTEM_CONF:-0}
READY_TIMEOUT=${SLURM_TEST_READY_TIMEOUT:-60}
SCHED_PARAMS=${SLURM_TEST_SCHED_PARAMS:-bf_interval=1,sched_interval=2}
INSTALL=${SLURM_TEST_INSTALL:-1}
PARTITION=debug
CLUSTER=testcluster

T0=$(date +%s.%N)
log() { printf '[slurm-up %6.1fs] %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*" >&2; }
die() { log "ERROR: $*"; for f in "$DIR"/log/*.log; do [ -f "$f" ] && { echo "--- tail $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
case "$AUTH" in none|munge) ;; *) die "SLURM_TEST_AUTH must be none or munge";; esac

# Refuse to start over a cluster that is still running from this directory.
if [ -d "$DIR/run" ]; then
  for f in "$DIR"/run/*.pid; do
    [ -f "$f" ] || continue
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      die "a daemon from a previous run is still alive (pid $p, $f); run slurm-down.sh first"
    fi
  done
fi

# ---------------------------------------------------------------- 1. install
PKGS=(slurmctld slurmd slurm-client)
[ "$AUTH" = munge ] && PKGS+=(munge)
[ "$DBD" = 1 ] && PKGS+=(slurmdbd mariadb-server)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$INSTALL" = 1 ] || die "missing packages: ${missing[*]} (SLURM_TEST_INSTALL=0)"
  log "installing: ${missing[*]}"
  # No init system here: keep the packages' postinst from trying to start daemons
  # (slurmd's postinst does `invoke-rc.d slurmd start || exit 1`).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_ok=0
  for attempt in 1 2 3; do
    if apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2; then apt_ok=1; break; fi
    log "apt attempt $attempt failed; retrying"; sleep 5
  done
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$apt_ok" = 1 ] || die "apt-get install failed"
  log "install done"
else
  log "packages already installed"
fi
log "$(/usr/sbin/slurmctld -V)"

# ---------------------------------------------------------------- 2. config
HOST=$(hostname -s)
rm -rf "$DIR"
mkdir -p "$DIR"/{etc,state,log,run,out}
for i in $(seq 1 "$NODES"); do mkdir -p "$DIR/spool/node$i"; done
chmod 755 "$DIR" "$DIR/log"
chmod 1777 "$DIR/out"
# sacct -c opens the jobcomp file O_WRONLY|O_APPEND even for reading: make it writable for all
# so unprivileged users can run `sacct -c`.
: > "$DIR/log/jobcomp.txt"; chmod 666 "$DIR/log/jobcomp.txt"

LAST_PORT=$((SLURMD_BASE + NODES - 1))
if [ "$DBD" = 1 ]; then
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30"
else
  ACCT="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
fi

cat > "$DIR/etc/slurm.conf" <<EOF
# generated by slurm-up.sh
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/$AUTH
CredType=cred/$AUTH
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_BASE
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
# default bf_interval=30 / sched_interval=60 made --begin=now+10 jobs start 20-30 s late
SchedulerParameters=$SCHED_PARAMS
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
PriorityType=priority/multifactor
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
$ACCT
ReturnToService=2
MinJobAge=$MIN_JOB_AGE
KillWait=$KILL_WAIT
OverTimeLimit=0
NodeName=node[1-$NODES] NodeHostname=$HOST NodeAddr=127.0.0.1 Port=[$SLURMD_BASE-$LAST_PORT] CPUs=$CPUS RealMemory=1000 State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$DIR/etc/slurm.conf"
if [ "$SYSTEM_CONF" = 1 ]; then
  mkdir -p /etc/slurm; ln -sfn "$SLURM_CONF" /etc/slurm/slurm.conf
fi

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local t=$1 what=$2; shift 2
  local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "timed out waiting for $what"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- 3. start
if [ "$AUTH" = munge ]; then
  [ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey -c -f -k /etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  mkdir -p /run/munge; chown munge:munge /run/munge; chmod 755 /run/munge
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already running; using it (not managed by slurm-down.sh)"
  else
    runuser -u munge -- /usr/sbin/munged
    wait_for 10 munged sh -c 'munge -n | unmunge'
    cp /run/munge/munged.pid "$DIR/run/munged.pid"
    log "munged started (pid $(cat "$DIR/run/munged.pid"))"
  fi
fi

if [ "$DBD" = 1 ]; then
  mkdir -p "$DIR/mysql/data" "$DIR/mysql/run"
  chown -R mysql:mysql "$DIR/mysql"
  mariadb-install-db --no-defaults --datadir="$DIR/mysql/data" --user=mysql \
      --auth-root-authentication-method=normal --skip-test-db > "$DIR/log/mariadb-install.log" 2>&1 \
    || die "mariadb-install-db failed (see $DIR/log/mariadb-install.log)"
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DIR/mysql/data" \
      --socket="$DIR/mysql/run/mysqld.sock" --pid-file="$DIR/mysql/run/mysqld.pid" \
      --bind-address=127.0.0.1 --port="$MYSQL_PORT" --log-error="$DIR/mysql/run/mariadb.err" \
      --innodb-buffer-pool-size=256M --innodb-lock-wait-timeout=900 \
      </dev/null >/dev/null 2>&1 &
  wait_for 30 mariadb mariadb-admin --no-defaults -S "$DIR/mysql/run/mysqld.sock" -uroot ping
  wait_for 5 "mariadb pid file" test -s "$DIR/mysql/run/mysqld.pid"
  cp "$DIR/mysql/run/mysqld.pid" "$DIR/run/mariadbd.pid"
  mariadb --no-defaults -S "$DIR/mysql/run/mysqld.sock" -uroot -e "
    CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmtest';
    CREATE USER 'slurm'@'localhost' IDENTIFIED BY 'slurmtest';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
  log "mariadbd started (pid $(cat "$DIR/run/mariadbd.pid"), 127.0.0.1:$MYSQL_PORT)"
  cat > "$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/$AUTH
DbdHost=localhost
DbdPort=$DBD_PORT
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$MYSQL_PORT
StorageUser=slurm
StoragePass=slurmtest
StorageLoc=slurm_acct_db
PidFile=$DIR/run/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
DebugLevel=info
EOF
  chmod 600 "$DIR/etc/slurmdbd.conf"
  /usr/sbin/slurmdbd        # finds slurmdbd.conf next to $SLURM_CONF
  wait_for 30 slurmdbd sacctmgr -n list cluster
  sacctmgr -i add cluster "$CLUSTER" >&2
  log "slurmdbd started (pid $(cat "$DIR/run/slurmdbd.pid"))"
fi

/usr/sbin/slurmctld -i
wait_for 20 slurmctld scontrol ping
log "slurmctld started (pid $(cat "$DIR/run/slurmctld.pid"))"
for i in $(seq 1 "$NODES"); do
  /usr/sbin/slurmd -N "node$i"
done
log "started $NODES slurmd daemons"

all_idle() {
  local n
  n=$(sinfo -h -N -p "$PARTITION" -o '%N %T' | awk '$2=="idle"' | sort -u | wc -l)
  [ "$n" -eq "$NODES" ]
}
wait_for "$READY_TIMEOUT" "all $NODES nodes idle" all_idle
log "all $NODES nodes idle"

if [ "$SMOKE" = 1 ]; then
  timeout "$READY_TIMEOUT" srun -J slurm-up-smoke -p "$PARTITION" -N "$NODES" -t 1 -o /dev/null true \
    || die "smoke job (srun -N $NODES true) failed"
  log "smoke job ran on $NODES nodes"
fi

# ---------------------------------------------------------------- 4. report
if [ "$DBD" = 1 ]; then SACCT="sacct"; else SACCT="sacct -c"; fi
{
  echo "export SLURM_CONF=$DIR/etc/slurm.conf"
  echo "export SLURM_TEST_DIR=$DIR"
  echo "export SLURM_TEST_PARTITION=$PARTITION"
  echo "export SLURM_TEST_CLUSTER=$CLUSTER"
  echo "export SLURM_TEST_NODELIST='node[1-$NODES]'"
  echo "export SLURM_TEST_NODE_COUNT=$NODES"
  echo "export SLURM_TEST_CPUS_PER_NODE=$CPUS"
  echo "export SLURM_TEST_AUTH=$AUTH"
  echo "export SLURM_TEST_DBD=$DBD"
  echo "export SLURM_TEST_SACCT='$SACCT'"
  echo "export SLURM_TEST_JOBCOMP_FILE=$DIR/log/jobcomp.txt"
  echo "export SLURM_TEST_OUTDIR=$DIR/out"
  echo "export SLURM_TEST_LOGDIR=$DIR/log"
  echo "export SLURM_TEST_PIDDIR=$DIR/run"
} | tee "$DIR/env.sh"
log "cluster ready"
