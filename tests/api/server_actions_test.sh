#!/usr/bin/env bash
# Server actions on the real libvirt through the unmodified openstack CLI: stop, start,
# reboot (soft and hard), pause, unpause, suspend, resume, with the states the CLI shows
# and virsh agreeing; 409 for an action the state does not allow, 400 for bad bodies;
# guests changed behind Stratus's back (virsh destroy, virsh start) are synced as Nova
# does; kill -9 of the agent or the API mid-action loses nothing. Guests here boot
# without a disk, so nothing answers ACPI: stop and soft reboot take the fallback path
# after the short timeouts given to the agent below.
# Usage: server_actions_test.sh BUILD_BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
if ! [ -x /usr/bin/openstack ]; then
  if [ "$(id -u)" = 0 ] && [ -f "$src/../shared/peers/install-peers" ]; then
    bash "$src/../shared/peers/install-peers" >/dev/null 2>&1
  fi
  [ -x /usr/bin/openstack ] || { echo "skipped: the openstack CLI is not installed"; exit 77; }
fi
virsh -c qemu:///system version >/dev/null 2>&1 || { echo "skipped: no libvirt at qemu:///system"; exit 77; }
. "$(dirname "$0")/stack.sh"
. "$(dirname "$0")/osc_lib.sh"
host="act-$$"
cat >"$tmp/agent.conf" <<'EOF'
[compute]
shutdown_timeout = 3
soft_reboot_timeout = 3
work_poll_interval_ms = 300
EOF
start_placement && start_api || { echo "FAIL: services did not start"; exit 1; }
start_agent "$host" --config "$tmp/agent.conf"
wait_for 15 sh -c "curl -sf -H 'X-Auth-Token: admin' $compute_url/v2.1/os-hypervisors | grep -q '\"$host\"'" ||
  { echo "FAIL: the agent did not report"; exit 1; }
sed -e "s#127.0.0.1:8774#127.0.0.1:$c_port#g" -e "s#127.0.0.1:9292#127.0.0.1:$i_port#g" \
    -e "s#127.0.0.1:8778#127.0.0.1:$p_port#g" "$src/etc/clouds.yaml" >"$tmp/clouds.yaml"
export HOME="$tmp/home"; mkdir -p "$HOME"
osc() { OS_CLIENT_CONFIG_FILE="$tmp/clouds.yaml" timeout 60 /usr/bin/openstack --os-cloud stratus "$@" </dev/null 2>&1; }

make_image act-x86 ', "hw_architecture": "x86_64", "hw_machine_type": "q35"'
make_flavor act.small 128 '{}'
boot act-1 "$flavor_id" "$image_id"; id=$server_id
wait_status "$id" ACTIVE 60 || { echo "FAIL: the server did not become ACTIVE: $body"; exit 1; }
check "ACTIVE: the CLI shows ACTIVE active 1" wait_shown "$id" "ACTIVE active 1" 10

# ---------------------------------------------------------------- refused requests
out=$(osc server start "$id")
check "start on an ACTIVE server: 409 naming the vm_state" grep -q "Cannot os-start server $id: it is in vm_state active; allowed from vm_state stopped (HTTP 409)" <<<"$out"
capi POST "/v2.1/servers/$id/action" '{"unpause": null}'
expect "unpause of an active server" 409 "Cannot unpause server $id: it is in vm_state active; allowed from vm_state paused"
capi POST "/v2.1/servers/$id/action" '{"shelve": null}'
expect "unknown action" 400 "action='shelve' is invalid: Stratus does not carry out this server action; allowed: os-start, os-stop, pause, reboot, resume, suspend, unpause"
capi POST "/v2.1/servers/$id/action" '{"reboot": {"type": "WARM"}}'
expect "bad reboot type" 400 "reboot.type='WARM' is invalid; allowed: HARD, Hard, hard, SOFT, Soft, soft"
capi POST "/v2.1/servers/00000000-0000-4000-8000-000000000000/action" '{"os-stop": null}'
expect "action on no server" 404 "could not be found"

# ---------------------------------------------------------------- every action
act "stop (no ACPI here: destroyed after shutdown_timeout)" "$id" "SHUTOFF stopped 4" "shut off" server stop
out=$(osc server stop "$id")
check "stop on a SHUTOFF server: 409" grep -q "it is in vm_state stopped; allowed from vm_state active, error (HTTP 409)" <<<"$out"
act "start" "$id" "ACTIVE active 1" "running" server start
capi POST "/v2.1/servers/$id/action" '{"reboot": {"type": "SOFT"}}'
check "a soft reboot shows REBOOT while it runs" test "$(server_status "$id")" = REBOOT
capi POST "/v2.1/servers/$id/action" '{"pause": null}'
expect "pause while rebooting: 409 naming the task" 409 "task_state rebooting is in progress (vm_state active); allowed with task_state none"
check "soft reboot ends ACTIVE" wait_shown "$id" "ACTIVE active 1" 60
check "soft reboot fell back to hard after soft_reboot_timeout" grep -q "server $id: reboot: destroy (guest running)" "$tmp/agent-$host.log"
act "reboot --soft through the CLI" "$id" "ACTIVE active 1" "running" server reboot --soft
capi POST "/v2.1/servers/$id/action" '{"reboot": {"type": "HARD"}}'
check "a hard reboot shows HARD_REBOOT while it runs" test "$(server_status "$id")" = HARD_REBOOT
check "hard reboot ends ACTIVE" wait_shown "$id" "ACTIVE active 1" 60
act "reboot --hard through the CLI" "$id" "ACTIVE active 1" "running" server reboot --hard
act "pause" "$id" "PAUSED paused 3" "paused" server pause
act "unpause" "$id" "ACTIVE active 1" "running" server unpause
act "suspend (a managed save)" "$id" "SUSPENDED suspended 4" "shut off (saved)" server suspend
act "resume" "$id" "ACTIVE active 1" "running" server resume

# ---------------------------------------------------------------- behind Stratus's back
virsh -c qemu:///system destroy "stratus-$id" >/dev/null
check "a guest destroyed with virsh turns SHUTOFF at the next pass" wait_shown "$id" "SHUTOFF stopped 4" 20
virsh -c qemu:///system start "stratus-$id" >/dev/null
check "a SHUTOFF server's guest started with virsh is stopped again (Nova's sync)" wait_shown "$id" "SHUTOFF stopped 4" 30
check "virsh agrees: shut off" sh -c "virsh -c qemu:///system domstate stratus-$id | grep -q 'shut off'"
check "the API logged the stop it asked for in the sync" grep -q "vm_state stopped -> stopped, stopping it" "$tmp/api.log"

# ---------------------------------------------------------------- restarts mid-action
act "start" "$id" "ACTIVE active 1" "running" server start
capi POST "/v2.1/servers/$id/action" '{"os-stop": null}'
sleep 1  # the agent has sent the ACPI request and waits out shutdown_timeout
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null
check "agent killed mid-stop: still powering-off" test "$(shown "$id")" = "ACTIVE active 1"
start_agent "$host" --config "$tmp/agent.conf"
check "agent restarted: the stop completes" wait_shown "$id" "SHUTOFF stopped 4" 60
check "virsh agrees: shut off" sh -c "virsh -c qemu:///system domstate stratus-$id | grep -q 'shut off'"
capi POST "/v2.1/servers/$id/action" '{"os-start": null}'
kill -9 "$api_pid"; wait "$api_pid" 2>/dev/null
start_api
check "API killed right after a start: the start completes" wait_shown "$id" "ACTIVE active 1" 60
capi POST "/v2.1/servers/$id/action" '{"suspend": null}'
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null
kill -9 "$api_pid"; wait "$api_pid" 2>/dev/null
start_api
start_agent "$host" --config "$tmp/agent.conf"
check "both killed around a suspend: SUSPENDED as libvirt has it" wait_shown "$id" "SUSPENDED suspended 4" 60
check "virsh agrees: saved" sh -c "virsh -c qemu:///system domstate --reason stratus-$id | grep -q 'saved'"

# ---------------------------------------------------------------- delete a suspended server
capi DELETE "/v2.1/servers/$id"
check "a suspended server deletes" wait_status "$id" gone 60
check "its guest and saved state are gone" sh -c "! virsh -c qemu:///system dominfo stratus-$id >/dev/null 2>&1"

if [ "$failures" -gt 0 ]; then
  echo "--- agent log"; tail -30 "$tmp/agent-$host.log"
  echo "--- api log"; grep -v ' GET ' "$tmp/api.log" | tail -20
  exit 1
fi
exit 0
