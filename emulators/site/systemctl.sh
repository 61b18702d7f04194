#!/bin/bash
# systemctl on a simulated node (emulators/site/sandbox.ts mounts it first on PATH). The node has no systemd:
# `enable --now`, `start` and `restart` run each unit's ExecStart= command lines in order with bash, here,
# inside the node's sandbox, and wait for them, as systemd runs a Type=oneshot unit. The exit status is
# recorded in /var/lib/simulated-systemd/<unit>.result and in the output. Nothing is reported to anyone:
# a unit reports its boot action status only if its own script does.
set -u
STATE=/var/lib/simulated-systemd
UNIT_DIRS=(/etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system /lib/systemd/system /usr/lib/systemd/system)

unit_name() {
  case $1 in
    *.*) echo "$1" ;;
    *) echo "$1.service" ;;
  esac
}

unit_file() {
  local d
  for d in "${UNIT_DIRS[@]}"; do
    if [ -f "$d/$1" ]; then
      echo "$d/$1"
      return 0
    fi
  done
  return 1
}

# ExecStart= values of the [Service] section, one per line; backslash-continued lines joined, as systemd does;
# an empty ExecStart= resets the list.
exec_starts() {
  local line section='' joined='' value
  local -a cmds=()
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    if [[ $line == *\\ ]]; then
      joined+="${line%\\} "
      continue
    fi
    line="$joined$line"
    joined=''
    line="${line#"${line%%[![:space:]]*}"}"
    case $line in
      '#'* | ';'* | '') ;;
      '['*']') section=$line ;;
      ExecStart=*)
        if [ "$section" = '[Service]' ]; then
          value=${line#ExecStart=}
          if [ -z "$value" ]; then cmds=(); else cmds+=("$value"); fi
        fi
        ;;
    esac
  done <"$1"
  if [ ${#cmds[@]} -gt 0 ]; then printf '%s\n' "${cmds[@]}"; fi
}

# Runs a unit's ExecStart= lines; a line prefixed with "-" may fail, as in systemd.
run_unit() {
  local name file cmd ignore rc=0
  name=$(unit_name "$1")
  if ! file=$(unit_file "$name"); then
    echo "Failed to start $name: Unit $name not found." >&2
    return 5
  fi
  mkdir -p "$STATE"
  echo "running" >"$STATE/$name.result"
  while IFS= read -r cmd; do
    ignore=0
    while [[ $cmd == [-@+!:]* ]]; do
      [[ $cmd == -* ]] && ignore=1
      cmd=${cmd:1}
    done
    echo "systemctl (simulated node): $name: ExecStart=$cmd"
    bash -c "$cmd"
    rc=$?
    if [ $rc -ne 0 ] && [ $ignore -eq 0 ]; then break; fi
    rc=0
  done < <(exec_starts "$file")
  echo "$rc" >"$STATE/$name.result"
  if [ $rc -ne 0 ]; then
    echo "Job for $name failed because the control process exited with error code (status $rc)." >&2
    return 1
  fi
  echo "systemctl (simulated node): $name: finished, status 0"
}

enable_unit() {
  local name
  name=$(unit_name "$1")
  if ! unit_file "$name" >/dev/null; then
    echo "Failed to enable unit: Unit file $name does not exist." >&2
    return 1
  fi
  mkdir -p "$STATE"
  touch "$STATE/$name.enabled"
}

cmd=${1:-}
shift || true
now=0
units=()
for a in "$@"; do
  case $a in
    --now) now=1 ;;
    --quiet | -q | --no-block | --no-pager) ;;
    -*) ;;
    *) units+=("$a") ;;
  esac
done

case $cmd in
  daemon-reload) exit 0 ;;
  enable)
    status=0
    for u in "${units[@]}"; do enable_unit "$u" || status=1; done
    if [ $status -eq 0 ] && [ $now -eq 1 ]; then
      for u in "${units[@]}"; do run_unit "$u" || status=1; done
    fi
    exit $status
    ;;
  start | restart)
    status=0
    for u in "${units[@]}"; do run_unit "$u" || status=1; done
    exit $status
    ;;
  *)
    echo "systemctl (simulated node): '$cmd' is not simulated" >&2
    exit 1
    ;;
esac
