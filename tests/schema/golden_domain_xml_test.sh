#!/bin/sh
# Every golden domain XML is valid for libvirt's schema. This machine's virt-xml-validate
# is libvirt 9.0's; XML in forms that 9.0's schema does not have (smmuv3 <driver pciBus>,
# libvirt >= 11.10; hostdev <driver iommufd>, 12.1; the lab12-* cases, planned for libvirt 12.9: amd, virtio aw_bits) is
# validated against the libvirt 12.9 lab's schema
# (../shared/labs/libvirt-12, its root file system under /var/lib/stratus-lab/trixie)
# where that lab has been built, and is otherwise left to lab:libvirt12:smmuv3-multi,
# and lab:libvirt12:render, which define it on 12.9 with VALIDATE. Usage: golden_domain_xml_test.sh SOURCE_DIR
src=$1
command -v virt-xml-validate >/dev/null ||
  { echo 'skipped: virt-xml-validate is not installed (libvirt-clients)'; exit 77; }
rng12=/var/lib/stratus-lab/trixie/usr/share/libvirt/schemas/domain.rng
n=0; n12=0; left=0
for f in "$src"/virt/testdata/cases/*.xml; do
  case $f in */lab12-*) newer=1 ;; *) newer=0 ;; esac
  if [ "$newer" = 1 ] || grep -qE 'pciBus=|iommufd=' "$f"; then
    if [ -f "$rng12" ]; then
      xmllint --noout --relaxng "$rng12" "$f" || exit 1
      n12=$((n12 + 1))
    else
      left=$((left + 1))
    fi
    continue
  fi
  virt-xml-validate "$f" domain || exit 1
  n=$((n + 1))
done
echo "$n documents valid for this machine's schema, $n12 for libvirt 12.9's"
[ "$left" -eq 0 ] || echo "$left libvirt 12.9 documents not validated here ($rng12 missing): the lab:libvirt12:* tests validate them"
