#!/usr/bin/env bash
# The stratus CLI as a user runs it: outputs, exit codes (0 ok, 2 rejected or misused,
# 1 failure) and the one-line messages. Usage: stratus_cli_test.sh STRATUS SOURCE_DIR
set -u
stratus=$1
src=$2
hosts=$src/virt/testdata/hosts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# expect NAME RC EXPECTED_STDERR_OR_- CMD...: exit code and, when given, exact stderr.
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

# same_output NAME EXPECTED: the stdout of the last expect.
same_output() {
  if [ "$(cat "$tmp/out")" == "$2" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL $1: stdout was:"; cat "$tmp/out"; echo "wanted:"; echo "$2"
    failed=$((failed + 1))
  fi
}

expect traits-from-facts 0 "" "$stratus" host traits --host-facts "$hosts/x86-qemu-libvirt9.json"
same_output traits-from-facts "COMPUTE_IOMMU_MODEL_AUTO
COMPUTE_IOMMU_MODEL_INTEL
COMPUTE_IOMMU_MODEL_SMMUV3
COMPUTE_IOMMU_MODEL_VIRTIO
CUSTOM_MEM_PAGE_SIZE_2048
HW_ARCH_AARCH64
HW_ARCH_I686
HW_ARCH_X86_64"

expect traits-os-prefix 0 "" "$stratus" host traits --host-facts "$hosts/x86-kvm-libvirt8.2.json" \
  --viommu-trait-prefix COMPUTE_VIOMMU_MODEL_
same_output traits-os-prefix "COMPUTE_VIOMMU_MODEL_AUTO
COMPUTE_VIOMMU_MODEL_INTEL
CUSTOM_MEM_PAGE_SIZE_2048
HW_ARCH_I686
HW_ARCH_X86_64"

printf '[traits]\nviommu_trait_prefix = COMPUTE_VIOMMU_MODEL_\n' >"$tmp/os.conf"
expect traits-config-prefix 0 "" "$stratus" host traits --config "$tmp/os.conf" \
  --host-facts "$hosts/aarch64-kvm-noefi.json"
same_output traits-config-prefix "COMPUTE_VIOMMU_MODEL_AUTO
COMPUTE_VIOMMU_MODEL_SMMUV3
CUSTOM_MEM_PAGE_SIZE_2048
CUSTOM_MEM_PAGE_SIZE_524288
HW_ARCH_AARCH64"

expect bad-prefix 2 "stratus: --viommu-trait-prefix='COMPUTE_X_' is invalid: only these spellings name traits that exist; allowed: COMPUTE_IOMMU_MODEL_, COMPUTE_VIOMMU_MODEL_" \
  "$stratus" host traits --host-facts "$hosts/x86-kvm-libvirt9.json" --viommu-trait-prefix COMPUTE_X_

printf '[libvirt]\nvirt_typ = kvm\n' >"$tmp/typo.conf"
expect config-typo 2 "stratus: [libvirt] virt_typ='kvm' is invalid: unknown setting; allowed: connection_uri, virt_type, hw_machine_type, kernel_root" \
  "$stratus" host traits --config "$tmp/typo.conf" --host-facts "$hosts/x86-kvm-libvirt9.json"

expect render-intel 0 "" "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt9.json" \
  --name web1 --vcpus 2 --ram 1024 --extra-spec hw:viommu_model=intel
grep -q "<driver intremap=\"on\" caching_mode=\"on\" eim=\"on\" iotlb=\"on\" aw_bits=\"48\"/>" "$tmp/out" \
  && grep -q "<vcpu placement=\"static\">2</vcpu>" "$tmp/out" && grep -q "<name>web1</name>" "$tmp/out" \
  && passed=$((passed + 1)) || { echo "FAIL render-intel: $(cat "$tmp/out")"; failed=$((failed + 1)); }

expect render-escaped 0 "" "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt9.json" \
  --name "a'/><evil/>"
grep -q "<name>a'/&gt;&lt;evil/&gt;</name>" "$tmp/out" && ! grep -q "<evil" "$tmp/out" \
  && passed=$((passed + 1)) || { echo "FAIL render-escaped"; failed=$((failed + 1)); }

expect render-bad-model 2 "stratus: hw:viommu_model='Intel' is invalid: values are lower case; did you mean 'intel'?; allowed: none, intel, smmuv3, virtio, amd, auto" \
  "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt9.json" --extra-spec hw:viommu_model=Intel

expect render-host-cannot 2 "stratus: hw:viommu_model='virtio' cannot boot here: virtio needs libvirt >= 8.3.0, host cn3 has 8.2.0; models this host can boot for x86_64/q35: none, intel" \
  "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt8.2.json" --extra-spec hw:viommu_model=virtio

expect render-malformed-pair 2 "stratus: --extra-spec='hw:viommu_model' is invalid: no '=' after a key; allowed: KEY=VALUE" \
  "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt9.json" --extra-spec hw:viommu_model

expect render-duplicate-pair 2 "stratus: --image-property='hw_viommu_model=virtio' is invalid: key 'hw_viommu_model' is given twice; allowed: each key once" \
  "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt9.json" \
  --image-property hw_viommu_model=intel --image-property hw_viommu_model=virtio

expect unknown-option 2 "stratus: The following arguments were not expected: x --flavor" \
  "$stratus" guest render --flavor x
expect no-command 2 - "$stratus"
expect bad-vcpus 2 - "$stratus" guest render --host-facts "$hosts/x86-kvm-libvirt9.json" --vcpus 0

echo '{"hostname": 1}' >"$tmp/bad.json"
expect bad-facts 2 "stratus: hostname='1' is invalid: wrong type; allowed: a string" \
  "$stratus" host traits --host-facts "$tmp/bad.json"
expect missing-facts 2 "stratus: --host-facts='$tmp/none.json' is invalid: cannot open the file; allowed: a readable host facts JSON file" \
  "$stratus" host traits --host-facts "$tmp/none.json"

# host probe on captured documents: the iommufd facts (host, per arch, per IOMMU unit).
expect probe-table-iommufd 0 "" "$stratus" host probe -f table --host-facts "$hosts/x86-kvm-libvirt12-iommufd.json"
same_output probe-table-iommufd "hostname         vfio-lab-l1
arch             x86_64
libvirt          12.9.0
qemu             11.1.3
virt type        kvm
kernel           7.3.4+deb13-amd64
/dev/iommu       yes
vfio cdevs       yes
iommu units      1
iommufd hostdevs yes

ARCH      DOMAINS     UEFI  RUNS  QEMU    VCPU_MAX  IOMMUFD  PCI_BACKENDS  MACHINES
aarch64   qemu        yes   no    11.1.3  -         -        -             virt-7.2,virt
i686      qemu,kvm    no    yes   11.1.3  -         -        -             pc-i440fx-7.2,pc,pc-q35-7.2,q35
x86_64    qemu,kvm    yes   yes   11.1.3  -         yes,no   default,vfio  pc-i440fx-7.2,pc,pc-q35-7.2,q35

IOMMU UNIT                DRIVER        NESTING  DIRTY_TRACKING
dmar0                     intel-iommu   no       no

CELL  CPUS    MEMORY_KIB    PAGES (size KiB: free/total)
0     2       24000000      4: 5000000/6000000  2048: 64/64  1048576: 0/0

PCI DEVICE    TYPE      ID         NUMA  DRIVER
0000:01:10.0  type-VF   8086:10ca  0     vfio-pci
0000:01:10.2  type-VF   8086:10ca  0     igbvf
0000:81:10.0  type-VF   8086:10ca  1     igbvf"
# Two SMMUs: nesting known for one, dirty tracking for neither (arm-smmu-v3 has no sysfs registers).
expect probe-table-2smmu 0 "" "$stratus" host probe -f table --host-facts "$hosts/aarch64-kvm-2smmu-libvirt12.json"
sed -n '/^iommufd hostdevs/p; /^aarch64 /p; /^IOMMU UNIT/,/^$/p' "$tmp/out" >"$tmp/out.part" && mv "$tmp/out.part" "$tmp/out"
same_output probe-table-2smmu "iommufd hostdevs yes
aarch64   qemu,kvm    yes   yes   11.1.0  -         yes,no   default,vfio  virt-11.1,virt
IOMMU UNIT                DRIVER        NESTING  DIRTY_TRACKING
smmu3.0x0000000009050000  arm-smmu-v3   yes      -
smmu3.0x0000000009060000  arm-smmu-v3   -        -"
# The libvirt 12.9 lab host under kvm: why it gets no iommufd hostdevs, as the agent says it.
expect probe-table-no-iommufd 0 "" "$stratus" host probe -f table --host-facts "$hosts/stack-versions-x86-kvm-libvirt12.9.json"
sed -n '/^\/dev\/iommu/,/^iommufd hostdevs/p; /^x86_64 /p; /^IOMMU UNIT/,/^$/p' "$tmp/out" >"$tmp/out.part" && mv "$tmp/out.part" "$tmp/out"
same_output probe-table-no-iommufd "/dev/iommu       no
vfio cdevs       no
iommu units      0
iommufd hostdevs no: libvirt's domain capabilities for x86_64 do not list hostdev iommufd 'yes'; /dev/iommu is missing (kernel without iommufd); no VFIO device cdev under /dev/vfio/devices (kernel without VFIO_DEVICE_CDEV, or no device bound to vfio-pci yet)
x86_64    qemu,kvm    yes   yes   11.1.0  1024      -        -             pc-i440fx-11.1,pc,pc-q35-5.2,pc-i440fx-10.2,pc-i440fx-6.2,pc-i440fx-5.2,...
IOMMU UNIT                DRIVER        NESTING  DIRTY_TRACKING"
# -f json is the facts document: the same iommufd facts, in its names.
expect probe-json-2smmu 0 "" "$stratus" host probe --host-facts "$hosts/aarch64-kvm-2smmu-libvirt12.json"
python3 -c "import json,sys; d=json.load(open('$tmp/out')); print(json.dumps([d['iommu'], [[g['arch'], g.get('hostdev_iommufd'), g.get('hostdev_pci_backends')] for g in d['guests']]], sort_keys=True))" >"$tmp/out.part" && mv "$tmp/out.part" "$tmp/out"
same_output probe-json-2smmu '[{"dev_iommu": true, "kernel_version": "6.18.44", "unit_caps": [{"dirty_tracking": null, "driver": "arm-smmu-v3", "name": "smmu3.0x0000000009050000", "nesting": true}, {"dirty_tracking": null, "driver": "arm-smmu-v3", "name": "smmu3.0x0000000009060000", "nesting": null}], "units": ["smmu3.0x0000000009050000", "smmu3.0x0000000009060000"], "vfio_cdev": true}, [["aarch64", ["yes", "no"], ["default", "vfio"]], ["x86_64", null, null]]]'

# pci devices on captured documents: each device's VFIO cdev and the IOMMU unit it is behind.
expect pci-devices-2smmu 0 "" "$stratus" pci devices --host-facts "$hosts/aarch64-kvm-2smmu-libvirt12.json"
same_output pci-devices-2smmu "+--------------+---------+-----------+--------+--------------+------+-------+----------+-------------------------+--------------------------+---------+------+----------+
| ADDRESS      | TYPE    | ID        | CLASS  | PARENT       | NUMA | GROUP | DRIVER   | VFIO CDEV               | IOMMU UNIT               | MATCHED | TAGS | PROVIDER |
+--------------+---------+-----------+--------+--------------+------+-------+----------+-------------------------+--------------------------+---------+------+----------+
| 0000:01:00.0 | type-PF | 8086:10c9 | 020000 | -            | -    | 9     | igb      | -                       | smmu3.0x0000000009050000 | no      |      | -        |
| 0000:01:10.0 | type-VF | 8086:10ca | 020000 | 0000:01:00.0 | -    | 16    | vfio-pci | /dev/vfio/devices/vfio0 | smmu3.0x0000000009050000 | no      |      | -        |
| 0000:01:10.2 | type-VF | 8086:10ca | 020000 | 0000:01:00.0 | -    | 12    | vfio-pci | /dev/vfio/devices/vfio1 | smmu3.0x0000000009050000 | no      |      | -        |
| 0000:81:00.0 | type-PF | 8086:10c9 | 020000 | -            | 1    | 13    | igb      | -                       | smmu3.0x0000000009060000 | no      |      | -        |
| 0000:81:10.0 | type-VF | 8086:10ca | 020000 | 0000:81:00.0 | 1    | 14    | vfio-pci | /dev/vfio/devices/vfio2 | smmu3.0x0000000009060000 | no      |      | -        |
| 0000:81:10.2 | type-VF | 8086:10ca | 020000 | 0000:81:00.0 | 1    | 15    | vfio-pci | /dev/vfio/devices/vfio3 | smmu3.0x0000000009060000 | no      |      | -        |
+--------------+---------+-----------+--------+--------------+------+-------+----------+-------------------------+--------------------------+---------+------+----------+"
expect pci-devices-iommufd-json 0 "" "$stratus" pci devices -f json --host-facts "$hosts/x86-kvm-libvirt12-iommufd.json"
python3 -c "import json; [print(d['address'], d['vfio_cdev'], d['iommu_unit']) for d in json.load(open('$tmp/out'))]" >"$tmp/out.part" && mv "$tmp/out.part" "$tmp/out"
same_output pci-devices-iommufd-json "0000:01:10.0 /dev/vfio/devices/vfio0 dmar0
0000:01:10.2 None dmar0
0000:81:10.0 None dmar0"

expect unreachable-libvirt 1 - "$stratus" host probe --libvirt-uri "qemu+unix:///system?socket=$tmp/no.sock"
expect help 0 - "$stratus" guest render --help

# Live libvirt, when it answers.
if virsh -c qemu:///system version >/dev/null 2>&1; then
  expect probe-json 0 "" "$stratus" host probe
  python3 -c "import json,sys; d=json.load(open('$tmp/out')); assert d['libvirt_version'] and d['guests'] and d['numa_cells']" \
    && passed=$((passed + 1)) || { echo "FAIL probe-json"; failed=$((failed + 1)); }
  expect probe-table 0 "" "$stratus" host probe -f table
  expect boot 0 "" "$stratus" guest boot --name stratus-clitest-1 --extra-spec hw:viommu_model=auto --ram 128
  same_output boot "stratus-clitest-1 virtio"
  expect delete 0 "" "$stratus" guest delete stratus-clitest-1
  expect delete-again 1 "stratus: no guest named 'stratus-clitest-1'" "$stratus" guest delete stratus-clitest-1
else
  skipped="the live libvirt checks: qemu:///system does not answer (scripts/start-libvirt)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
# Checks that could not run here make the test a skip (77), not a pass.
if [ -n "${skipped:-}" ]; then echo "skipped: $skipped"; exit 77; fi
