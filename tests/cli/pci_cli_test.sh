#!/usr/bin/env bash
# `stratus pci devices` and `stratus pci providers` on the node-device XML captured in
# ../shared/labs/vfio (read in place) and on this machine's own devices through libvirt:
# outputs, exit codes and the one-line [pci] messages.
# Usage: pci_cli_test.sh STRATUS SOURCE_DIR
set -u
stratus=$1
src=$2
cap=$src/../shared/labs/vfio/captured
if [ ! -d "$cap/nodedev" ] || [ ! -d "$cap/nodedev-numa" ]; then
  echo "SKIP: $cap is not here (it comes with ../shared)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

expect() {
  local name=$1 rc=$2 err=$3
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$rc" ]; then
    echo "FAIL $name: exit $got, wanted $rc; stderr: $(cat "$tmp/err")"
    failed=$((failed + 1))
    return
  fi
  if [ "$err" != "-" ] && [ "$(cat "$tmp/err")" != "$err" ]; then
    echo "FAIL $name: stderr was: $(cat "$tmp/err")"
    echo "                wanted: $err"
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + 1))
}

# check NAME PYTHON: a Python expression over `out` (the last stdout, parsed as JSON).
check() {
  if python3 -c "import json,sys; out=json.load(open('$tmp/out')); sys.exit(0 if ($2) else 1)"; then
    passed=$((passed + 1))
  else
    echo "FAIL $1: $2 is false for:"; cat "$tmp/out"
    failed=$((failed + 1))
  fi
}

lab=()
for f in pcie-root-port-of-igb igb-pf-with-2-vfs igb-vf0 igb-vf1-bound-vfio-pci e1000e nvme; do
  lab+=(--nodedev-xml "$cap/nodedev/$f.xml")
done
numa=()
for f in 00_07_0 01_00_0 01_10_0 02_00_0 03_00_0 80_00_0 81_00_0-with-vfs 81_10_0 81_10_2; do
  numa+=(--nodedev-xml "$cap/nodedev-numa/pci_0000_$f.xml")
done

cat >"$tmp/pci.conf" <<'CONF'
[pci]
device_spec = {"vendor_id": "8086", "product_id": "10ca", "managed": "no"}
device_spec = {"address": "0000:02:00.0", "traits": "blue, big"}
device_spec = {"vendor_id": "1b36", "product_id": "0010", "resource_class": "nvme"}
alias = {"name": "vf", "vendor_id": "8086", "product_id": "10ca", "device_type": "type-VF"}
CONF

expect providers 0 "" "$stratus" pci providers --host cn1 --config "$tmp/pci.conf" "${lab[@]}"
check providers-exact 'out == [
  {"name": "cn1_0000:01:00.0", "parent": "cn1", "resource_class": "CUSTOM_PCI_8086_10CA",
   "total": 2, "reserved": 1, "traits": ["COMPUTE_MANAGED_PCI_DEVICE"],
   "devices": ["0000:01:10.0", "0000:01:10.2"]},
  {"name": "cn1_0000:02:00.0", "parent": "cn1", "resource_class": "CUSTOM_PCI_8086_10D3",
   "total": 1, "reserved": 0, "traits": ["COMPUTE_MANAGED_PCI_DEVICE", "CUSTOM_BIG", "CUSTOM_BLUE"],
   "devices": ["0000:02:00.0"]},
  {"name": "cn1_0000:03:00.0", "parent": "cn1", "resource_class": "CUSTOM_NVME",
   "total": 1, "reserved": 0, "traits": ["COMPUTE_MANAGED_PCI_DEVICE"],
   "devices": ["0000:03:00.0"]}]'

expect devices-json 0 "" "$stratus" pci devices --host cn1 --config "$tmp/pci.conf" -f json "${lab[@]}"
check devices-count 'len(out) == 6'
check devices-vf1 '[d for d in out if d["address"] == "0000:01:10.2"] == [{
  "address": "0000:01:10.2", "vendor_id": "8086", "product_id": "10ca", "class": "020000",
  "dev_type": "type-VF", "parent_addr": "0000:01:00.0", "numa_node": None, "iommu_group": 12,
  "iommu_group_members": ["0000:01:10.2"], "driver": "vfio-pci", "vf_max": 0, "vfs": [],
  "iommu_unit": None, "vfio_cdev": None,
  "device_spec": "{\"vendor_id\": \"8086\", \"product_id\": \"10ca\", \"managed\": \"no\"}",
  "tags": ["managed=no"], "provider": "cn1_0000:01:00.0", "reserved": None}]'
check devices-vf0-reserved '[d["reserved"] for d in out if d["address"] == "0000:01:10.0"] == ["managed is no and the device is on host driver igbvf, not vfio-pci"]'
check devices-pf 'out[1]["dev_type"] == "type-PF" and out[1]["vf_max"] == 7 and out[1]["provider"] is None and out[1]["device_spec"] is None'

expect devices-table 0 "" "$stratus" pci devices --host cn1 --config "$tmp/pci.conf" "${lab[@]}"
if grep -q '^| 0000:01:10.2 | type-VF  | 8086:10ca | 020000 | 0000:01:00.0 | -    | 12    | vfio-pci | -         | -          | yes     | managed=no ' "$tmp/out" &&
   grep -q '(reserved: managed is no and the device is on host driver igbvf, not vfio-pci)' "$tmp/out"; then
  passed=$((passed + 1))
else
  echo "FAIL devices-table:"; cat "$tmp/out"; failed=$((failed + 1))
fi

printf '[pci]\ndevice_spec = {"vendor_id": "8086", "product_id": "10ca"}\n' >"$tmp/vf.conf"
expect numa-providers 0 "" "$stratus" pci providers --host lab-l1 --config "$tmp/vf.conf" "${numa[@]}"
check numa-two-pfs '[(p["name"], p["total"]) for p in out] == [("lab-l1_0000:01:00.0", 1), ("lab-l1_0000:81:00.0", 2)]'
expect numa-devices 0 "" "$stratus" pci devices --host lab-l1 --config "$tmp/vf.conf" -f json "${numa[@]}"
check numa-nodes '{d["address"]: d["numa_node"] for d in out if d["numa_node"] is not None} == {"0000:80:00.0": 1, "0000:81:00.0": 1, "0000:81:10.0": 1, "0000:81:10.2": 1}'

# Host facts carry the devices: a captured document with pci_devices gives the same.
"$stratus" pci devices --host cn1 -f json "${lab[@]}" >"$tmp/devs.json"
python3 - "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" "$tmp/devs.json" "$tmp/facts.json" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
keys = ["address", "vendor_id", "product_id", "class", "dev_type", "parent_addr", "numa_node",
        "iommu_group", "iommu_group_members", "driver", "vf_max", "vfs", "iommu_unit", "vfio_cdev"]
facts["pci_devices"] = [{k: d[k] for k in keys} for d in json.load(open(sys.argv[2]))]
json.dump(facts, open(sys.argv[3], "w"))
PY
expect facts-providers 0 "" "$stratus" pci providers --host-facts "$tmp/facts.json" --config "$tmp/pci.conf"
check facts-hostname '[p["name"] for p in out] == ["cn1_0000:01:00.0", "cn1_0000:02:00.0", "cn1_0000:03:00.0"]'
expect facts-old-doc 0 "" "$stratus" pci providers --host-facts "$src/virt/testdata/hosts/x86-kvm-libvirt9.json" --config "$tmp/pci.conf"
check facts-old-doc-empty 'out == []'

# A bad [pci] value exits 2 with one line, before anything is probed.
bad() {
  local name=$1 line=$2 msg=$3
  printf '[pci]\n%s\n' "$line" >"$tmp/bad.conf"
  expect "$name" 2 "stratus: $msg" "$stratus" pci providers --host cn1 --config "$tmp/bad.conf" "${lab[@]}"
}
bad bad-json 'device_spec = {"vendor_id": "8086"' \
  "[pci] device_spec='{\"vendor_id\": \"8086\"' is invalid: not valid JSON; allowed: a JSON object such as {\"vendor_id\": \"8086\", \"product_id\": \"10ca\"}, or a JSON list of them"
bad unknown-key 'device_spec = {"vendor": "8086"}' \
  "[pci] device_spec='{\"vendor\": \"8086\"}' is invalid: unknown key \"vendor\"; allowed: vendor_id, product_id, address, devname, physical_network, remote_managed, trusted, managed, live_migratable, one_time_use, resource_class, traits"
bad number 'device_spec = {"vendor_id": 8086}' \
  "[pci] device_spec='{\"vendor_id\": 8086}' is invalid: vendor_id is a JSON number (8086) where a string belongs; allowed: a JSON string, e.g. \"vendor_id\": \"8086\""
bad slot 'device_spec = {"address": "0000:0a:20.*"}' \
  "[pci] device_spec='{\"address\": \"0000:0a:20.*\"}' is invalid: address \"0000:0a:20.*\": slot \"20\" is above the maximum 1f; allowed: a glob [[[[DOMAIN]:]BUS]:][SLOT][.[FUNCTION]] of hexadecimal fields, each of them empty or * for any (domain at most ffff, bus ff, slot 1f, function 7), or an object of regular expressions with the keys domain, bus, slot, function"
bad devname 'device_spec = {"devname": "eth0"}' \
  "[pci] device_spec='{\"devname\": \"eth0\"}' is invalid: devname is not supported: Stratus always reports PCI devices to placement, which tracks them by address; allowed: vendor_id and product_id, or address, instead of devname"
bad pf-and-vfs 'device_spec = {"vendor_id": "8086"}' \
  "[pci] device_spec='{\"vendor_id\": \"8086\"}' is invalid: it matches VF 0000:01:10.0 of PF 0000:01:00.0, which it matches too; allowed: device specs that match either a PF or its VFs, not both"
bad remote-pf 'device_spec = {"address": "0000:01:00.0", "remote_managed": "yes"}' \
  "[pci] device_spec='{\"address\": \"0000:01:00.0\", \"remote_managed\": \"yes\"}' is invalid: remote_managed is true but it matches PF 0000:01:00.0; allowed: remote_managed only on specs that match VFs"
bad empty-trait 'device_spec = {"address": "0000:02:00.0", "traits": "blue,,big"}' \
  "[pci] device_spec='{\"address\": \"0000:02:00.0\", \"traits\": \"blue,,big\"}' is invalid: traits \"blue,,big\" has an empty item; allowed: a comma-separated list of standard traits (os-traits) or other names, which become CUSTOM_<NAME>"
bad alias-policy 'alias = {"name": "vf", "resource_class": "X", "numa_policy": "strict"}' \
  "[pci] alias='{\"name\": \"vf\", \"resource_class\": \"X\", \"numa_policy\": \"strict\"}' is invalid: numa_policy \"strict\" is not a NUMA policy; allowed: required, legacy, preferred, socket"
# The other commands that read the config check [pci] the same way.
printf '[pci]\nalias = {"name": 1}\n' >"$tmp/alias.conf"
expect host-traits-checks-pci 2 \
  "stratus: [pci] alias='{\"name\": 1}' is invalid: name is a JSON number (1) where a string belongs; allowed: a JSON string, e.g. \"name\": \"name\"" \
  "$stratus" host traits --config "$tmp/alias.conf" --host-facts "$src/virt/testdata/hosts/x86-kvm-libvirt9.json"
expect no-host 2 "stratus: --host='' is invalid: node device XML names no host; allowed: the compute host's name, as the agent's --host" \
  "$stratus" pci providers "${lab[@]}"
expect not-pci 2 - "$stratus" pci devices --host x --nodedev-xml "$cap/nodedev/computer.xml"
expect options-exclusive 2 - "$stratus" pci devices --host-facts x.json --libvirt-uri qemu:///system

# This machine's own devices through real libvirt: every /sys PCI device, same ids.
if virsh -c qemu:///system version >/dev/null 2>&1; then
  expect live-devices 0 "" "$stratus" pci devices -f json
  sysfs=$(for d in /sys/bus/pci/devices/*; do
    printf '%s %s %s %s\n' "$(basename "$d")" "$(sed 's/^0x//' "$d/vendor")" "$(sed 's/^0x//' "$d/device")" "$(sed 's/^0x//' "$d/class")"
  done | sort)
  got=$(python3 -c "import json; [print(d['address'], d['vendor_id'], d['product_id'], d['class']) for d in json.load(open('$tmp/out'))]" | sort)
  if [ -n "$got" ] && [ "$got" == "$sysfs" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL live-devices-match-sysfs: libvirt gave"; echo "$got"; echo "sysfs has"; echo "$sysfs"
    failed=$((failed + 1))
  fi
  expect live-probe 0 "" "$stratus" host probe
  check live-probe-has-pci "len(out['pci_devices']) == $(ls /sys/bus/pci/devices | wc -l)"
else
  echo "skipped: no libvirt at qemu:///system; the live-device checks did not run"
  live_skipped=1
fi

# The daemons check [pci] at start the same way, before anything else runs.
printf '[pci]\ndevice_spec = {"vendor_id": "80860"}\n' >"$tmp/bad-pci.conf"
bad_line='[pci] device_spec='"'"'{"vendor_id": "80860"}'"'"' is invalid: vendor_id "80860" is out of range; allowed: 1 to 4 hexadecimal digits (0 to ffff), or * for any'
bin=$(dirname "$stratus")
expect agent-bad-pci 2 "stratus-compute: $bad_line" "$bin/stratus-compute" --config "$tmp/bad-pci.conf" --once
expect api-bad-pci 2 "stratus-api: $bad_line" "$bin/stratus-api" --config "$tmp/bad-pci.conf"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
[ "${live_skipped:-0}" = 0 ] || exit 77
