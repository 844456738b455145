#!/usr/bin/env bash
# scripts/check-skips on ctest JUnit results written here: it lists each skip with its
# labels and reason, passes outside CI, and fails with CI set or without a result.
# Usage: check_skips_test.sh SOURCE_DIR BUILD_DIR
set -u
check_skips=$1/scripts/check-skips
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
# expect NAME RC EXPECTED_OUTPUT CI_VALUE JUNIT: exit code and the whole output.
expect() {
  local name=$1 rc=$2 want=$3 ci=$4 junit=$5 out got
  if [ "$ci" = "-" ]; then
    out=$(env -u CI "$check_skips" "$junit" "$build" 2>&1); got=$?
  else
    out=$(CI=$ci "$check_skips" "$junit" "$build" 2>&1); got=$?
  fi
  if [ "$got" = "$rc" ] && [ "$out" = "$want" ]; then
    echo "ok: $name"
  else
    echo "FAIL: $name: exit $got, wanted $rc; output:"; echo "$out"; echo "wanted:"; echo "$want"
    failures=$((failures + 1))
  fi
}
# What ctest 3.25 writes with --output-junit for a pass, a skip by exit code and a failure.
cat >"$tmp/skips.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Linux" tests="3" failures="1" disabled="0" skipped="1" hostname="" time="0" timestamp="2026-12-02T07:00:00">
  <testcase name="virt:version" classname="virt:version" time="0.01" status="run"><system-out>All tests passed</system-out></testcase>
  <testcase name="cli:stratus" classname="cli:stratus" time="0.5" status="notrun">
    <skipped message="SKIP_RETURN_CODE=77"/>
    <system-out>41 passed, 0 failed
skipped: the live libvirt checks: qemu:///system does not answer (scripts/start-libvirt)
</system-out>
  </testcase>
  <testcase name="some:test" classname="some:test" time="0" status="notrun"><skipped message="SKIP_RETURN_CODE=77"/><system-out>nothing said</system-out></testcase>
  <testcase name="virt:failing" classname="virt:failing" time="0" status="fail"><failure message="Failed"/><system-out>skipped: not a skip, a failure</system-out></testcase>
</testsuite>
XML
listing="check-skips: 2 test(s) skipped:
  cli:stratus [cli]: the live libvirt checks: qemu:///system does not answer (scripts/start-libvirt)
  some:test [no label]: no reason printed (ctest: SKIP_RETURN_CODE=77)"
expect "skips outside CI are listed and pass" 0 "$listing
check-skips: skips are not failures outside CI (CI is not set)" - "$tmp/skips.xml"
expect "CI=false is not CI" 0 "$listing
check-skips: skips are not failures outside CI (CI is not set)" false "$tmp/skips.xml"
expect "skips under CI fail" 1 "$listing
check-skips: FAIL: CI is set, and on the CI machine no test may skip (install or start what the reasons above name)" true "$tmp/skips.xml"
sed -e '/status="notrun"/,/<\/testcase>/d' -e '/some:test/d' "$tmp/skips.xml" >"$tmp/none.xml"
expect "nothing skipped passes under CI" 0 "check-skips: no test skipped" true "$tmp/none.xml"
expect "no result fails" 1 "check-skips: FAIL: cannot read the ctest result $tmp/absent.xml: [Errno 2] No such file or directory: '$tmp/absent.xml'" - "$tmp/absent.xml"
echo '<testsuite><testcase' >"$tmp/broken.xml"
expect "a broken result fails" 1 "check-skips: FAIL: cannot read the ctest result $tmp/broken.xml: unclosed token: line 1, column 11" - "$tmp/broken.xml"
[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all check-skips checks passed"
