#!/usr/bin/env bash
# One vSMMUv3 per host SMMU against the real libvirt 12.9 / QEMU 11.1 of
# ../shared/labs/libvirt-12 (issue 15):
#  1. every smmu-multi- golden XML that uses the per-bus form (virt/testdata/cases; the
#     golden test holds the renderer to those files byte for byte) defines with
#     VIRDOMAIN_DEFINE_VALIDATE, and libvirt keeps what Stratus laid out: each
#     <driver pciBus='N'/> names a pcie-expander-bus, each hostdev sits on a root port
#     behind one, no machine-wide smmuv3 next to them;
#  2. the two-SMMU guest, without its hostdevs (the lab has no VFIO, REFERENCE.md 3.4) and
#     with a virtio-rng behind a root port of each expander bus instead, starts under TCG,
#     and QEMU's command line has one arm-smmuv3 per expander bus and no iommu=smmuv3;
#  3. the old stack's machine-wide form still gives -machine ...,iommu=smmuv3 and no
#     arm-smmuv3 device.
# The lab's aarch64 runs only under TCG, so the KVM golden files are defined as the TCG
# guest Stratus renders on such a host: type 'qemu' and a cortex-a57 CPU
# (qemu-aarch64-smmuv3.xml), nothing else changed.
# Usage: smmuv3_multi_lab_test.sh SOURCE_DIR
# Exit 77 only when the lab cannot start; it is started when not running, never stopped.
set -u
src=$1
lab=$src/../shared/labs/libvirt-12/lab.sh
cases=$src/virt/testdata/cases
prefix=stratus-smmuv3-multi-
[ -f "$lab" ] || { echo "FAIL: $lab is missing"; exit 1; }
if [ "$(id -u)" != 0 ]; then echo "SKIP: the libvirt 12.9 lab needs root"; exit 77; fi

if ! bash "$lab" status >/dev/null 2>&1; then
  echo "== lab: not running, starting it"
  bash "$lab" start >/tmp/stratus-smmuv3-multi-lab-start.log 2>&1 || {
    echo "SKIP: the libvirt 12.9 lab cannot start:"; tail -5 /tmp/stratus-smmuv3-multi-lab-start.log
    exit 77; }
fi
uri=$(bash "$lab" uri)
run_dir=/var/lib/stratus-lab/trixie/run/libvirt/qemu
v() { virsh -q -c "$uri" "$@"; }
tmp=$(mktemp -d)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cleanup() {
  for g in $(v list --all --name 2>/dev/null | grep -E "^$prefix" || true); do
    v destroy "$g" >/dev/null 2>&1
    v undefine --nvram "$g" >/dev/null 2>&1
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup_leftovers() { cleanup; tmp=$(mktemp -d); }
cleanup_leftovers

# FILE NAME: the golden XML as the TCG guest named $prefix$NAME.
as_tcg() {
  python3 - "$1" "$prefix$2" <<'PY'
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1]); d = tree.getroot()
d.set("type", "qemu")
d.find("name").text = sys.argv[2]
cpu = d.find("cpu")
cpu.attrib.clear(); cpu.set("mode", "custom"); cpu.set("match", "exact"); cpu.set("check", "none")
ET.SubElement(cpu, "model", {"fallback": "forbid"}).text = "cortex-a57"
sys.stdout.write(ET.tostring(d, encoding="unicode"))
PY
}

# NAME: checks libvirt's inactive XML of $prefix$NAME keeps the per-bus layout.
check_layout() {
  v dumpxml --inactive "$prefix$1" >"$tmp/$1.defined.xml" || { fail "$1: dumpxml"; return; }
  python3 - "$tmp/$1.defined.xml" "$cases/$1.xml" <<'PY' || fail "$1: defined layout differs (above)"
import sys, xml.etree.ElementTree as ET
got, want = (ET.parse(p).getroot() for p in sys.argv[1:3])
def layout(d):
    ctl = {c.get("index"): c for c in d.findall("devices/controller[@type='pci']")}
    def bus_of(addr): return str(int(addr.get("bus"), 16))
    return {
        "expanders": sorted((c.get("index"), c.find("target").get("busNr"))
                            for c in ctl.values() if c.get("model") == "pcie-expander-bus"),
        "ports": sorted((c.get("index"), bus_of(c.find("address")))
                        for c in ctl.values() if c.get("model") == "pcie-root-port"
                        and c.find("address") is not None and bus_of(c.find("address")) != "0"),
        "hostdevs": sorted((h.find("source/address").get("bus") + ":" + h.find("source/address").get("slot")
                            + "." + h.find("source/address").get("function"), bus_of(h.find("address")))
                           for h in d.findall("devices/hostdev")),
        "iommus": sorted(((i.find("driver").get("pciBus") if i.find("driver") is not None else None),
                          (i.find("driver").get("accel") if i.find("driver") is not None else None))
                         for i in d.findall("devices/iommu")),
    }
g, w = layout(got), layout(want)
ok = g == w
ctl = {c.get("index"): c.get("model") for c in got.findall("devices/controller[@type='pci']")}
for bus, _ in g["iommus"]:
    if bus is None: print("machine-wide smmuv3 next to per-bus ones"); ok = False
    elif bus != "0" and ctl.get(bus) != "pcie-expander-bus":
        print(f"pciBus {bus} is {ctl.get(bus)}, not a pcie-expander-bus"); ok = False
for _, bus in g["hostdevs"]:
    port_bus = dict(g["ports"]).get(bus)
    if port_bus is None or ctl.get(port_bus) != "pcie-expander-bus":
        print(f"a hostdev on bus {bus} is not behind a root port of an expander bus"); ok = False
if not ok: print("got ", g); print("want", w)
sys.exit(0 if ok else 1)
PY
}

echo "== 1. per-bus golden XML defines with VALIDATE on libvirt 12.9 and keeps its layout"
defined=0
for f in "$cases"/smmu-multi-*.xml; do
  name=$(basename "$f" .xml)
  grep -q 'pciBus=' "$f" || continue
  as_tcg "$f" "$name" >"$tmp/$name.xml"
  if out=$(v define --validate "$tmp/$name.xml" 2>&1); then
    check_layout "$name"
    defined=$((defined + 1))
    echo "ok: $name"
  else
    fail "$name does not define: $out"
  fi
  v undefine --nvram "$prefix$name" >/dev/null 2>&1
done
[ "$defined" -ge 3 ] || fail "only $defined per-bus golden cases were found and defined (want >= 3)"

echo "== 2. two pxb-pcie smmuv3 start under TCG; one arm-smmuv3 per bus on QEMU's command line"
start_and_cmdline() {  # NAME FILE -> prints QEMU's argv, one per line
  v define --validate "$2" >/dev/null || return 1
  v start "$prefix$1" >/dev/null || return 1
  local pid
  pid=$(cat "$run_dir/$prefix$1.pid" 2>/dev/null) || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline"
}
# stdin -> stdout: the guest without its hostdevs (the lab has no VFIO) and with a
# virtio-rng on the first root port of each expander bus, so emulated traffic goes
# through each vSMMU.
without_hostdevs() {
  python3 -c '
import sys, xml.etree.ElementTree as ET
d = ET.fromstring(sys.stdin.read()); dev = d.find("devices")
ports = {}
for c in dev.findall("controller[@type=\"pci\"]"):
    a = c.find("address")
    if c.get("model") == "pcie-root-port" and a is not None: ports.setdefault(a.get("bus"), c.get("index"))
for h in dev.findall("hostdev"): dev.remove(h)
for port in ports.values():  # one emulated device behind each expander bus
    rng = ET.SubElement(dev, "rng", {"model": "virtio"})
    ET.SubElement(rng, "backend", {"model": "random"}).text = "/dev/urandom"
    ET.SubElement(rng, "address", {"type": "pci", "domain": "0x0000", "bus": "0x%02x" % int(port),
                                   "slot": "0x00", "function": "0x0"})
sys.stdout.write(ET.tostring(d, encoding="unicode"))'
}
as_tcg "$cases/smmu-multi-two-smmus.xml" two-smmus-tcg | without_hostdevs >"$tmp/two-tcg.xml"
if argv=$(start_and_cmdline two-smmus-tcg "$tmp/two-tcg.xml"); then
  printf '%s\n' "$argv" >"$tmp/two-tcg.argv"
  n=$(grep -c '"driver":"arm-smmuv3"' "$tmp/two-tcg.argv")
  [ "$n" = 2 ] || fail "want 2 arm-smmuv3 devices, QEMU got $n: $(grep arm-smmuv3 "$tmp/two-tcg.argv")"
  for bus in pci.1 pci.2; do
    grep -q "\"driver\":\"arm-smmuv3\",\"primary-bus\":\"$bus\"" "$tmp/two-tcg.argv" ||
      fail "no arm-smmuv3 with primary-bus $bus: $(grep arm-smmuv3 "$tmp/two-tcg.argv")"
  done
  n=$(grep -c '"driver":"pxb-pcie"' "$tmp/two-tcg.argv")
  [ "$n" = 2 ] || fail "want 2 pxb-pcie, QEMU got $n"
  n=$(grep -c '"driver":"pcie-root-port"' "$tmp/two-tcg.argv")
  [ "$n" = 4 ] || fail "want 4 pcie-root-port, QEMU got $n"
  for port in pci.3 pci.5; do
    grep -q "\"driver\":\"virtio-rng-pci\".*\"bus\":\"$port\"" "$tmp/two-tcg.argv" ||
      fail "no virtio-rng-pci on root port $port"
  done
  grep -q 'iommu=smmuv3' "$tmp/two-tcg.argv" && fail "machine-wide iommu=smmuv3 next to per-bus SMMUs"
  [ "$(v domstate "${prefix}two-smmus-tcg")" = running ] || fail "two-smmus-tcg is not running"
  grep -E 'arm-smmuv3|pxb-pcie' "$tmp/two-tcg.argv" | sed 's/^/  argv: /'
else
  fail "two-smmus-tcg did not start: $(tail -3 "/var/lib/stratus-lab/trixie/var/log/libvirt/qemu/${prefix}two-smmus-tcg.log" 2>/dev/null)"
fi
v destroy "${prefix}two-smmus-tcg" >/dev/null 2>&1

echo "== 3. the older stacks' machine-wide form: iommu=smmuv3 and no arm-smmuv3 device"
as_tcg "$cases/smmu-multi-old-stack.xml" old-stack-tcg | without_hostdevs >"$tmp/old.xml"
if argv=$(start_and_cmdline old-stack-tcg "$tmp/old.xml"); then
  printf '%s\n' "$argv" | grep -q 'iommu=smmuv3' || fail "old-stack: no iommu=smmuv3 on -machine"
  printf '%s\n' "$argv" | grep -q 'arm-smmuv3' && fail "old-stack: an arm-smmuv3 device"
else
  fail "old-stack-tcg did not start"
fi
v destroy "${prefix}old-stack-tcg" >/dev/null 2>&1

[ "$failures" = 0 ] || { echo "FAILED: $failures check(s)"; exit 1; }
echo "PASS"
